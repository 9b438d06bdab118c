"""The registry of tools the gate knows: one line per tool."""

from __future__ import annotations

from gitops_ci.engines.quality_gate.tools import black, flake8, mypy, pytest_junit
from gitops_ci.engines.quality_gate.tools.base import Tool

TOOLS: dict[str, Tool] = {t.name: t for t in (black.TOOL, flake8.TOOL, mypy.TOOL, pytest_junit.TOOL)}
