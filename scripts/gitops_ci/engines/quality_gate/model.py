"""What the gate works with: each tool's run, the inputs, the services and the result (the
findings and a tool's outcome are in `findings`)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Mapping

from gitops_ci.engines.quality_gate.findings import PASSED
from gitops_ci.secrets import Redactor

if TYPE_CHECKING:
    from gitops_ci.engines.quality_gate.findings import Finding


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
