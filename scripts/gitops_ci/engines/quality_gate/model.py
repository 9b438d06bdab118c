"""What the gate works with: findings, the outcome of one tool, inputs, services and the result."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Mapping

from gitops_ci.secrets import Redactor

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


@dataclass(frozen=True)
class ToolRun:
    tool: str
    status: str
    findings: tuple[Finding, ...]
    duration: float
    exit_code: int | None  # None when the tool never ran
    command: str = ""
    detail: str = ""
    problem: str = ""
    stderr_tail: str = ""
    allowed: bool = False  # allow-failure: its failure does not fail the gate

    @property
    def ok(self) -> bool:
        return self.status == PASSED


@dataclass(frozen=True)
class Inputs:
    working_directory: str  # absolute
    repo_root: str  # absolute; finding paths are made relative to it
    python: str  # the project's interpreter: tools run as `python -m TOOL`
    tools: tuple[str, ...] = ("black", "flake8", "mypy", "pytest")
    args: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # per tool; replaces its defaults
    install: tuple[str, ...] = ()  # a command run first in the working directory
    install_tools: bool = True
    tool_versions: Mapping[str, str] = field(default_factory=dict)
    tools_cache: str = ""  # where the gate installs the pinned tools it must bring
    report_dir: str = ""
    fail_on: str = "any"
    allow_failure: frozenset[str] = frozenset()
    coverage_min: float | None = None
    timeout: float | None = None


@dataclass(frozen=True)
class Services:
    """What the gate takes from outside: the environment its tools get, the secrets to mask in what
    they print, where its progress goes, and the clock that times the run."""

    environ: Mapping[str, str] = field(default_factory=dict)
    redactor: Redactor = field(default_factory=Redactor)
    log: Callable[[str], None] | None = None  # None: the commands it runs are not logged
    clock: Callable[[], float] = time.monotonic


@dataclass(frozen=True)
class Result:
    runs: tuple[ToolRun, ...]
    report_json: str
    junit_xml: str
    wall_time: float
    coverage: float | None = None

    @property
    def failed_tools(self) -> tuple[str, ...]:
        return tuple(r.tool for r in self.runs if not r.ok and not r.allowed)

    @property
    def passed(self) -> bool:
        return not self.failed_tools

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for r in self.runs for f in r.findings)

    def counts(self) -> dict[str, int]:
        return {r.tool: len(r.findings) for r in self.runs}
