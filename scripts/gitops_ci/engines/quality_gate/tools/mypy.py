"""mypy: one finding per error (syntax errors included); notes join the error they explain."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Sequence

from gitops_ci.engines.quality_gate.findings import ERROR, NOTE, WARNING, Finding, Outcome
from gitops_ci.engines.quality_gate.tools.base import by_exit_code

if TYPE_CHECKING:
    from gitops_ci.doors.proc import Completed

FLAGS = (
    "--show-column-numbers",
    "--show-error-codes",
    "--no-error-summary",
    "--no-color-output",
    "--no-pretty",
    "--hide-error-context",
)
LINE = re.compile(
    r"^(?P<file>.+?):(?P<line>\d+)(?::(?P<col>\d+))?: (?P<sev>error|warning|note): "
    r"(?P<msg>.*?)(?:  \[(?P<code>[a-z0-9_-]+)\])?$"
)
SEVERITY = {"error": ERROR, "warning": WARNING, "note": NOTE}


class Mypy:
    name = "mypy"
    module = "mypy"
    package = "mypy"
    default_args: tuple[str, ...] = (".",)
    gate_args: tuple[str, ...] = ()
    spreads = False

    def command(self, args: Sequence[str], report_dir: str) -> list[str]:
        return [*FLAGS, *args]

    def interpret(self, completed: Completed, report_dir: str) -> Outcome:
        # 1 is "errors"; 2 is also "blocking errors" (a syntax error) when it printed them.
        return by_exit_code(completed, parse(completed.stdout), findings_codes=(1, 2))


def parse(text: str) -> list[Finding]:
    findings: list[Finding] = []
    for line in text.splitlines():
        match = LINE.match(line)
        if not match:
            continue
        file, row, col = match["file"], int(match["line"]), int(match["col"] or 0)
        severity, message = SEVERITY[match["sev"]], match["msg"]
        last = findings[-1] if findings else None
        if severity == NOTE and last and last.severity != NOTE and (last.file, last.line) == (file, row):
            findings[-1] = _with_note(last, message)
            continue
        findings.append(Finding("mypy", file, row, col, match["code"] or "", severity, message))
    return findings


def _with_note(finding: Finding, note: str) -> Finding:
    return Finding(
        finding.tool,
        finding.file,
        finding.line,
        finding.col,
        finding.code,
        finding.severity,
        f"{finding.message}\n{note}",
    )


TOOL = Mypy()
