"""The render check in edit mode, with the real `kubectl kustomize`: a bump an overlay shadows
is refused with nothing written; one that reaches every render passes and shows what runs."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from gitops_ci import main as cli
from testing.kustomize_trees import (
    APP,
    IMAGES,
    JSON6902_INLINE,
    JSON6902_LEGACY_INLINE,
    JSON6902_TEST_OP,
    OLD,
    SHOP,
    SMP_INLINE,
    overlay,
    patch_file_tree,
    tree,
    write,
)
from testing.tools import require_tool

PROD = f"{APP}/overlays/prod"
NEW = f"{SHOP}:1.4.2"


@pytest.fixture(autouse=True)
def kubectl() -> str:
    return require_tool("kubectl", hint="the render check runs `kubectl kustomize`")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "defaults.yml").write_text("")
    return {
        "PATH": os.environ["PATH"],
        "GITOPS_CI_DEFAULTS": str(tmp_path / "defaults.yml"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }


def bump(infra: Path, env: dict[str, str], *extra: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    argv = ["bump-manifest", "--infra-dir", str(infra), "--image", SHOP, "--tag", "1.4.2", *extra]
    code = cli.main(argv, env, out, err)
    return code, out.getvalue(), err.getvalue()


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {p.as_posix(): (p.read_bytes(), os.stat(p).st_mtime_ns) for p in root.rglob("*") if p.is_file()}


def test_a_patch_file_that_sets_the_image_refuses_the_bump(tmp_path: Path, env: dict[str, str]) -> None:
    infra = write(tmp_path / "infra", patch_file_tree())
    before = snapshot(infra)

    code, out, err = bump(infra, env, "--path", f"{APP}/base/**")

    assert code == 1 and out == ""
    assert f"overlay {PROD}: Deployment/prod/shop-api/app still runs {OLD}" in err
    assert f"{PROD}/set-image.yaml (a patch) sets the image" in err
    assert "--path" in err and "remove the image from that patch" in err and "Traceback" not in err
    assert snapshot(infra) == before
    assert not list(tmp_path.glob("**/.*.gitops-ci"))


def test_dry_run_is_refused_too(tmp_path: Path, env: dict[str, str]) -> None:
    infra = write(tmp_path / "infra", patch_file_tree())

    code, out, err = bump(infra, env, "--path", f"{APP}/base/**", "--dry-run")

    assert code == 1 and out == "" and f"{PROD}/set-image.yaml" in err


def test_the_same_tree_passes_when_the_patch_is_edited_too(tmp_path: Path, env: dict[str, str]) -> None:
    infra = write(tmp_path / "infra", patch_file_tree())

    code, out, err = bump(infra, env)

    assert (code, err) == (0, "")
    assert f"  {PROD}: Deployment/prod/shop-api/app runs {NEW}" in out.splitlines()
    assert NEW in (infra / PROD / "set-image.yaml").read_text()


@pytest.mark.parametrize(
    "prod", [JSON6902_INLINE, JSON6902_LEGACY_INLINE, SMP_INLINE], ids=["patches", "json6902", "smp"]
)
def test_an_inline_patch_that_sets_the_image_refuses_the_bump(
    tmp_path: Path, env: dict[str, str], prod: str
) -> None:
    infra = write(tmp_path / "infra", tree(prod))
    before = snapshot(infra)

    code, out, err = bump(infra, env)

    assert code == 1 and out == ""
    assert f"overlay {PROD}: Deployment/prod/shop-api/app still runs {OLD}" in err
    assert f"{PROD}/kustomization.yaml (an inline patch in it) sets the image" in err
    assert f"overlay {APP}/overlays/staging" not in err  # that one renders the new image
    assert snapshot(infra) == before


def test_an_overlay_with_images_passes_and_the_summary_shows_what_runs(
    tmp_path: Path, env: dict[str, str]
) -> None:
    files = tree(overlay("prod", IMAGES))
    infra = write(tmp_path / "infra", files)

    code, out, err = bump(infra, env, "--json")

    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert {c["file"] for c in doc["changes"]} == {
        f"{APP}/base/deployment.yaml",
        f"{PROD}/kustomization.yaml",
    }
    check = doc["render_check"]
    assert check["renderer"] == "kubectl kustomize" and check["note"] == ""
    running = {r["root"]: [(x["container"], x["image"]) for x in r["running"]] for r in check["roots"]}
    assert running == {
        f"{APP}/base": [("Deployment/-/shop-api/app", NEW)],
        f"{APP}/overlays/prod": [("Deployment/prod/shop-api/app", NEW)],
        f"{APP}/overlays/staging": [("Deployment/staging/shop-api/app", NEW)],
    }
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    assert "Rendered with `kubectl kustomize` after the edit:" in summary
    assert f"| `{PROD}` | `Deployment/prod/shop-api/app` | `{NEW}` |" in summary


def test_only_the_roots_that_include_a_changed_file_are_rendered(tmp_path: Path, env: dict[str, str]) -> None:
    infra = write(tmp_path / "infra", tree(overlay("prod", IMAGES)))

    code, out, err = bump(infra, env, "--environment", "prod", "--json")

    assert (code, err) == (0, "")
    assert [r["root"] for r in json.loads(out)["render_check"]["roots"]] == [PROD]


def test_render_check_false_skips_the_check(tmp_path: Path, env: dict[str, str]) -> None:
    infra = write(tmp_path / "infra", tree(JSON6902_INLINE))

    code, out, err = bump(infra, env, "--render-check", "false", "--json")

    assert (code, err) == (0, "")
    assert json.loads(out)["render_check"] == {
        "renderer": "",
        "note": "off (render-check: false)",
        "roots": [],
    }
    assert NEW in (infra / APP / "base/deployment.yaml").read_text()


def test_render_check_true_without_a_renderer_is_a_clear_error(tmp_path: Path, env: dict[str, str]) -> None:
    infra = write(tmp_path / "infra", tree(overlay("prod", IMAGES)))
    before = snapshot(infra)
    (tmp_path / "empty").mkdir()

    code, out, err = bump(infra, {**env, "PATH": str(tmp_path / "empty")}, "--render-check", "true")

    assert code == 1 and out == ""
    assert "render-check is true, but neither `kustomize` nor `kubectl` is on PATH" in err
    assert "install kubectl or kustomize" in err and "Traceback" not in err
    assert snapshot(infra) == before


def test_auto_without_a_renderer_bumps_and_says_it_did_not_check(tmp_path: Path, env: dict[str, str]) -> None:
    infra = write(tmp_path / "infra", tree(JSON6902_INLINE))
    (tmp_path / "empty").mkdir()

    code, out, err = bump(infra, {**env, "PATH": str(tmp_path / "empty")})

    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == "Render check skipped: neither kustomize nor kubectl is on PATH."


def test_a_root_broken_before_the_edit_is_skipped_with_a_warning(tmp_path: Path, env: dict[str, str]) -> None:
    files = tree(overlay("prod", IMAGES))
    files[f"{APP}/overlays/broken/kustomization.yaml"] = "resources:\n  - ../../base\n  - missing.yaml\n"
    infra = write(tmp_path / "infra", files)

    code, out, err = bump(infra, env)

    assert code == 0, err
    assert (
        f"warning: render check: {APP}/overlays/broken not checked: it did not render before the edit" in err
    )
    assert f"  {PROD}: Deployment/prod/shop-api/app runs {NEW}" in out.splitlines()
    assert NEW in (infra / APP / "base/deployment.yaml").read_text()


def test_a_root_the_edit_breaks_refuses_the_bump(tmp_path: Path, env: dict[str, str]) -> None:
    infra = write(tmp_path / "infra", tree(JSON6902_TEST_OP))
    before = snapshot(infra)

    code, out, err = bump(infra, env)

    assert code == 1 and out == ""
    assert f"overlay {PROD}: renders before the edit but not after it" in err
    assert "gitops-ci-render-" not in err  # the temporary copy is not shown
    assert snapshot(infra) == before


def _logging_renderer(tmp_path: Path, real: str) -> tuple[str, Path]:
    """A `kubectl` first on PATH that records each run, then runs the real one."""
    shim = tmp_path / "shim"
    shim.mkdir()
    log = tmp_path / "renders.log"
    (shim / "kubectl").write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{real}" "$@"\n')
    (shim / "kubectl").chmod(0o755)
    return f"{shim}{os.pathsep}{os.environ['PATH']}", log


@pytest.mark.parametrize("shared_namespace", [False, True], ids=["plain", "namespace-in-base"])
def test_every_root_of_a_side_is_rendered_in_one_run(
    tmp_path: Path, env: dict[str, str], kubectl: str, shared_namespace: bool
) -> None:
    """Most of a render is the renderer's start-up: three roots cost two runs, not six, with the
    same per-root result (a Namespace every root includes does not make the joint run collide)."""
    files = tree(overlay("prod", IMAGES))
    if shared_namespace:
        files[f"{APP}/base/namespace.yaml"] = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n"
        kustomization = files[f"{APP}/base/kustomization.yaml"]
        files[f"{APP}/base/kustomization.yaml"] = kustomization.replace(
            "resources:\n", "resources:\n  - namespace.yaml\n", 1
        )
    infra = write(tmp_path / "infra", files)
    env["PATH"], log = _logging_renderer(tmp_path, kubectl)

    code, out, err = bump(infra, env, "--json")

    assert (code, err) == (0, "")
    roots = json.loads(out)["render_check"]["roots"]
    assert {r["root"]: [x["image"] for x in r["running"]] for r in roots} == {
        f"{APP}/base": [NEW],
        f"{APP}/overlays/prod": [NEW],
        f"{APP}/overlays/staging": [NEW],
    }
    assert len(log.read_text().splitlines()) == 2


def test_a_side_whose_joint_run_fails_is_rendered_root_by_root(tmp_path: Path, env: dict[str, str]) -> None:
    """The broken root is named, the others still checked."""
    files = tree(overlay("prod", IMAGES))
    files[f"{APP}/overlays/staging/kustomization.yaml"] = overlay("staging").replace(
        "  - ../../base\n", "  - ../../base\n  - missing.yaml\n"
    )
    infra = write(tmp_path / "infra", files)

    code, out, err = bump(infra, env, "--json")

    assert code == 0, err
    roots = {r["root"]: r for r in json.loads(out)["render_check"]["roots"]}
    assert "did not render before the edit" in roots[f"{APP}/overlays/staging"]["skipped"]
    assert [x["image"] for x in roots[PROD]["running"]] == [NEW]
