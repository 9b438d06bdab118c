"""pytest, read from its JUnit XML: one finding per failed or errored test, at the failing line."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Sequence

from gitops_ci.engines.quality_gate.findings import ERROR, FAILED, NO_TESTS, PASSED, Finding, Outcome
from gitops_ci.engines.quality_gate.tools.base import crashed

if TYPE_CHECKING:  # the XML parser loads when a report is read, not with the registry
    import xml.etree.ElementTree as ElementTree

    from gitops_ci.doors.proc import Completed

JUNIT_NAME = "pytest-junit.xml"
LOCATION = re.compile(r"^(?P<file>[^\s:>][^:\n]*\.py):(?P<line>\d+): ", re.MULTILINE)
# pytest's exit codes: 1 tests failed, 2 interrupted (e.g. collection errors), 5 nothing collected.
FINDINGS_CODES = (1, 2)


class Pytest:
    name = "pytest"
    module = "pytest"
    package = "pytest"
    default_args: tuple[str, ...] = ()
    gate_args: tuple[str, ...] = ()
    spreads = False

    def command(self, args: Sequence[str], report_dir: str) -> list[str]:
        # xunit1 keeps each test's file and line in the report.
        return [*args, f"--junitxml={junit_path(report_dir)}", "-o", "junit_family=xunit1"]

    def interpret(self, completed: Completed, report_dir: str) -> Outcome:
        import xml.etree.ElementTree as ElementTree

        if completed.returncode == 5:
            why = "pytest collected no tests (exit code 5): check `pytest-args` and the test file names"
            return Outcome(NO_TESTS, problem=why)
        try:
            with open(junit_path(report_dir), encoding="utf-8") as handle:
                findings = parse_junit(handle.read())
        except (OSError, ElementTree.ParseError):
            findings = []
        if findings and completed.returncode in FINDINGS_CODES:
            return Outcome(FAILED, tuple(findings))
        if completed.returncode == 0:
            return Outcome(PASSED)
        return crashed(completed, "pytest stopped without a test failure that could be read")


def junit_path(report_dir: str) -> str:
    return os.path.join(report_dir, JUNIT_NAME)


def parse_junit(xml_text: str) -> list[Finding]:
    import xml.etree.ElementTree as ElementTree

    root = ElementTree.fromstring(xml_text)
    findings = []
    for case in root.iter("testcase"):
        for kind in ("failure", "error"):
            problem = case.find(kind)
            if problem is not None:
                findings.append(_finding(case, problem, kind))
    return findings


def _finding(case: ElementTree.Element, problem: ElementTree.Element, kind: str) -> Finding:
    file = case.get("file") or _file_from_classname(case.get("classname", ""))
    text = problem.text or ""
    line = _failing_line(text, file)
    if not line and case.get("line", "").isdigit():
        line = int(case.get("line", "0")) + 1  # the report's line is 0-based
    name = "::".join(p for p in (file, _test_name(case)) if p)
    summary = (problem.get("message") or next(iter(text.strip().splitlines()[-1:]), "")).strip() or kind
    verb = "failed" if kind == "failure" else "errored"
    message = f"{name} {verb}: {summary}"
    return Finding(
        "pytest", file, line, 0, "test-" + ("failed" if kind == "failure" else "error"), ERROR, message
    )


def _failing_line(text: str, file: str) -> int:
    """The last `file.py:N: ` location in the traceback that is in the test's own file."""
    lines = [int(m["line"]) for m in LOCATION.finditer(text) if not file or _same(m["file"], file)]
    return lines[-1] if lines else 0


def _same(printed: str, file: str) -> bool:
    printed, file = printed.replace("\\", "/"), file.replace("\\", "/")
    return printed == file or printed.endswith("/" + file) or file.endswith("/" + printed)


def _file_from_classname(classname: str) -> str:
    parts = [p for p in classname.split(".") if p]
    while parts and parts[-1][:1].isupper():  # drop test classes
        parts.pop()
    return "/".join(parts) + ".py" if parts else ""


def _test_name(case: ElementTree.Element) -> str:
    classname, name = case.get("classname", ""), case.get("name", "")
    test_class = classname.rsplit(".", 1)[-1] if classname else ""
    return f"{test_class}::{name}" if test_class[:1].isupper() else name


TOOL = Pytest()
