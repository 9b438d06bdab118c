"""`coverage-min`: pytest measures coverage with pytest-cov when the project has it."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from typing import Sequence

from gitops_ci.engines.quality_gate.findings import ERROR, FAILED, PASSED, Finding
from gitops_ci.engines.quality_gate.model import Inputs, ToolRun

REPORT_NAME = "coverage.json"


@dataclass(frozen=True)
class Plan:
    minimum: float | None  # None: coverage is not checked
    measured: bool  # pytest-cov is there, so pytest gets `args`
    report: str = ""

    @property
    def args(self) -> tuple[str, ...]:
        return ("--cov", f"--cov-report=json:{self.report}") if self.measured else ()

    def apply(self, runs: Sequence[ToolRun], inputs: Inputs) -> tuple[list[ToolRun], float | None]:
        if self.minimum is None:
            return list(runs), None
        percent = read_percent(self.report) if self.measured else None
        problem = check(percent, self.minimum, self.measured)
        return [_with_finding(r, problem) if r.tool == "pytest" and problem else r for r in runs], percent


def plan(inputs: Inputs, has_pytest_cov: bool) -> Plan:
    if inputs.coverage_min is None or "pytest" not in inputs.tools:
        return Plan(None, False)
    return Plan(inputs.coverage_min, has_pytest_cov, os.path.join(inputs.report_dir, REPORT_NAME))


def read_percent(path: str) -> float | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return float(json.load(handle)["totals"]["percent_covered"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def check(percent: float | None, minimum: float, measured: bool) -> str:
    """Why coverage fails the gate, or "" when it does not."""
    if not measured:
        return (
            f"coverage-min is {minimum:g}% but pytest-cov is not installed in the project's environment; "
            "add pytest-cov to its dev dependencies (or drop coverage-min)"
        )
    if percent is None:
        return "coverage-min is set but pytest-cov wrote no coverage report (did pytest run any test?)"
    if percent < minimum:
        return f"coverage {percent:.1f}% is below coverage-min {minimum:g}%"
    return ""


def _with_finding(run: ToolRun, problem: str) -> ToolRun:
    finding = Finding("pytest", "", 0, 0, "coverage", ERROR, problem)
    status = FAILED if run.status == PASSED else run.status
    return replace(run, status=status, findings=(*run.findings, finding))
