"""apply(): all files or none; a no-op plan touches nothing; permissions survive."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from gitops_ci.engines.bump import core as engine
from gitops_ci.engines.bump.model import FileEdit, Plan, Target
from gitops_ci.engines.bump.write import write_all
from gitops_ci.errors import UserError


def _infra(tmp_path: Path) -> Path:
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.yaml").write_text(f"image: ghcr.io/acme/{name}:1 # {name}\n")
    return tmp_path


def _state(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.iterdir())}


def test_a_file_changed_after_planning_stops_every_write(tmp_path: Path) -> None:
    root = _infra(tmp_path)
    plan = engine.plan(root, [Target(f"ghcr.io/acme/{n}", "2") for n in "abc"])
    (root / "c.yaml").write_text("image: ghcr.io/acme/c:9\n")
    before = _state(root)
    with pytest.raises(UserError, match="c.yaml changed after the edit was planned; nothing was written"):
        engine.apply(root, plan)
    assert _state(root) == before  # no temporary file left either


@pytest.mark.parametrize("fail_at", [1, 2, 3])
def test_a_failure_at_any_rename_restores_the_old_bytes(tmp_path: Path, fail_at: int) -> None:
    root = _infra(tmp_path)
    plan = engine.plan(root, [Target(f"ghcr.io/acme/{n}", "2") for n in "abc"])
    before = _state(root)
    calls: list[Path] = []

    def replace_then_fail(src: Path, dst: Path) -> None:
        calls.append(dst)
        if len(calls) == fail_at:
            raise OSError(errno.ENOSPC, "No space left on device")
        os.replace(src, dst)

    with pytest.raises(UserError) as raised:
        write_all(root, plan.edits, replace=replace_then_fail)
    failed = plan.edits[fail_at - 1].file
    assert str(raised.value).startswith(f"cannot write {failed}: No space left on device")
    assert "the files already replaced have their old bytes back" in str(raised.value)
    assert _state(root) == before  # old bytes back, no file left aside
    assert len(calls) == fail_at


def test_permissions_are_kept(tmp_path: Path) -> None:
    root = _infra(tmp_path)
    os.chmod(root / "a.yaml", 0o640)
    engine.apply(root, engine.plan(root, [Target("ghcr.io/acme/a", "2")]))
    assert stat.S_IMODE(os.stat(root / "a.yaml").st_mode) == 0o640
    assert (root / "a.yaml").read_text() == "image: ghcr.io/acme/a:2 # a\n"


def test_an_empty_plan_writes_nothing(tmp_path: Path) -> None:
    root = _infra(tmp_path)
    os.utime(root / "a.yaml", ns=(5, 5))
    engine.apply(root, Plan())
    engine.apply(root, engine.plan(root, [Target("ghcr.io/acme/a", "1")]))
    assert os.stat(root / "a.yaml").st_mtime_ns == 5


def test_files_outside_the_plan_are_untouched(tmp_path: Path) -> None:
    root = _infra(tmp_path)
    os.utime(root / "b.yaml", ns=(5, 5))
    edit = FileEdit("a.yaml", (root / "a.yaml").read_bytes(), b"image: ghcr.io/acme/a:3 # a\n")
    engine.apply(root, Plan(edits=(edit,)))
    assert os.stat(root / "b.yaml").st_mtime_ns == 5
