"""Real filesystem faults under the real CLI: a read-only mount, an immutable file and a full
disk each end with exit 1, "cannot write FILE: …", no traceback, and the tree as it was.

The faults are real: a read-only bind mount, `chattr +i`, and a tmpfs too small for the new
files. They need root (CI runs as root); elsewhere the test skips unless tools are required."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

from testing.tools import REQUIRE_ENV, require_tool
from testing.hostile import DEPLOYMENT, run_bump

pytestmark = pytest.mark.integration


def _need_root() -> None:
    if os.geteuid() != 0:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail("these faults are made with mount and chattr, which need root")
        pytest.skip("needs root for mount and chattr")


def _infra(root: Path, files: int = 3) -> dict[str, bytes]:
    root.mkdir(exist_ok=True)
    for i in range(files):
        (root / f"app-{i}.yaml").write_text(DEPLOYMENT, encoding="utf-8")
    return _state(root)


def _state(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.iterdir())}


def _sh(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True)


@pytest.fixture
def mounts() -> Iterator[list[Path]]:
    mounted: list[Path] = []
    yield mounted
    for point in reversed(mounted):
        subprocess.run(["umount", str(point)], check=False, capture_output=True)


def _assert_refused(root: Path, before: dict[str, bytes], file_pattern: str, reason: str) -> None:
    """``file_pattern``: a regular expression for the file named."""
    result = run_bump(root, "--tag", "2.0")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "Traceback" not in output
    assert re.search(f"error: cannot write {file_pattern}: {reason}\n", output), output
    assert "nothing was changed" in output
    assert _state(root) == before


def test_a_read_only_infra_dir(tmp_path: Path, mounts: list[Path]) -> None:
    _need_root()
    require_tool("mount")
    source = tmp_path / "source"
    before = _infra(source)
    root = tmp_path / "infra"
    root.mkdir()
    _sh("mount", "--bind", str(source), str(root))
    mounts.append(root)
    _sh("mount", "-o", "remount,bind,ro", str(root))
    _assert_refused(root, before, r"app-0\.yaml", "Read-only file system")


def test_an_immutable_file_among_the_files_to_change(tmp_path: Path) -> None:
    _need_root()
    require_tool("chattr")
    root = tmp_path / "infra"
    before = _infra(root)
    _sh("chattr", "+i", str(root / "app-1.yaml"))
    try:
        _assert_refused(root, before, r"app-1\.yaml", "Operation not permitted")
    finally:
        _sh("chattr", "-i", str(root / "app-1.yaml"))


def test_a_full_disk_part_way_through_the_new_files(tmp_path: Path, mounts: list[Path]) -> None:
    _need_root()
    require_tool("mount")
    root = tmp_path / "infra"
    root.mkdir()
    # Room for the old files and a few new ones, not for all forty new ones.
    _sh("mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(root))
    mounts.append(root)
    padding = "# " + "x" * 3000 + "\n"
    for i in range(40):
        (root / f"app-{i:02}.yaml").write_text(DEPLOYMENT + padding, encoding="utf-8")
    before = _state(root)
    _assert_refused(root, before, r"app-\d\d\.yaml", "No space left on device")
