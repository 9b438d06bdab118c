"""The one shape every tool meets. Adding a tool is one module and one line in the registry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, Sequence

from gitops_ci.engines.quality_gate.findings import CRASHED, FAILED, PASSED, Finding, Outcome

if TYPE_CHECKING:
    from gitops_ci.doors.proc import Completed


class Tool(Protocol):
    name: str  # as in the `tools` input
    module: str  # run as `python -m MODULE` in the project's interpreter
    package: str  # the distribution the gate installs when the project lacks it
    default_args: tuple[str, ...]  # used when the user gives no `<name>-args`
    # Put before the user's args (which can undo them) for the gate's own sake, e.g. speed.
    gate_args: tuple[str, ...]
    # It spreads its work over every core itself (worker processes): run alongside single-process
    # tools, it gets a lower CPU priority, so they keep a core each and it fills what is left.
    spreads: bool

    def command(self, args: Sequence[str], report_dir: str) -> list[str]:
        """The arguments after `python -m MODULE`: the user's, then what the parser needs."""
        ...

    def interpret(self, completed: Completed, report_dir: str) -> Outcome:
        """Findings (paths as the tool printed them, relative to the working directory)."""
        ...


def crashed(completed: Completed, why: str) -> Outcome:
    return Outcome(CRASHED, problem=f"{why} (exit code {completed.returncode})")


def by_exit_code(completed: Completed, findings: Sequence[Finding], findings_codes: Sequence[int]) -> Outcome:
    """The common rule: 0 with nothing is a pass; a findings exit code needs findings we read."""
    code = completed.returncode
    if findings:
        return Outcome(FAILED, tuple(findings))
    if code == 0:
        return Outcome(PASSED)
    if code in findings_codes:
        return crashed(completed, "it reported a failure but printed no finding that could be read")
    return crashed(completed, "it exited with a code that does not mean findings")


def tail(completed: Completed) -> str:
    from gitops_ci.doors.proc import output_tail

    return output_tail(completed)
