"""The promotion workflows end to end under act (issue 15), one act run per scenario:

1. the reusable pipeline with `production-mode: commit` and an Argo CD (its URL a secret):
   staging gets the build, verify-staging waits for the fake Argo CD to run it, production then
   gets byte for byte the reference staging pins, in a commit carrying the Promoted-From
   trailers; one notification names every stage. (`production-mode: pr`, the default, is
   test_chain's green path: the pull request with the promotion table, production's file on the
   base branch unchanged.)
2. promote.yml dispatched from the Actions tab (workflow_dispatch) rolls production to an
   earlier staging pin (`from-commit`); the org template dispatching the same promotion through
   promote.yml's workflow_call is then a no-op.
In every run no secret reaches the act log.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping

import pytest

from e2e.conftest import Stack
from e2e.test_chain import INFRA, PRODUCTION, ROOT, STAGING, app_files, fields, infra_files, workflow
from testing.act import ActRun, run_act
from testing.argocd_fake import TOKEN as ARGOCD_TOKEN
from testing.argocd_fake import FakeArgoCD, following
from testing.forge import Forge
from testing.git_http import TOKEN, GitServer
from testing.github_fake import FakeGitHub
from testing.webhook_sink import WebhookSink

pytestmark = pytest.mark.e2e

PIPELINE = """
name: pipeline
on: push
jobs:
  pipeline:
    uses: acme/gitops-ci/.github/workflows/gitops-pipeline.yml@v1
    with:
      image: {image}
      infra-repo: acme/infra
      working-directory: {workdir}
      python: {python}
      build-args: BASE_IMAGE={base}
      registry-username: ci
      production-mode: commit
      argocd-applications: myapp-staging
      verify-timeout: "30"
      degraded-grace: "1"
    secrets:
      infra-token: ${{{{ secrets.INFRA_TOKEN }}}}
      registry-password: ${{{{ secrets.REGISTRY_PASSWORD }}}}
      argocd-server: ${{{{ secrets.ARGOCD_SERVER }}}}
      argocd-token: ${{{{ secrets.ARGOCD_TOKEN }}}}
      webhook-url: ${{{{ secrets.WEBHOOK_URL }}}}
"""
PROMOTE = ROOT / ".github" / "workflows" / "promote.yml"
TEMPLATE = ROOT / "examples" / "workflow-templates" / "gitops-promote.yml"
IMAGE = "ghcr.io/acme/myapp"  # the template's default: ghcr.io/<this repository>


def pin(text: str) -> str:
    """The overlay's `images:` entry: the bytes a deployment changes."""
    return text[text.index("images:\n") :]


def act(
    tmp_path: Path,
    stack: Stack,
    server: GitServer,
    fake: FakeGitHub,
    text: str,
    secrets: Mapping[str, str],
    **options: object,
) -> ActRun:
    env = {
        **stack.buildah_env,
        "GITHUB_SERVER_URL": server.url,
        "GITHUB_API_URL": fake.url,
        "GITHUB_REPOSITORY": "acme/myapp",
    }
    run = run_act(tmp_path, text, secrets=secrets, env=env, cache=stack.act_cache, **options)
    (tmp_path / "act.log").write_text(run.log, encoding="utf-8")  # kept for reading a failure
    for secret in secrets.values():
        assert secret not in run.log, "a secret reached the act log"
    return run


def test_pipeline_in_commit_mode_promotes_the_exact_staging_pin_after_verifying_staging(
    tmp_path: Path,
    stack: Stack,
    forge: Forge,
    git_server: GitServer,
    github: FakeGitHub,
    argocd: FakeArgoCD,
) -> None:
    image = f"{stack.registry.host}/acme/promoted"
    forge.create_repo(INFRA, infra_files(image))
    production_before = forge.read(INFRA, "main", PRODUCTION)
    argocd.play("myapp-staging", following("myapp-staging", lambda: forge.branch_sha(INFRA, "main") or ""))
    with WebhookSink() as sink:
        secrets = {
            "INFRA_TOKEN": TOKEN,
            "REGISTRY_PASSWORD": stack.registry.password,
            "ARGOCD_SERVER": argocd.url,
            "ARGOCD_TOKEN": ARGOCD_TOKEN,
            "WEBHOOK_URL": sink.url,
        }
        text = workflow(PIPELINE, tmp_path, stack, "acme/promoted")
        run = act(tmp_path, stack, git_server, github, text, secrets, files=app_files())
    assert run.returncode == 0, run.log[-6000:]
    for job in ("gate", "build", "deploy-staging", "verify-staging", "deploy-production", "notify"):
        assert re.search(rf"\[pipeline/gitops-pipeline/{job} *\] 🏁  Job succeeded", run.log), job

    # Staging: the build, by commit.
    (version,) = [t for t in stack.registry.tags("acme/promoted") if t.startswith("sha-")]
    digest = stack.registry.digest("acme/promoted", version)
    promotion, deployment, _initial = forge.log(INFRA, "main", "%H")
    staging = forge.read(INFRA, deployment, STAGING)
    assert f'newTag: "{version}" # bumped by gitops-ci\n    digest: {digest}\n' in staging
    assert forge.read(INFRA, "main", STAGING) == staging

    # Production: the reference staging pins, byte for byte, and nothing else changed.
    production = forge.read(INFRA, "main", PRODUCTION)
    assert pin(production).encode() == pin(staging).encode()
    assert production == production_before.replace(pin(production_before), pin(staging))
    message = forge.message(INFRA, promotion).splitlines()
    assert message[0] == f"Promote promoted:{version} from staging to production"
    for trailer in (
        f"Image: {image}:{version}@{digest}",
        "Promoted-From: staging",
        f"Promoted-From-Commit: {deployment}",
        "Environment: production",
        "Source-Repository: acme/myapp",
    ):
        assert trailer in message, trailer
    assert github.open_pulls(INFRA) == [] and forge.branches(INFRA) == ["main"]

    # Argo CD was asked about staging: by verify-staging, and by promote's require-healthy.
    assert len(argocd.gets_of("myapp-staging")) >= 2

    (received,) = sink.received
    got = fields(received)
    assert received.json()["status"] == "success"
    assert got["Stages"][0] == (
        "✅ gate · ✅ build · ✅ deploy-staging · ✅ verify-staging · ✅ deploy-production"
    )
    assert got["Infra commit"] == (promotion[:7], f"{git_server.url}/{INFRA}/commit/{promotion}")
    assert re.fullmatch(r"healthy in \d+ s", got["Deployment"][0])
    assert "Pull request" not in got


def stage(forge: Forge, tag: str, digest: str) -> str:
    """Deploy IMAGE:tag@digest to staging as bump-manifest's commit records it; its SHA."""
    before = forge.read(INFRA, "main", STAGING)
    old = pin(before)
    new = f'images:\n  - name: {IMAGE}\n    newTag: "{tag}" # bumped by gitops-ci\n    digest: {digest}\n'
    message = (
        f"Deploy myapp:{tag} to staging\n\nImage: {IMAGE}:{tag}@{digest}\n"
        f"Source-Repository: acme/myapp\nSource-Commit: {'1' * 40}\nEnvironment: staging\n"
    )
    return forge.commit(INFRA, "main", {STAGING: before.replace(old, new)}, message)


def test_promote_workflow_dispatched_rolls_production_to_an_earlier_staging_pin_then_is_a_no_op(
    tmp_path: Path, stack: Stack, forge: Forge, git_server: GitServer, github: FakeGitHub
) -> None:
    forge.create_repo(INFRA, infra_files(IMAGE))
    production_before = forge.read(INFRA, "main", PRODUCTION)
    earlier = stage(forge, "1.1.0", "sha256:" + "a" * 64)
    stage(forge, "1.2.0", "sha256:" + "b" * 64)
    staging_now = forge.read(INFRA, "main", STAGING)
    inputs = {"from-commit": earlier[:7], "mode": "commit"}

    with WebhookSink() as sink:
        secrets = {"INFRA_TOKEN": TOKEN, "DEPLOY_WEBHOOK_URL": sink.url}
        # promote.yml itself, from the Actions tab of a repository that holds it.
        direct = {**inputs, "infra-repo": INFRA, "image": IMAGE}
        first = act(
            tmp_path / "dispatch",
            stack,
            git_server,
            github,
            PROMOTE.read_text(encoding="utf-8"),
            secrets,
            event="workflow_dispatch",
            inputs=direct,
        )
        assert first.returncode == 0, first.log[-6000:]
        head = forge.branch_sha(INFRA, "main")
        # The org template: the same promotion through promote.yml's workflow_call.
        second = act(
            tmp_path / "template",
            stack,
            git_server,
            github,
            TEMPLATE.read_text(encoding="utf-8"),
            secrets,
            event="workflow_dispatch",
            inputs=inputs,
        )
        assert second.returncode == 0, second.log[-6000:]

    # The first: production pins what staging ran at the earlier commit, byte for byte.
    production = forge.read(INFRA, "main", PRODUCTION)
    assert pin(production).encode() == pin(forge.read(INFRA, earlier, STAGING)).encode()
    assert production == production_before.replace(pin(production_before), pin(production))
    assert forge.read(INFRA, "main", STAGING) == staging_now, "staging keeps running 1.2.0"
    message = forge.message(INFRA, "main").splitlines()
    assert message[0] == "Promote myapp:1.1.0 from staging to production"
    assert "Promoted-From: staging" in message and f"Promoted-From-Commit: {earlier}" in message
    for job in ("promote", "notify"):
        assert re.search(rf"\[gitops-promote/{job} *\] 🏁  Job succeeded", first.log), job

    # The second: nothing left to promote, nothing pushed.
    assert forge.branch_sha(INFRA, "main") == head
    assert "Nothing to promote: production already pins what staging runs." in second.log
    assert re.search(r"\[promote/gitops-promote/promote *\] 🏁  Job succeeded", second.log)

    done, again = sink.received
    for received in (done, again):
        got = fields(received)
        assert received.json()["status"] == "success" and got["Stages"][0] == "✅ promote"
        assert got["Environment"][0] == "production"
        assert got["Infra commit"] == (head[:7], f"{git_server.url}/{INFRA}/commit/{head}")
    assert fields(done)["Image"][0] == f"{IMAGE}:1.1.0@sha256:{'a' * 64}"
    assert done.json()["text"] == "Promote staging to production"
    assert again.json()["text"] == "Nothing to promote: production already pins what staging runs"
    assert "Image" not in fields(again)
