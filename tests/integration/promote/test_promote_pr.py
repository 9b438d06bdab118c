"""promote --mode pr against the fake GitHub: one PR per image and target environment, updated in
place by a later promotion, left alone by the same one."""

from __future__ import annotations

from integration.promote.conftest import API, BEFORE, digest, stage_api
from testing.bump_cli import INFRA, SOURCE_SHA, Cli
from testing.forge import Forge
from testing.github_fake import FakeGitHub

PR = ("promote", "--mode", "pr", "--infra-repo", INFRA, "--from", "staging", "--to", "production")
BRANCH = "gitops-ci/promote/production/api"


def test_one_pr_created_then_left_alone_then_updated_in_place(
    infra: Forge, cli: Cli, github: FakeGitHub
) -> None:
    first = stage_api(infra, f"{API}:1.4.2@{digest('a')}")
    main = infra.branch_sha(INFRA, "main")

    created = cli(*PR, "--image", API, "--labels", "promotion")

    assert created.returncode == 0, created.text
    assert created.outputs["pr-operation"] == "created" and created.outputs["pr-number"] == "1"
    assert infra.branch_sha(INFRA, "main") == main  # merging the PR is the approval
    staged = infra.read(INFRA, "main", "envs/staging/api.yaml").encode()
    proposed = infra.read(INFRA, BRANCH, "envs/production/api.yaml").encode()
    assert proposed == staged  # both files are laid out alike: production's is now staging's, byte for byte
    (pull,) = github.open_pulls(INFRA)
    assert pull["head_ref"] == BRANCH and pull["labels"] == ["promotion"]
    assert pull["title"] == "Promote api:1.4.2 from staging to production"
    body = pull["body"]
    assert body.startswith("Promotes to **production** the exact references **staging** runs")
    assert f"| `{API}` | `{BEFORE}` | `{API}:1.4.2@{digest('a')}` |" in body
    assert f"/acme/shop-api/commit/{SOURCE_SHA}" in body and f"/acme/infra/commit/{first}" in body
    assert f"Promoted-From-Commit: {first}" in body and "Promoted-From: staging" in body

    again = cli(*PR, "--image", API)

    assert again.returncode == 0, again.text
    assert again.outputs["pr-operation"] == "none" and again.outputs["pr-number"] == "1"

    second = stage_api(infra, f"{API}:1.5.0@{digest('b')}")
    updated = cli(*PR, "--image", API)

    assert updated.returncode == 0, updated.text
    assert updated.outputs["pr-operation"] == "updated" and updated.outputs["pr-number"] == "1"
    (pull,) = github.open_pulls(INFRA)
    assert pull["title"] == "Promote api:1.5.0 from staging to production"
    assert f"Promoted-From-Commit: {second}" in pull["body"]
    assert f"{API}:1.5.0@{digest('b')}" in infra.read(INFRA, BRANCH, "envs/production/api.yaml")
    assert len(github.settings(INFRA).pulls) == 1
