"""flake8, with a tab-separated `--format` template that does not depend on its defaults."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from gitops_ci.engines.quality_gate.findings import ERROR, WARNING, Finding, Outcome
from gitops_ci.engines.quality_gate.tools.base import by_exit_code

if TYPE_CHECKING:
    from gitops_ci.doors.proc import Completed

FORMAT = "%(path)s\t%(row)d\t%(col)d\t%(code)s\t%(text)s"
# Style and complexity plugins warn; pyflakes (F), pycodestyle errors (E) and the rest are errors.
WARNING_PREFIXES = ("W", "C", "D", "N")


class Flake8:
    name = "flake8"
    module = "flake8"
    package = "flake8"
    default_args: tuple[str, ...] = ()
    gate_args: tuple[str, ...] = ()
    spreads = True

    def command(self, args: Sequence[str], report_dir: str) -> list[str]:
        # The last --format wins, so a project's own format in its config cannot break parsing.
        return [*args, f"--format={FORMAT}"]

    def interpret(self, completed: Completed, report_dir: str) -> Outcome:
        return by_exit_code(completed, parse(completed.stdout), findings_codes=(1,))


def parse(text: str) -> list[Finding]:
    findings = []
    for line in text.splitlines():
        parts = line.split("\t", 4)
        if len(parts) != 5 or not parts[1].isdigit() or not parts[2].isdigit():
            continue
        path, row, col, code, message = parts
        severity = WARNING if code.startswith(WARNING_PREFIXES) else ERROR
        findings.append(Finding("flake8", _clean(path), int(row), int(col), code, severity, message))
    return findings


def _clean(path: str) -> str:
    return path[2:] if path.startswith("./") else path


TOOL = Flake8()
