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


# -- a sparse clone (--path): the Application and its chart on either side of the globs -----------
CHART_VALUES = "image:\n  repository: ghcr.io/acme/shop-api\n  tag: v1.4.1\nreplicaCount: 1\n"
STAGING_VALUES = "replicaCount: 2\n"
APPLICATION = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: shop-{env}
spec:
  source:
    repoURL: https://github.com/acme/infra-argo.git
    path: charts/shop
    helm:
      valueFiles:
        - ../../values/shop-{env}.yaml
      parameters:
        - name: image.tag
          value: v1.4.1
"""
SPARSE = {
    "charts/shop/values.yaml": CHART_VALUES,
    "values/shop-staging.yaml": STAGING_VALUES,
    "deploy/argocd/shop-staging.yaml": APPLICATION.format(env="staging"),
}


def test_commit_mode_edits_the_override_of_an_application_whose_chart_is_outside_the_path(
    forge: Forge, cli: Cli
) -> None:
    forge.create_repo(REPO, SPARSE)
    run = cli(
        "bump-manifest", "--mode", "commit", "--infra-repo", REPO, "--image", SHOP, "--tag", "v1.5.0",
        "--path", "deploy/argocd/*.yaml",
    )  # fmt: skip

    assert run.returncode == 0, run.text
    assert run.outputs["files"].splitlines() == ["deploy/argocd/shop-staging.yaml"]
    edited = forge.read(REPO, "main", "deploy/argocd/shop-staging.yaml")
    assert edited == SPARSE["deploy/argocd/shop-staging.yaml"].replace("value: v1.4.1", "value: v1.5.0")
    assert forge.read(REPO, "main", "charts/shop/values.yaml") == CHART_VALUES


def test_an_application_outside_the_path_that_overrides_the_chart_in_it_is_reported_not_edited(
    forge: Forge, cli: Cli
) -> None:
    forge.create_repo(REPO, SPARSE)
    run = cli(
        "bump-manifest", "--mode", "commit", "--infra-repo", REPO, "--image", SHOP, "--tag", "v1.5.0",
        "--path", "charts/shop/values.yaml",
    )  # fmt: skip

    assert run.returncode == 0, run.text
    assert run.outputs["files"].splitlines() == ["charts/shop/values.yaml"]
    assert forge.read(REPO, "main", "charts/shop/values.yaml") == CHART_VALUES.replace("v1.4.1", "v1.5.0")
    application = "deploy/argocd/shop-staging.yaml"
    assert forge.read(REPO, "main", application) == SPARSE[application]
    warning = next(
        line for line in run.stdout.splitlines() if line.startswith(f"::warning file={application}")
    )
    assert "outside --path" in warning and "v1.4.1" in warning
