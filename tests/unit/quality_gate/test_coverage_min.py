"""coverage-min: pytest gets --cov only when pytest-cov is there; the rule's verdicts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitops_ci.engines.quality_gate import coverage
from gitops_ci.engines.quality_gate.findings import FAILED, PASSED
from gitops_ci.engines.quality_gate.model import Inputs, ToolRun


def inputs(tmp_path: Path, minimum: float | None, tools: tuple[str, ...] = ("pytest",)) -> Inputs:
    return Inputs(
        str(tmp_path), str(tmp_path), "python", tools=tools, report_dir=str(tmp_path), coverage_min=minimum
    )


def test_no_minimum_or_no_pytest_means_no_coverage_flags(tmp_path: Path) -> None:
    assert coverage.plan(inputs(tmp_path, None), True).args == ()
    assert coverage.plan(inputs(tmp_path, 80, tools=("mypy",)), True).args == ()


def test_pytest_cov_present_adds_a_json_report(tmp_path: Path) -> None:
    plan = coverage.plan(inputs(tmp_path, 80), True)
    assert plan.args == ("--cov", f"--cov-report=json:{tmp_path / 'coverage.json'}")


@pytest.mark.parametrize(
    ("percent", "measured", "problem"),
    [
        (91.0, True, ""),
        (80.0, True, ""),
        (79.94, True, "coverage 79.9% is below coverage-min 80%"),
        (None, True, "pytest-cov wrote no coverage report"),
        (None, False, "pytest-cov is not installed in the project's environment"),
    ],
)
def test_the_rule(percent: float | None, measured: bool, problem: str) -> None:
    found = coverage.check(percent, 80, measured)
    assert (found == "") if not problem else (problem in found)


def test_below_the_minimum_fails_a_passing_pytest_with_a_finding(tmp_path: Path) -> None:
    (tmp_path / "coverage.json").write_text(json.dumps({"totals": {"percent_covered": 62.5}}))
    plan = coverage.plan(inputs(tmp_path, 75), True)
    runs = [ToolRun("pytest", PASSED, (), 1.0, 0), ToolRun("mypy", PASSED, (), 1.0, 0)]
    after, percent = plan.apply(runs, inputs(tmp_path, 75))
    assert percent == 62.5
    assert after[0].status == FAILED and after[0].findings[0].code == "coverage"
    assert "62.5% is below coverage-min 75%" in after[0].findings[0].message
    assert after[1] == runs[1]


def test_an_unreadable_report_reads_as_no_report(tmp_path: Path) -> None:
    (tmp_path / "coverage.json").write_text("{not json")
    assert coverage.read_percent(str(tmp_path / "coverage.json")) is None
    assert coverage.read_percent(str(tmp_path / "missing.json")) is None
