"""`on-invalid`: a file that is not valid YAML and mentions the image stops the bump (fail,
naming every such file in one error, nothing written) or is left untouched with a warning (skip)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from gitops_ci import main as cli
from gitops_ci.engines.bump import core as engine
from gitops_ci.engines.bump.model import Target
from gitops_ci.errors import UserError

DEPLOY = "kind: Pod\nspec:\n  containers:\n    - name: api\n      image: ghcr.io/acme/api:1.0\n"
BROKEN = {
    "apps/a.yaml": "a: 1\nimage: ghcr.io/acme/api:1.0\n  bad: [\n",
    "apps/b.yaml": "image: ghcr.io/acme/api:1.0\nx: [1, 2\n",
    "z/c.yaml": "k: v\n- image: ghcr.io/acme/api:1.0\n",
}
TARGET = Target("ghcr.io/acme/api", "1.1")


@pytest.fixture
def infra(tmp_path: Path) -> Path:
    root = tmp_path / "infra"
    for rel, text in {"apps/deploy.yaml": DEPLOY, **BROKEN}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {p.as_posix(): (p.read_bytes(), os.stat(p).st_mtime_ns) for p in root.rglob("*") if p.is_file()}


def test_fail_names_every_invalid_file_with_its_line_in_one_error(infra: Path) -> None:
    before = _snapshot(infra)
    with pytest.raises(UserError) as err:
        engine.plan(infra, [TARGET], on_invalid="fail")
    assert err.value.what == "3 files are not valid YAML and mention an image to pin"
    lines = err.value.why.strip().splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == ["apps/a.yaml:3", "apps/b.yaml:3", "z/c.yaml:2"]
    assert "--on-invalid skip" in err.value.fix
    assert _snapshot(infra) == before


def test_fail_is_the_default(infra: Path) -> None:
    with pytest.raises(UserError, match="3 files are not valid YAML"):
        engine.plan(infra, [TARGET])


def test_skip_leaves_the_invalid_files_and_edits_the_rest(infra: Path) -> None:
    plan = engine.plan(infra, [TARGET], on_invalid="skip")
    engine.apply(infra, plan)
    assert plan.files == ("apps/deploy.yaml",)
    assert "ghcr.io/acme/api:1.1" in (infra / "apps" / "deploy.yaml").read_text()
    for rel, text in BROKEN.items():
        assert (infra / rel).read_text() == text
    reasons = {s.file: s.reason for s in plan.skipped}
    assert sorted(reasons) == sorted(BROKEN)
    assert reasons["apps/b.yaml"].startswith("line 3: not valid YAML (")
    assert reasons["apps/b.yaml"].endswith("and it mentions an image to pin; not edited")


def _run(argv: list[str], tmp_path: Path) -> tuple[int, str, str]:
    (tmp_path / "defaults.yml").write_text("")
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(
        ["bump-manifest", *argv], {"GITOPS_CI_DEFAULTS": str(tmp_path / "defaults.yml")}, out, err
    )
    return code, out.getvalue(), err.getvalue()


def test_cli_skip_warns_with_file_and_line(infra: Path, tmp_path: Path) -> None:
    code, out, err = _run(
        ["--infra-dir", str(infra), "--image", "ghcr.io/acme/api", "--tag", "1.1", "--on-invalid", "skip"],
        tmp_path,
    )
    assert code == 0, err
    assert out.startswith("apps/deploy.yaml:5: container: ghcr.io/acme/api:1.0 -> ghcr.io/acme/api:1.1\n")
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 3 and all("not valid YAML" in w for w in warnings)
    assert any("apps/a.yaml" in w and "line 3:" in w for w in warnings)


def test_cli_fail_lists_every_file_and_writes_nothing(infra: Path, tmp_path: Path) -> None:
    before = _snapshot(infra)
    code, out, err = _run(
        ["--infra-dir", str(infra), "--image", "ghcr.io/acme/api", "--tag", "1.1"], tmp_path
    )
    assert (code, out) == (1, "")
    assert "error: 3 files are not valid YAML and mention an image to pin" in err
    for where in ("apps/a.yaml:3: ", "apps/b.yaml:3: ", "z/c.yaml:2: "):
        assert where in err
    assert _snapshot(infra) == before


def test_cli_refuses_an_unknown_on_invalid_value(infra: Path, tmp_path: Path) -> None:
    code, _, err = _run(
        ["--infra-dir", str(infra), "--image", "ghcr.io/acme/api", "--tag", "1.1", "--on-invalid", "warn"],
        tmp_path,
    )
    assert code == 1 and "on-invalid" in err
