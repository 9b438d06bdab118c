"""black --check --diff: one finding per file it would reformat, at the first changed line."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Sequence

from gitops_ci.engines.quality_gate.findings import ERROR, FAILED, Finding, Outcome
from gitops_ci.engines.quality_gate.tools.base import by_exit_code, crashed

if TYPE_CHECKING:
    from gitops_ci.doors.proc import Completed

HEADER = re.compile(r"^--- (?P<file>.+?)\t\d{4}-\d\d-\d\d ")  # `--- path\t2024-01-01 00:00:00+00:00`
HUNK = re.compile(r"^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@")
# black >= 24: `error: cannot parse: x.py:1:6`; before: `error: cannot format x.py: Cannot parse: 1:6: ...`
CANNOT_PARSE = re.compile(r"^error: cannot parse: (?P<file>.+):(?P<line>\d+):(?P<col>\d+)$")
CANNOT_FORMAT = re.compile(r"^error: cannot format (?P<file>.+?): (?P<msg>.*)$")
PARSE_AT = re.compile(r"Cannot parse[^:]*: (\d+):(\d+)")


class Black:
    name = "black"
    module = "black"
    package = "black"
    default_args: tuple[str, ...] = (".",)
    # The gate only checks, it never writes: black's safety pass (re-parse and re-format what it
    # would write, to protect the file) guards a write that does not happen. `--safe` undoes it.
    gate_args: tuple[str, ...] = ("--fast",)
    spreads = True

    def command(self, args: Sequence[str], report_dir: str) -> list[str]:
        return ["--check", "--diff", "--no-color", *args]

    def interpret(self, completed: Completed, report_dir: str) -> Outcome:
        findings = parse_diff(completed.stdout) + parse_errors(completed.stderr)
        if completed.returncode == 123 and not findings:  # black's "internal error"
            return crashed(completed, "black failed")
        outcome = by_exit_code(completed, findings, findings_codes=(1, 123))
        if outcome.status == FAILED:
            return Outcome(FAILED, outcome.findings, detail=completed.stdout)
        return outcome


def parse_diff(text: str) -> list[Finding]:
    findings: list[Finding] = []
    file, old_line, done = "", 0, True
    for line in text.splitlines():
        if header := HEADER.match(line):
            file, old_line, done = _clean(header["file"]), 0, False
        elif done or line.startswith("+++ "):
            continue
        elif hunk := HUNK.match(line):
            old_line = int(hunk[1])
        elif old_line and line[:1] in ("-", "+"):
            findings.append(_would_reformat(file, old_line))
            done = True
        elif old_line:
            old_line += 1
    return findings


def parse_errors(text: str) -> list[Finding]:
    findings = []
    for line in text.splitlines():
        if match := CANNOT_PARSE.match(line):
            row, col, message = int(match["line"]), int(match["col"]), "black cannot parse this file"
        elif match := CANNOT_FORMAT.match(line):
            message = match["msg"]
            where = PARSE_AT.search(message)
            row, col = (int(where[1]), int(where[2])) if where else (0, 0)
        else:
            continue
        findings.append(Finding("black", _clean(match["file"]), row, col, "cannot-format", ERROR, message))
    return findings


def _would_reformat(file: str, line: int) -> Finding:
    message = "black would reformat this file (first change on this line); run black on it to fix"
    return Finding("black", file, line, 0, "would-reformat", ERROR, message)


def _clean(path: str) -> str:
    path = path.strip()
    return path[2:] if path.startswith("./") else path


TOOL = Black()
