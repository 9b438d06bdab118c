"""What a tool's parser makes of one run: its findings and its outcome, with the statuses and
severities they use. The tool registry needs these (and nothing else of the gate) at every start."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

# The status of one tool run. Only PASSED is success; the others say why not, and are distinct
# on purpose: "missing" and "crashed" must never look like "0 findings".
PASSED = "passed"
FAILED = "failed"  # the tool ran and reported findings
NO_TESTS = "no-tests"  # pytest collected nothing (exit 5)
MISSING = "missing"  # not in the project's environment and not installed by the gate
CRASHED = "crashed"  # an exit code that does not mean "findings", or findings we could not read
STATUSES = (PASSED, FAILED, NO_TESTS, MISSING, CRASHED)

ERROR = "error"
WARNING = "warning"
NOTE = "notice"


@dataclass(frozen=True)
class Finding:
    tool: str
    file: str  # relative to the repository root, "/" separated; "" when the tool names none
    line: int  # 1-based; 0 when unknown
    col: int  # 1-based; 0 when unknown
    code: str
    severity: str  # error | warning | notice
    message: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Outcome:
    """What a tool's parser made of one run."""

    status: str
    findings: tuple[Finding, ...] = ()
    detail: str = ""  # e.g. black's diff, shown in the summary
    problem: str = ""  # why a tool is MISSING / CRASHED / NO_TESTS, for people
