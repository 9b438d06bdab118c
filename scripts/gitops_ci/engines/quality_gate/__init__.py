"""quality-gate: black, flake8, mypy and pytest run concurrently on the caller's project; their
output becomes findings, then annotations, a step summary and JSON/JUnit reports."""

from __future__ import annotations

from gitops_ci.engines.quality_gate.core import report, run
from gitops_ci.engines.quality_gate.model import Finding, Inputs, Result, Services, ToolRun

__all__ = ["Finding", "Inputs", "Result", "Services", "ToolRun", "report", "run"]
