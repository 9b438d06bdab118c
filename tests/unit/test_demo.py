"""`make demo` says exactly what is missing, and how to get it, before it starts anything."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "demo.py"


def load_demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_without_root_or_a_builder_it_names_each_missing_piece_and_how_to_get_it() -> None:
    demo = load_demo()
    problems = demo.preflight(lambda name: None if name in ("buildah", "docker-registry") else "/bin/x", 1000)
    assert problems[0] == "buildah: apt-get install buildah"
    assert problems[1] == "docker-registry: apt-get install docker-registry"
    assert problems[2].startswith("root: buildah builds here daemonless") and "sudo make demo" in problems[2]
    assert len(problems) == 3


def test_as_root_with_every_tool_nothing_is_missing() -> None:
    assert load_demo().preflight(lambda name: f"/usr/bin/{name}", 0) == []
