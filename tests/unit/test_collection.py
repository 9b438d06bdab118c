"""Every test file is collected by `make test` and every Python file is linted.

Tool defaults skip folders by name (pytest's `norecursedirs` and black's default exclude both
skip any `build`, `dist` or `venv` folder at any depth): that once hid a whole package and its
105 tests. These tests ask each tool itself which files it takes and compare with what is there.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINTED = ("scripts", "tests", "benchmarks")  # the Makefile's lint paths
# Sample projects for quality-gate: deliberately broken, checked by the gate's own tests.
DELIBERATE = "tests/fixtures/quality_gate/"


def _tracked(pattern: str) -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", pattern],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sorted(p for p in out.splitlines() if (ROOT / p).is_file())


def _python_files() -> list[str]:
    return [p for p in _tracked("*.py") if p.startswith(tuple(f"{d}/" for d in LINTED))]


def _test_files() -> list[str]:
    return [p for p in _tracked("tests/*.py") if Path(p).name.startswith("test_") and "/fixtures/" not in p]


def _defined_tests(path: str) -> int:
    """Test functions defined in a file (parametrisation makes the collected count larger)."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    count = 0
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            count += 1
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            count += sum(
                isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("test")
                for item in node.body
            )
    return count


def _collected_per_file() -> Counter[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return Counter(line.split("::", 1)[0] for line in result.stdout.splitlines() if "::" in line)


def test_make_test_collects_every_test_that_each_test_file_defines() -> None:
    collected = _collected_per_file()
    short = {
        path: (collected.get(path, 0), _defined_tests(path))
        for path in _test_files()
        if collected.get(path, 0) < _defined_tests(path)
    }
    assert short == {}, "test files whose tests pytest leaves out (collected, defined): " + repr(short)
    per_folder = Counter(str(Path(path).parent) for path in collected)
    present = Counter(str(Path(path).parent) for path in _test_files())
    assert per_folder == present


def test_the_test_folders_include_the_build_push_tests() -> None:
    """The check above is only as good as its file list: the once-hidden folders are in it."""
    folders = {str(Path(p).parent) for p in _test_files()}
    assert {"tests/unit/build_push", "tests/integration/build_push"} <= folders


def test_black_checks_every_python_file_but_the_deliberate_samples(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "black", "--check", "--verbose", *LINTED],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "BLACK_CACHE_DIR": str(tmp_path)},
    )
    checked = {
        os.path.relpath(m.group(1), ROOT)
        for m in re.finditer(r"^(\S+\.py) already well formatted", result.stderr, re.M)
    }
    checked |= {
        os.path.relpath(m.group(1), ROOT)
        for m in re.finditer(r"^would reformat (\S+\.py)", result.stderr, re.M)
    }
    expected = {p for p in _python_files() if not p.startswith(DELIBERATE)}
    assert sorted(expected - checked) == []


def test_flake8_checks_every_python_file_but_the_deliberate_samples() -> None:
    from flake8.discover_files import expand_paths
    from flake8.main.application import Application

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        app = Application()
        app.initialize(list(LINTED))
        options = app.options
        assert options is not None
        checked = set(
            expand_paths(
                paths=options.filenames,
                stdin_display_name=options.stdin_display_name,
                filename_patterns=options.filename,
                exclude=options.exclude,
            )
        )
    finally:
        os.chdir(cwd)
    expected = {p for p in _python_files() if not p.startswith(DELIBERATE)}
    assert sorted(expected - {os.path.normpath(p) for p in checked}) == []


@pytest.mark.parametrize("name", ["build", "dist", "venv"])
def test_a_folder_with_a_name_tools_skip_by_default_is_still_collected(tmp_path: Path, name: str) -> None:
    """The project's settings, not the tools' defaults, decide: a copy of the config collects it."""
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    folder = tmp_path / "tests" / name
    folder.mkdir(parents=True)
    (folder / "test_hidden.py").write_text("def test_hidden() -> None:\n    assert True\n")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert f"tests/{name}/test_hidden.py::test_hidden" in result.stdout, result.stdout + result.stderr
