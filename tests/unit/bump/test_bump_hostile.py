"""Hostile or broken infra trees: the real CLI answers each in bounded time with exit 1 and a
message naming file and line (or skips with a warning), never a hang or a traceback, and the
tree is byte-identical afterwards."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from testing.hostile import DEPLOYMENT, IMAGE, run_bump


def _bomb(levels: int = 10, width: int = 10, indent: str = "") -> str:
    lines = [f"{indent}l0: &l0 [" + ", ".join(["lol"] * width) + "]"]
    for level in range(1, levels):
        lines.append(f"{indent}l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def _deep_block(depth: int) -> str:
    return "".join("  " * i + f"k{i}:\n" for i in range(depth)) + "  " * depth + f"image: {IMAGE}:1.0\n"


def _deep_flow(depth: int) -> str:
    return f"image: {IMAGE}:1.0\nx: " + "{a: " * depth + "1" + "}" * depth + "\n"


def _symlink_loop(root: Path) -> None:
    os.symlink("loop-b.yaml", root / "loop-a.yaml")
    os.symlink("loop-a.yaml", root / "loop-b.yaml")


def _dangling(root: Path) -> None:
    os.symlink("gone.yaml", root / "dangling.yaml")


@dataclass(frozen=True)
class Case:
    files: dict[str, str]
    code: int
    says: tuple[str, ...]
    args: tuple[str, ...] = ("--tag", "2.0")
    setup: Callable[[Path], None] | None = None


CASES = {
    "alias bomb beside the pin": Case(
        {"bomb.yaml": _bomb() + f"image: {IMAGE}:1.0\n"},
        1,
        ("bomb.yaml:1:", "aliases expand this document to more than", "alias bomb"),
    ),
    "alias bomb under containers": Case(
        {
            "deploy.yaml": DEPLOYMENT.replace(
                "      containers:\n", _bomb(indent="      ") + "      containers:\n"
            )
        },
        1,
        ("deploy.yaml:1:", "alias bomb"),
    ),
    "block mapping 1,000 levels deep": Case(
        {"deep.yaml": _deep_block(1000)}, 1, ("deep.yaml:100:", "nested more than 200 levels deep")
    ),
    "flow mapping 5,000 levels deep": Case(
        {"deep.yaml": _deep_flow(5000)}, 1, ("deep.yaml:2:", "nested more than 200 levels deep")
    ),
    "duplicate key in the pinning manifest": Case(
        {"deploy.yaml": DEPLOYMENT.replace("  name: api\n", "  name: api\n  name: api-copy\n")},
        1,
        ("deploy.yaml:5:", "duplicate key 'name' (first at line 4, again at line 5)"),
    ),
    "duplicate image key in a container": Case(
        {"deploy.yaml": DEPLOYMENT + f"          image: {IMAGE}:0.9\n"},
        1,
        ("deploy.yaml:11:", "duplicate key 'image' (first at line 10, again at line 11)"),
    ),
    "symlink loop beside the manifests": Case(
        {"deploy.yaml": DEPLOYMENT},
        0,
        ("loop-a.yaml: a symlink loop; skipped", "loop-b.yaml: a symlink loop; skipped"),
        setup=_symlink_loop,
    ),
    "dangling symlink": Case(
        {"deploy.yaml": DEPLOYMENT},
        0,
        ("dangling.yaml: a symlink to gone.yaml, which does not exist; skipped",),
        setup=_dangling,
    ),
    "tag starting with a dash, as --tag -x": Case(
        {"deploy.yaml": DEPLOYMENT},
        1,
        ("tag '-x' is not a valid image tag", "starts with '-'"),
        ("--tag", "-x"),
    ),
    "tag starting with a dash, as --tag=-x": Case(
        {"deploy.yaml": DEPLOYMENT},
        1,
        ("tag '-x' is not a valid image tag", "starts with '-'"),
        ("--tag=-x",),
    ),
}


def _snapshot(root: Path) -> dict[str, bytes | str]:
    state: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        state[rel] = f"-> {os.readlink(path)}" if path.is_symlink() else path.read_bytes()
    return state


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_hostile_tree_gets_a_clear_answer_in_bounded_time_and_stays_as_it_was(
    tmp_path: Path, name: str
) -> None:
    case = CASES[name]
    root = tmp_path / "infra"
    root.mkdir()
    for rel, text in case.files.items():
        (root / rel).write_text(text, encoding="utf-8")
    if case.setup:
        case.setup(root)
    before = _snapshot(root)
    result = run_bump(root, *case.args)
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert result.returncode == case.code, output
    for text in case.says:
        assert text in output, output
    if case.code == 0:
        # The broken links are left alone; the real manifest is bumped.
        assert (root / "deploy.yaml").read_text(encoding="utf-8") == DEPLOYMENT.replace(":1.0", ":2.0")
        before["deploy.yaml"] = DEPLOYMENT.replace(":1.0", ":2.0").encode()
    assert _snapshot(root) == before


def test_a_document_whose_aliases_are_used_a_few_times_is_still_bumped(tmp_path: Path) -> None:
    """The alias budget is about bombs, not about anchors people really write."""
    anchors = "x-env: &env\n" + "".join(f"  - {{name: V{i}, value: '{i}'}}\n" for i in range(20))
    uses = "".join(f"  c{i}: *env\n" for i in range(200))
    root = tmp_path / "infra"
    root.mkdir()
    (root / "values.yaml").write_text(
        anchors + "copies:\n" + uses + f"image: {IMAGE}:1.0\n", encoding="utf-8"
    )
    result = run_bump(root, "--tag", "2.0")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"image: {IMAGE}:2.0\n" in (root / "values.yaml").read_text(encoding="utf-8")


def test_a_file_past_the_size_limit_is_refused_unread_and_the_limit_can_be_raised(tmp_path: Path) -> None:
    root = tmp_path / "infra"
    root.mkdir()
    big = DEPLOYMENT + "# " + "x" * (2 * 2**20) + "\n"
    (root / "big.yaml").write_text(big, encoding="utf-8")
    before = _snapshot(root)
    refused = run_bump(root, "--tag", "2.0", "--max-file-size", "1MiB")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert f"big.yaml: {len(big.encode()):,} bytes, more than the 1,048,576 a file may have" in refused.stderr
    assert "max-file-size" in refused.stderr and "Traceback" not in refused.stderr
    assert _snapshot(root) == before
    allowed = run_bump(root, "--tag", "2.0", "--max-file-size", "3MiB")
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert "image: ghcr.io/acme/api:2.0" in (root / "big.yaml").read_text(encoding="utf-8")


def test_the_default_size_limit_is_ten_mebibytes(tmp_path: Path) -> None:
    root = tmp_path / "infra"
    root.mkdir()
    (root / "big.yaml").write_bytes(DEPLOYMENT.encode() + b"#" * (10 * 2**20))
    result = run_bump(root, "--tag", "2.0")
    assert result.returncode == 1 and "more than the 10,485,760 a file may have" in result.stderr
