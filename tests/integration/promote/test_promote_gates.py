"""The gates: min-soak counts from the deploy commit's time in the trailers; require-healthy asks
the fake Argo CD about the staging application at that commit. A closed gate pushes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from integration.promote.conftest import API, digest, stage_api
from testing.argocd_fake import TOKEN, FakeArgoCD, application, resource
from testing.bump_cli import INFRA, Cli
from testing.forge import Forge
from testing.git_http import GitServer

PROMOTE = ("promote", "--mode", "commit", "--infra-repo", INFRA, "--from", "staging", "--to", "production")
STAGED = f"{API}:1.4.2@{digest('a')}"


def _hours_ago(hours: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_min_soak_refuses_an_image_too_new_in_staging_then_passes_a_shorter_one(
    infra: Forge, cli: Cli, git_server: GitServer
) -> None:
    deployed = stage_api(infra, STAGED, when=_hours_ago(3))
    head = infra.branch_sha(INFRA, "main")

    refused = cli(*PROMOTE, "--image", API, "--min-soak", "1d")

    assert refused.returncode == 1, refused.text
    error = refused.outputs["error"]
    assert "not promoted: min-soak is 1d and the image has not run that long in staging" in error
    assert f"{STAGED} has run in staging for 3h (since " in error
    assert f"infra commit {deployed[:12]}); it may be promoted from " in error
    assert infra.branch_sha(INFRA, "main") == head and git_server.pushes() == []

    passed = cli(*PROMOTE, "--image", API, "--min-soak", "2h30m")

    assert passed.returncode == 0, passed.text
    assert passed.outputs["changed"] == "true"
    assert f"Promoted-From-Commit: {deployed}" in infra.message(INFRA, "main").splitlines()


def test_min_soak_refuses_a_reference_no_trailer_records(infra: Forge, cli: Cli) -> None:
    files = {
        "envs/staging/api.yaml": infra.read(INFRA, "main", "envs/staging/api.yaml").replace(
            f"{API}:1.0.0@{digest('0')}", STAGED
        )
    }
    infra.commit(INFRA, "main", files, "staging edited by hand")

    run = cli(*PROMOTE, "--image", API, "--min-soak", "30m")

    assert run.returncode == 1
    assert f"{STAGED}: no infra commit's trailers record it in staging" in run.outputs["error"]


def _healthy(argocd: FakeArgoCD, *extra: str) -> tuple[str, ...]:
    return (
        "--require-healthy",
        "--argocd-server",
        argocd.url,
        "--applications",
        "api-staging",
        "--poll-interval",
        "0.02",
        "--healthy-timeout",
        "2",
        "--degraded-grace",
        "0",
        *extra,
    )


def test_require_healthy_checks_the_staging_application_at_the_deploy_commit(
    infra: Forge, cli: Cli, argocd: FakeArgoCD, git_server: GitServer
) -> None:
    deployed = stage_api(infra, STAGED)
    bad = [resource("Deployment", "api", "Degraded", "Back-off restarting failed container")]
    argocd.play("api-staging", [application("api-staging", deployed, health="Degraded", resources=bad)])
    env = {"INPUT_ARGOCD_TOKEN": TOKEN}
    head = infra.branch_sha(INFRA, "main")

    refused = cli(*PROMOTE, "--image", API, *_healthy(argocd), env=env)

    assert refused.returncode == 1, refused.text
    assert f"not promoted: staging is not healthy at infra commit {deployed[:12]}" in refused.outputs["error"]
    assert "Back-off restarting failed container" in refused.outputs["error"]
    assert infra.branch_sha(INFRA, "main") == head and git_server.pushes() == []

    argocd.play("api-staging", [application("api-staging", deployed)])
    passed = cli(*PROMOTE, "--image", API, *_healthy(argocd), env=env)

    assert passed.returncode == 0, passed.text
    assert passed.outputs["changed"] == "true"
    assert argocd.gets_of("api-staging")
    shown = [line for line in passed.text.splitlines() if not line.startswith("::add-mask::")]
    assert TOKEN not in "\n".join([*shown, passed.summary, *passed.outputs.values()])
