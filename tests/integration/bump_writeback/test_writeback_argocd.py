"""commit mode on an infra repo whose Argo CD Applications override a chart's values: the pushed
commit edits the overrides (the pins Argo CD deploys), byte-exact, and a second run is a no-op."""

from __future__ import annotations

from pathlib import Path

from testing.bump_cases import FIXTURES
from testing.bump_cli import SHOP, Cli
from testing.forge import Forge

REPO = "acme/infra-argo"
BEFORE = FIXTURES / "argocd-helm" / "before"
AFTER = FIXTURES / "argocd-helm" / "after-argocd-helm"


def _files(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text() for p in root.rglob("*") if p.is_file()}


def test_commit_mode_pushes_the_override_edits_and_then_nothing(forge: Forge, cli: Cli) -> None:
    forge.create_repo(REPO, _files(BEFORE))
    bump = ("bump-manifest", "--mode", "commit", "--infra-repo", REPO, "--image", SHOP, "--tag", "v1.5.0")

    first = cli(*bump, "--key-path", "app.imageTag")
    head = forge.branch_sha(REPO, "main")
    second = cli(*bump, "--key-path", "app.imageTag")

    assert first.returncode == 0, first.text
    expected = {**_files(BEFORE), **_files(AFTER)}
    for rel, text in expected.items():
        assert forge.read(REPO, "main", rel) == text, rel
    assert "argocd/shop-staging.yaml" in first.outputs["files"].splitlines()
    assert second.returncode == 0 and second.outputs["changed"] == "false"
    assert forge.branch_sha(REPO, "main") == head
