"""`gitops-ci bump-manifest --mode edit` through main.main, on real files in tmp dirs."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from gitops_ci import main as cli

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "infra"
OVERLAY = "apps/myapp/overlays/{}/kustomization.yaml"
DIGEST = "sha256:" + "c" * 64


@pytest.fixture
def infra(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLE, tmp_path / "infra")
    return tmp_path / "infra"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "defaults.yml").write_text("")
    return {"GITOPS_CI_DEFAULTS": str(tmp_path / "defaults.yml")}


def run(argv: list[str], environ: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["bump-manifest", *argv], environ, out, err)
    return code, out.getvalue(), err.getvalue()


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {p.as_posix(): (p.read_bytes(), os.stat(p).st_mtime_ns) for p in root.rglob("*") if p.is_file()}


def test_edit_changes_the_staging_overlay_only(infra: Path, env: dict[str, str]) -> None:
    code, out, err = run(
        [
            "--infra-dir",
            str(infra),
            "--image",
            "ghcr.io/acme/myapp",
            "--tag",
            "0.2.0",
            "--environment",
            "staging",
            "--render-check",  # the exact text of the edit alone; tests/integration/bump_render renders
            "false",
        ],
        env,
    )
    assert (code, err) == (0, "")
    assert out == f"{OVERLAY.format('staging')}:11: kustomize-image: 0.1.0 -> 0.2.0\nChanged 1 file(s).\n"
    text = (infra / OVERLAY.format("staging")).read_text()
    assert text == (EXAMPLE / OVERLAY.format("staging")).read_text().replace('"0.1.0"', '"0.2.0"')
    assert (infra / OVERLAY.format("production")).read_bytes() == (
        EXAMPLE / OVERLAY.format("production")
    ).read_bytes()


def test_dry_run_prints_a_unified_diff_and_writes_nothing(infra: Path, env: dict[str, str]) -> None:
    before = _snapshot(infra)
    code, out, _ = run(
        ["--infra-dir", str(infra), "--image", "ghcr.io/acme/myapp", "--tag", "0.2.0", "--dry-run"], env
    )
    assert code == 0
    assert _snapshot(infra) == before
    assert "--- a/apps/myapp/base/deployment.yaml\n+++ b/apps/myapp/base/deployment.yaml\n" in out
    assert '-    newTag: "0.1.0" # bumped by gitops-ci\n+    newTag: "0.2.0" # bumped by gitops-ci\n' in out
    assert out.count("--- a/") == 3


def test_json_document(infra: Path, env: dict[str, str]) -> None:
    argv = ["--infra-dir", str(infra), "--image", "ghcr.io/acme/myapp", "--tag", "0.2.0", "--digest", DIGEST]
    code, out, _ = run([*argv, "--path", "apps/*/overlays/**", "--json"], env)
    assert code == 0
    doc = json.loads(out)
    assert doc["changed"] is True and doc["skipped"] == []
    assert doc["changes"] == [
        {"file": OVERLAY.format(e), "line": line, "kind": "kustomize-image", "old": old, "new": new}
        for e in ("production", "staging")
        for line, old, new in ((11, "0.1.0", "0.2.0"), (12, "", DIGEST))
    ]
    again = json.loads(run([*argv, "--path", "apps/*/overlays/**", "--json"], env)[1])
    assert again["changed"] is False


def test_runner_outputs_and_step_summary(infra: Path, env: dict[str, str], tmp_path: Path) -> None:
    outputs, summary = tmp_path / "out", tmp_path / "summary"
    environ = {
        **env,
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    environ |= {"INPUT_INFRA_DIR": str(infra), "INPUT_IMAGE": "ghcr.io/acme/myapp", "INPUT_TAG": "0.3.0"}
    environ |= {"INPUT_ENVIRONMENT": "production"}
    code, _, _ = run([], environ)
    assert code == 0
    parsed = dict(_pairs(outputs.read_text()))
    assert parsed["changed"] == "true"
    assert parsed["files"] == OVERLAY.format("production")
    assert json.loads(parsed["changes"])[0]["new"] == "0.3.0"
    assert (
        "| `apps/myapp/overlays/production/kustomization.yaml` | 11 | kustomize-image | `0.1.0` | `0.3.0` |"
        in (summary.read_text())
    )


def _pairs(text: str) -> list[tuple[str, str]]:
    return [
        (m.group(1), m.group(3)) for m in re.finditer(r"(\w+)<<(ghadelimiter_\w+)\n(.*?)\n\2\n", text, re.S)
    ]


def test_several_images_in_one_run(infra: Path, env: dict[str, str]) -> None:
    (infra / "apps" / "myapp" / "base" / "redis.yaml").write_text("image: redis:7.0 # cache\n")
    code, out, _ = run(
        ["--infra-dir", str(infra), "--set", "ghcr.io/acme/myapp=0.4.0", "--set", "redis=7.2", "--json"], env
    )
    assert code == 0
    assert {c["new"] for c in json.loads(out)["changes"]} == {
        "ghcr.io/acme/myapp:0.4.0",
        "0.4.0",
        "redis:7.2",
    }
    assert (infra / "apps" / "myapp" / "base" / "redis.yaml").read_text() == "image: redis:7.2 # cache\n"


def test_missing_image_fails_with_what_was_searched_and_found(infra: Path, env: dict[str, str]) -> None:
    before = _snapshot(infra)
    code, out, err = run(["--infra-dir", str(infra), "--image", "ghcr.io/acme/my-app", "--tag", "1"], env)
    assert code == 1 and out == ""
    assert f"error: ghcr.io/acme/my-app is pinned nowhere in {infra}\n" in err
    assert "images found there: ghcr.io/acme/myapp" in err
    assert _snapshot(infra) == before


def test_missing_image_only_warns_with_on_missing_warn(infra: Path, env: dict[str, str]) -> None:
    code, out, err = run(
        ["--infra-dir", str(infra), "--image", "ghcr.io/acme/my-app", "--tag", "1", "--on-missing", "warn"],
        env,
    )
    assert code == 0 and "warning: ghcr.io/acme/my-app is pinned nowhere" in err
    assert "Nothing to change" in out


def test_bad_tag_is_a_clear_error_and_writes_nothing(infra: Path, env: dict[str, str]) -> None:
    before = _snapshot(infra)
    code, _, err = run(
        ["--infra-dir", str(infra), "--image", "ghcr.io/acme/myapp", "--tag", "1.0\nkind: x"], env
    )
    assert code == 1 and "is not a valid image tag" in err and "newline" in err
    assert _snapshot(infra) == before


@pytest.mark.parametrize("mode", ["commit", "pr"])
def test_write_back_modes_need_an_infra_repo(infra: Path, env: dict[str, str], mode: str) -> None:
    code, _, err = run(
        ["--mode", mode, "--infra-dir", str(infra), "--image", "ghcr.io/acme/myapp", "--tag", "1"], env
    )
    assert code == 1 and "no infra repo given" in err


def test_workload_selectors_and_key_paths(tmp_path: Path, env: dict[str, str]) -> None:
    (tmp_path / "d.yaml").write_text(
        "kind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers:\n"
        "        - {name: main, image: 'x/app:1'}\n        - {name: side, image: 'x/app:1'}\n"
    )
    (tmp_path / "values.yaml").write_text("app:\n  version: '1'\n")
    argv = ["--infra-dir", str(tmp_path), "--image", "x/app", "--tag", "2", "--container", "side"]
    code, _, _ = run([*argv, "--kind", "deployment", "--name", "a"], env)
    assert code == 0
    assert "{name: main, image: 'x/app:1'}" in (tmp_path / "d.yaml").read_text()
    assert "{name: side, image: 'x/app:2'}" in (tmp_path / "d.yaml").read_text()
    code, _, _ = run(
        ["--infra-dir", str(tmp_path), "--image", "x/app", "--tag", "3", "--key-path", "app.version"], env
    )
    assert code == 0 and (tmp_path / "values.yaml").read_text() == "app:\n  version: '3'\n"
