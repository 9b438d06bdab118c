"""promote --mode commit: staging's exact pin in production, byte for byte; --all; a race; no-op."""

from __future__ import annotations

import json
import re
from pathlib import Path

from integration.promote.conftest import API, BEFORE, WEB, WORKER, digest, document, stage_api, stage_web
from testing.bump_cli import INFRA, SOURCE_SHA, Cli
from testing.forge import Forge, git

PROMOTE = ("promote", "--mode", "commit", "--infra-repo", INFRA, "--from", "staging", "--to", "production")
BUMP = ("bump-manifest", "--mode", "commit", "--infra-repo", INFRA, "--environment", "staging")
NEW = f"{API}:1.4.2@{digest('a')}"
IMAGE_LINE = re.compile(rb"^ +image: (\S+)  # the API$", re.M)


def deploy_staging(cli: Cli, image: str, tag: str, sha: str) -> str:
    run = cli(*BUMP, "--image", image, "--tag", tag, "--digest", sha)
    assert run.returncode == 0 and run.outputs["changed"] == "true", run.text
    return run.outputs["commit-sha"]


def value(infra: Forge, env: str) -> bytes:
    """The bytes of the API's pinned value in the environment's Deployment."""
    match = IMAGE_LINE.search(infra.read(INFRA, "main", f"envs/{env}/api.yaml").encode())
    assert match is not None
    return match.group(1)


def test_staging_deployed_then_promoted_byte_for_byte_and_a_second_promote_is_a_no_op(
    infra: Forge, cli: Cli
) -> None:
    production_before = infra.read(INFRA, "main", "envs/production/api.yaml")
    deployed = deploy_staging(cli, API, "1.4.2", digest("a"))

    run = cli(*PROMOTE, "--image", API)

    assert run.returncode == 0, run.text
    assert value(infra, "production") == value(infra, "staging") == NEW.encode()
    after = infra.read(INFRA, "main", "envs/production/api.yaml")
    assert after == production_before.replace(BEFORE, NEW)  # only the value's bytes changed
    head = infra.branch_sha(INFRA, "main")
    assert run.outputs["changed"] == "true" and run.outputs["commit-sha"] == head
    assert run.outputs["files"] == "envs/production/api.yaml"
    trailers = infra.message(INFRA, "main").splitlines()
    assert trailers[0] == "Promote api:1.4.2 from staging to production"
    for trailer in (
        f"Image: {NEW}",
        "Promoted-From: staging",
        f"Promoted-From-Commit: {deployed}",
        "Environment: production",
        "Source-Repository: acme/shop-api",
        f"Source-Commit: {SOURCE_SHA}",
        "Deployed-By: alice",
    ):
        assert trailer in trailers
    (promoted,) = json.loads(run.outputs["promoted"])
    assert promoted == {
        "image": API,
        "from_ref": NEW,
        "old": BEFORE,
        "new": NEW,
        "source_commit": SOURCE_SHA,
        "source_repository": "acme/shop-api",
        "from_commit": deployed,
    }
    assert f"| `{API}` | `{BEFORE}` | `{NEW}` |" in run.summary
    assert f"/acme/shop-api/commit/{SOURCE_SHA}" in run.summary
    assert f"/acme/infra/commit/{deployed}" in run.summary

    again = cli(*PROMOTE, "--image", API)

    assert again.returncode == 0, again.text
    assert again.outputs["changed"] == "false" and json.loads(again.outputs["promoted"]) == []
    assert infra.branch_sha(INFRA, "main") == head
    assert "Nothing to promote: production already pins what staging runs." in again.stdout


def test_all_promotes_every_image_that_differs_in_one_commit(infra: Forge, cli: Cli) -> None:
    api = stage_api(infra, NEW)
    web = stage_web(infra, "2.1.0", digest("b"))  # the worker stays equal: 3.0.0 in both
    before = infra.branch_sha(INFRA, "main")

    run = cli(*PROMOTE, "--all", "--json")

    assert run.returncode == 0, run.text
    assert len(infra.log(INFRA, f"{before}..main")) == 1
    kustomization = infra.read(INFRA, "main", "envs/production/kustomization.yaml")
    assert kustomization == infra.read(INFRA, "main", "envs/staging/kustomization.yaml")
    assert value(infra, "production") == NEW.encode()
    assert 'tag: "3.0.0"' in infra.read(INFRA, "main", "envs/production/values.yaml")
    doc = document(run.stdout)
    assert [(p["image"], p["new"], p["from_commit"]) for p in doc["promoted"]] == [
        (API, NEW, api),
        (WEB, f"{WEB}:2.1.0@{digest('b')}", web),
    ]
    assert doc["equal"] == [WORKER]
    trailers = infra.message(INFRA, "main").splitlines()
    assert [t for t in trailers if t.startswith(("Image:", "Promoted-From"))] == [
        f"Image: {NEW}",
        f"Image: {WEB}:2.1.0@{digest('b')}",
        "Promoted-From: staging",
        f"Promoted-From-Commit: {api}",
        f"Promoted-From-Commit: {web}",
    ]
    assert f"| `{WEB}` | `{WEB}:2.0.0@{digest('1')}` | `{WEB}:2.1.0@{digest('b')}` |" in run.summary
    assert f"Already equal: `{WORKER}`." in run.summary

    again = cli(*PROMOTE, "--all")
    assert again.returncode == 0 and again.outputs["changed"] == "false", again.text


def test_a_promotion_racing_another_push_reads_staging_again_and_keeps_both(infra: Forge, cli: Cli) -> None:
    stage_api(infra, NEW)
    newer = infra.read(INFRA, "main", "envs/staging/api.yaml").replace(NEW, f"{API}:1.5.0@{digest('c')}")
    files = {"envs/staging/api.yaml": newer, "apps/other/config.yaml": "racing: true\n"}
    infra.advance_on_next_push(INFRA, "main", files)

    run = cli(*PROMOTE, "--image", API, "--json")

    assert run.returncode == 0, run.text
    assert document(run.stdout)["attempts"] == 2
    subjects = [line.split(" ", 1)[1] for line in infra.log(INFRA, "main")[:2]]
    assert subjects == ["Promote api:1.5.0 from staging to production", "a racing pipeline"]
    assert infra.read(INFRA, "main", "apps/other/config.yaml") == "racing: true\n"
    assert value(infra, "production") == value(infra, "staging") == f"{API}:1.5.0@{digest('c')}".encode()


def test_edit_mode_promotes_in_a_local_clone_without_committing(
    infra: Forge, cli: Cli, tmp_path: Path
) -> None:
    stage_api(infra, NEW)
    clone = tmp_path / "clone"
    git("clone", "--quiet", str(infra.bare(INFRA)), str(clone))

    run = cli("promote", "--from", "staging", "--to", "production", "--image", API, cwd=clone)

    assert run.returncode == 0, run.text
    assert f"image: {NEW}  # the API" in (clone / "envs/production/api.yaml").read_text(encoding="utf-8")
    assert git("status", "--porcelain", cwd=clone).strip() == "M envs/production/api.yaml"
    assert json.loads(run.outputs["promoted"])[0]["from_commit"] == infra.branch_sha(INFRA, "main")
