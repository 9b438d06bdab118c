"""The package's layers, read from its own imports (docs/ARCHITECTURE.md).

main → commands → engines → doors → ground: an import never points up; an engine uses another
engine only where the table below says so; engines neither print through the runner nor read the
environment; only the run context reads the runner's variables.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "scripts" / "gitops_ci"
LAYERS = {"main": 4, "__main__": 4, "commands": 3, "engines": 2, "doors": 1}  # the rest: ground (0)
# Engine → the engines it may call (their public functions, never a copy).
ENGINE_USES = {
    "writeback": {"bump"},
    "promote": {"bump", "writeback", "verify"},
    "plan": {"build_push"},  # an image name is checked as build-and-push checks it
}
# Where GITHUB_* / RUNNER_* are read: the run context; the runner door reads its own file commands.
RUN_READERS = {"context.py", "doors/runner.py"}
CREDENTIALS = {"GITHUB_TOKEN"}  # a token is an input's fallback, read where the input is


def _modules() -> dict[str, ast.Module]:
    return {
        str(path.relative_to(PACKAGE)): ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(PACKAGE.rglob("*.py"))
    }


MODULES = _modules()


def _imports(tree: ast.Module) -> set[str]:
    """Every gitops_ci module a file imports, at any depth (lazy imports inside functions count)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("gitops_ci"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("gitops_ci"):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return {name for name in found if name.split(".")[0] == "gitops_ci"}


def _parts(name: str) -> list[str]:
    """`gitops_ci.engines.bump.core` → ["engines", "bump", "core"]; a file path likewise."""
    parts = name.removesuffix(".py").replace("/", ".").split(".")
    return parts[1:] if parts[0] == "gitops_ci" else parts


def _layer(name: str) -> int:
    parts = _parts(name)
    return LAYERS.get(parts[0], 0) if parts else 0


def _exists(name: str) -> bool:
    base = PACKAGE.joinpath(*_parts(name))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _module_imports() -> list[tuple[str, str]]:
    return [(path, name) for path, tree in MODULES.items() for name in _imports(tree) if _exists(name)]


def test_the_layers_are_read_from_every_module() -> None:
    # A guard on the reader itself: the layers below are only as good as the imports it sees.
    assert len(MODULES) > 80 and len(_module_imports()) > 200
    imports = _module_imports()
    assert ("doors/git.py", "gitops_ci.doors.proc") in imports
    assert ("main.py", "gitops_ci.commands.resolve") in imports  # imported inside a function


def test_no_import_points_up_a_layer() -> None:
    upward = [(path, name) for path, name in _module_imports() if _layer(name) > _layer(path)]
    assert upward == []


def test_an_engine_calls_another_engine_only_where_the_design_says() -> None:
    crossing = []
    for path, name in _module_imports():
        mine, theirs = _parts(path), _parts(name)
        if mine[0] == "engines" and theirs[0] == "engines" and len(theirs) > 1 and len(mine) > 1:
            if theirs[1] != mine[1] and theirs[1] not in ENGINE_USES.get(mine[1], set()):
                crossing.append((path, name))
    assert crossing == []


def test_engines_do_not_use_the_screen() -> None:
    screen = [
        (path, name)
        for path, name in _module_imports()
        if _parts(path)[0] == "engines" and _parts(name)[:2] == ["doors", "runner"]
    ]
    assert screen == []


def _environ_reads(tree: ast.Module) -> list[str]:
    """Names read from an environment mapping: `x.get("NAME")`, `x["NAME"]`, and `os.environ`."""
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "environ":
            if isinstance(node.value, ast.Name) and node.value.id == "os":
                names.append("os.environ")
        key = None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            key = node.args[0] if node.args else None
        elif isinstance(node, ast.Subscript):
            key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            names.append(key.value)
    return names


@pytest.mark.parametrize("prefix", ["GITHUB_", "RUNNER_"])
def test_only_the_run_context_reads_the_runners_variables(prefix: str) -> None:
    readers = {
        path: sorted({n for n in _environ_reads(tree) if n.startswith(prefix) and n not in CREDENTIALS})
        for path, tree in MODULES.items()
        if path not in RUN_READERS
    }
    assert {path: names for path, names in readers.items() if names} == {}


def test_only_main_takes_the_process_environment() -> None:
    takers = sorted(path for path, tree in MODULES.items() if "os.environ" in _environ_reads(tree))
    assert takers == ["main.py"]
