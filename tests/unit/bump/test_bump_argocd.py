"""Argo CD overrides of a Helm chart's values are the pins that are deployed: helm.parameters,
helm.values, helm.valuesObject (single and multi-source) and `.argocd-source*.yaml` files are
edited byte-exact, linked to the chart through the source's path, and reported as such."""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import pytest

from gitops_ci import main as cli
from gitops_ci.engines.bump import core as engine
from gitops_ci.engines.bump.model import Scope, Target
from gitops_ci.errors import UserError
from testing.bump_cases import CASES, DIGEST, FIXTURES

SHOP = "ghcr.io/acme/shop-api"
MENTION = "# runs ghcr.io/acme/shop-api\n"  # so that the scan reads the Application
CHART = "image:\n  repository: ghcr.io/acme/shop-api\n  tag: v1.4.1\n  digest: ''\n"


def _application(helm: str, path: str = "charts/shop") -> str:
    return (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: shop\nspec:\n"
        f"  source:\n    repoURL: https://github.com/acme/infra.git\n    path: {path}\n    helm:\n{helm}"
    )


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(text.encode())
    return root


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {p.as_posix(): (p.read_bytes(), os.stat(p).st_mtime_ns) for p in root.rglob("*") if p.is_file()}


def test_every_override_is_reported_with_its_own_kind() -> None:
    plan = engine.plan(FIXTURES / "argocd-helm" / "before", CASES["argocd-helm"].targets)
    assert [(c.file, c.line, c.kind, c.old, c.new) for c in plan.changes] == [
        ("apps/shop/chart/.argocd-source-shop-staging.yaml", 4, "argocd-source-file", "v1.4.1", "v1.5.0"),
        ("apps/shop/chart/values-staging.yaml", 6, "helm-values", "v1.4.1", "v1.5.0"),
        ("apps/shop/chart/values.yaml", 8, "helm-values", "v1.4.1", "v1.5.0"),
        ("apps/shop/chart/values.yaml", 16, "key-path", "v1.4.1", "v1.5.0"),
        ("apps/web/.argocd-source.yaml", 3, "argocd-source-file", f"{SHOP}:v1.4.1", f"{SHOP}:v1.5.0"),
        ("argocd/shop-canary.yaml", 14, "argocd-helm-parameter", "v1.4.1", "v1.5.0"),
        ("argocd/shop-multi.yaml", 17, "argocd-helm-parameter", "v1.4.1", "v1.5.0"),
        ("argocd/shop-production.yaml", 18, "argocd-helm-values", "v1.4.1", "v1.5.0"),
        ("argocd/shop-production.yaml", 25, "argocd-helm-values", "v1.4.1", "v1.5.0"),
        ("argocd/shop-staging.yaml", 17, "argocd-helm-parameter", "v1.4.1", "v1.5.0"),
        ("argocd/shop-staging.yaml", 21, "argocd-helm-parameter", "v1.4.1", "v1.5.0"),
        ("envs/prod/eu.yaml", 3, "helm-values", "v1.4.1", "v1.5.0"),
    ]
    assert "argocd/billing.yaml" not in plan.files


@pytest.mark.parametrize(
    "scope", [Scope(paths=("argocd/**",)), Scope(environment="staging")], ids=["path", "environment"]
)
def test_a_narrowed_scope_still_links_its_applications_to_charts_outside_it(scope: Scope) -> None:
    plan = engine.plan(FIXTURES / "argocd-helm" / "before", CASES["argocd-helm"].targets, scope)
    assert {(c.file, c.line) for c in plan.changes} >= {
        ("argocd/shop-staging.yaml", 17),
        ("argocd/shop-staging.yaml", 21),
    }
    assert "apps/shop/chart/values.yaml" not in plan.files  # outside the scope: read, not edited


@pytest.mark.parametrize(
    ("target", "tag", "digest"),
    [(Target(SHOP, "v1.5.0", DIGEST), "v1.5.0", DIGEST), (Target(SHOP, "v1.5.0"), "v1.5.0", '""')],
)
def test_a_digest_parameter_is_pinned_or_cleared(
    tmp_path: Path, target: Target, tag: str, digest: str
) -> None:
    params = (
        "      parameters:\n        - name: image.tag\n          value: v1.4.1\n"
        "        - name: image.digest\n          value: sha256:" + "1" * 64 + "\n"
    )
    root = _tree(tmp_path, {"charts/shop/values.yaml": CHART, "apps/shop.yaml": _application(params)})
    plan = engine.plan(root, [target])
    engine.apply(root, plan)
    text = (root / "apps" / "shop.yaml").read_text()
    assert text == _application(params.replace("v1.4.1", tag).replace("sha256:" + "1" * 64, digest))
    assert {(c.file, c.kind) for c in plan.changes if c.file == "apps/shop.yaml"} == {
        ("apps/shop.yaml", "argocd-helm-parameter")
    }


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_a_values_block_gains_a_missing_key_inside_the_block(tmp_path: Path, eol: str) -> None:
    block = (
        "      values: |\n        image:\n          repository: ghcr.io/acme/shop-api\n"
        "          pullPolicy: Always\n      releaseName: shop\n"
    )
    before = _application(block).replace("\n", eol)
    root = _tree(tmp_path, {"apps/shop.yaml": before})
    plan = engine.plan(root, [Target(SHOP, "v1.5.0")])
    engine.apply(root, plan)
    after = before.replace(f"Always{eol}", f"Always{eol}          tag: v1.5.0{eol}")
    assert (root / "apps" / "shop.yaml").read_bytes() == after.encode()
    assert [(c.line, c.kind, c.old, c.new) for c in plan.changes] == [
        (14, "argocd-helm-values", "", "v1.5.0")
    ]
    assert not engine.plan(root, [Target(SHOP, "v1.5.0")]).changed


@pytest.mark.parametrize("style", [">", '"'])
def test_a_values_string_that_cannot_be_edited_in_place_is_refused(tmp_path: Path, style: str) -> None:
    value = (
        "      values: >\n        image:\n          tag: v1.4.1\n"
        if style == ">"
        else '      values: "image:\\n  tag: v1.4.1\\n"\n'
    )
    root = _tree(tmp_path, {"charts/shop/values.yaml": CHART, "apps/shop.yaml": _application(value)})
    before = _snapshot(root)
    with pytest.raises(UserError) as err:
        engine.plan(root, [Target(SHOP, "v1.5.0")])
    assert err.value.what.startswith(f"line 10: helm.values pins {SHOP} but is a ")
    assert "values: |" in err.value.fix
    assert _snapshot(root) == before


def test_a_values_string_for_another_image_is_left_alone(tmp_path: Path) -> None:
    value = "      values: >\n        image:\n          tag: v1.4.1\n"
    chart = CHART.replace("shop-api", "billing")
    root = _tree(tmp_path, {"charts/shop/values.yaml": chart, "apps/shop.yaml": _application(value)})
    plan = engine.plan(root, [Target(SHOP, "v1.5.0")])
    assert plan.matched == 0 and not plan.changed


def test_a_source_path_outside_the_infra_dir_links_to_nothing(tmp_path: Path) -> None:
    _tree(tmp_path, {"outside/values.yaml": CHART})
    params = "      parameters:\n        - name: image.tag\n          value: v1.4.1\n"
    root = _tree(tmp_path / "infra", {"apps/shop.yaml": MENTION + _application(params, path="../outside")})
    plan = engine.plan(root, [Target(SHOP, "v1.5.0")])
    assert plan.matched == 0 and not plan.changed


def test_a_value_file_outside_the_infra_dir_is_not_read(tmp_path: Path) -> None:
    _tree(tmp_path, {"outside/values.yaml": CHART})
    helm = (
        "      valueFiles: [../../../outside/values.yaml]\n"
        "      parameters:\n        - {name: image.tag, value: v1}\n"
    )
    application = MENTION + _application(helm)
    root = _tree(
        tmp_path / "infra", {"charts/shop/Chart.yaml": "name: shop\n", "apps/shop.yaml": application}
    )
    plan = engine.plan(root, [Target(SHOP, "v1.5.0")])
    assert plan.matched == 0 and not plan.changed


def test_a_parameter_setting_the_repository_without_a_tag_is_reported(tmp_path: Path) -> None:
    params = "      parameters:\n        - name: image.repository\n          value: ghcr.io/acme/shop-api\n"
    chart = CHART.replace("shop-api", "billing")
    root = _tree(tmp_path, {"charts/shop/values.yaml": chart, "apps/shop.yaml": _application(params)})
    plan = engine.plan(root, [Target(SHOP, "v1.5.0")])
    assert not plan.changed and plan.matched == 1
    assert [(s.file, s.reason.split(" so ")[0]) for s in plan.skipped] == [
        ("apps/shop.yaml", f"line 12: pins {SHOP} but sets no tag beside the repository,")
    ]
    assert plan.skipped[0].reason.endswith("; not edited")


def test_the_cli_reports_the_override_kinds_in_changes(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "argocd-helm" / "before", tmp_path / "infra")
    (tmp_path / "defaults.yml").write_text("")
    out, err = io.StringIO(), io.StringIO()
    argv = [
        "bump-manifest",
        "--infra-dir",
        str(tmp_path / "infra"),
        "--image",
        SHOP,
        "--tag",
        "v1.5.0",
        "--json",
    ]
    code = cli.main(argv, {"GITOPS_CI_DEFAULTS": str(tmp_path / "defaults.yml")}, out, err)
    assert code == 0, err.getvalue()
    changes = json.loads(out.getvalue())["changes"]
    assert {
        "file": "argocd/shop-staging.yaml",
        "line": 17,
        "kind": "argocd-helm-parameter",
        "old": "v1.4.1",
        "new": "v1.5.0",
    } in changes
    assert {c["kind"] for c in changes} == {
        "argocd-helm-parameter",
        "argocd-helm-values",
        "argocd-source-file",
        "helm-values",
    }


def test_ref_value_files_are_read_from_the_root_of_the_ref_repository(tmp_path: Path) -> None:
    app = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: shop-eu\nspec:\n  sources:\n"
        "    - repoURL: https://charts.acme.example\n      chart: shop\n      helm:\n"
        "        valueFiles: [$values/envs/eu.yaml]\n        parameters:\n"
        "          - {name: image.tag, value: v1.4.1}\n"
        "    - repoURL: https://github.com/acme/infra.git\n      path: deploy\n      ref: values\n"
    )
    root = _tree(tmp_path, {"envs/eu.yaml": CHART, "deploy/README.yaml": "a: 1\n", "argocd/eu.yaml": app})
    plan = engine.plan(root, [Target(SHOP, "v1.5.0")])
    assert [(c.file, c.line, c.kind) for c in plan.changes] == [
        ("argocd/eu.yaml", 12, "argocd-helm-parameter"),
        ("envs/eu.yaml", 3, "helm-values"),
    ]


def test_an_override_outside_the_path_of_a_chart_inside_it_is_reported_not_edited(tmp_path: Path) -> None:
    params = "      parameters:\n        - name: image.tag\n          value: v1.4.1\n"
    files = {"charts/shop/values.yaml": CHART, "argocd/shop.yaml": _application(params)}
    root = _tree(tmp_path, files)
    shown: list[list[str]] = []

    plan = engine.plan(root, [Target(SHOP, "v1.5.0")], Scope(paths=("charts/**",)), reveal=shown.append)

    assert plan.files == ("charts/shop/values.yaml",)
    (skipped,) = [s for s in plan.skipped if s.file == "argocd/shop.yaml"]
    assert skipped.reason.startswith("line 12: overrides the chart's ghcr.io/acme/shop-api with v1.4.1")
    assert skipped.reason.endswith("; not edited")
    assert shown == [["."]]  # a sparse checkout shows every folder, to find such Applications


def test_the_folders_an_application_in_scope_reads_are_revealed_before_it_is_linked(tmp_path: Path) -> None:
    helm = (
        "      valueFiles: [values.yaml, ../../envs/staging/shop.yaml, ../../../outside.yaml]\n"
        "      parameters:\n        - {name: image.tag, value: v1.4.1}\n"
    )
    root = _tree(tmp_path, {"argocd/shop.yaml": _application(helm)})
    shown: list[list[str]] = []

    def reveal(folders: list[str]) -> None:
        shown.append(folders)
        _tree(root, {"charts/shop/values.yaml": CHART})  # what a sparse checkout brings

    plan = engine.plan(root, [Target(SHOP, "v1.5.0")], Scope(paths=("argocd/*",)), reveal=reveal)

    assert shown == [["charts/shop", "envs/staging"]]
    assert plan.files == ("argocd/shop.yaml",)
