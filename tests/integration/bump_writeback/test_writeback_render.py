"""The render check in commit and pr modes: against a real git server, with the real
`kubectl kustomize`, a shadowed bump commits and pushes nothing."""

from __future__ import annotations

import pytest

from testing.bump_cli import Cli
from testing.forge import Forge
from testing.git_http import GitServer
from testing.github_fake import FakeGitHub
from testing.kustomize_trees import APP, IMAGES, JSON6902_INLINE, OLD, SHOP, overlay, patch_file_tree, tree
from testing.tools import require_tool

REPO = "acme/kustomize-infra"
PROD = f"{APP}/overlays/prod"
NEW = f"{SHOP}:1.4.2"


@pytest.fixture(autouse=True)
def kubectl() -> str:
    return require_tool("kubectl", hint="the render check runs `kubectl kustomize`")


def bump(cli: Cli, mode: str, *extra: str) -> tuple[str, ...]:
    return ("bump-manifest", "--mode", mode, "--infra-repo", REPO, "--image", SHOP, "--tag", "1.4.2", *extra)


@pytest.mark.parametrize("mode", ["commit", "pr"])
def test_a_shadowed_bump_pushes_nothing(
    forge: Forge, cli: Cli, git_server: GitServer, github: FakeGitHub, mode: str
) -> None:
    forge.create_repo(REPO, tree(JSON6902_INLINE))
    before = forge.branch_sha(REPO, "main")

    run = cli(*bump(cli, mode))

    assert run.returncode == 1, run.text
    assert f"overlay {PROD}: Deployment/prod/shop-api/app still runs {OLD}" in run.text
    assert f"{PROD}/kustomization.yaml (an inline patch in it) sets the image" in run.text
    assert "Traceback" not in run.text
    assert git_server.pushes() == []
    assert forge.branch_sha(REPO, "main") == before and forge.branches(REPO) == ["main"]
    assert github.settings(REPO).pulls == []
    assert "changed" not in run.outputs


def test_a_sparse_clone_still_renders_the_overlays_outside_the_path(
    forge: Forge, cli: Cli, git_server: GitServer
) -> None:
    """--path checks out only the base; the overlays that include it are checked out for the
    render check, and the one whose patch sets the image refuses the bump."""
    forge.create_repo(REPO, patch_file_tree())
    before = forge.branch_sha(REPO, "main")

    run = cli(*bump(cli, "commit", "--path", f"{APP}/base/**"))

    assert run.returncode == 1, run.text
    assert f"overlay {PROD}: Deployment/prod/shop-api/app still runs {OLD}" in run.text
    assert f"{PROD}/set-image.yaml (a patch) sets the image" in run.text
    assert git_server.pushes() == [] and forge.branch_sha(REPO, "main") == before


def test_a_bump_every_render_takes_is_pushed_and_the_summary_shows_them(
    forge: Forge, cli: Cli, git_server: GitServer
) -> None:
    forge.create_repo(REPO, tree(overlay("prod", IMAGES)))

    run = cli(*bump(cli, "commit"))

    assert run.returncode == 0, run.text
    assert len(git_server.pushes()) == 1
    assert 'newTag: "1.4.2"' in forge.read(REPO, "main", f"{PROD}/kustomization.yaml")
    assert NEW in forge.read(REPO, "main", f"{APP}/base/deployment.yaml")
    assert "Rendered with `kubectl kustomize` after the edit:" in run.summary
    for root, namespace in (("overlays/prod", "prod"), ("overlays/staging", "staging"), ("base", "-")):
        assert f"| `{APP}/{root}` | `Deployment/{namespace}/shop-api/app` | `{NEW}` |" in run.summary
