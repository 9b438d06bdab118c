"""The verify loop: observe every application until all are healthy at the infra commit, one
fails, or the time is up. Pure of the outside world: the backend, the clock and sleep come in."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from gitops_ci.errors import UserError
from gitops_ci.engines.verify import rules
from gitops_ci.engines.verify.model import (
    SYNCED,
    Ancestry,
    AppReport,
    AppState,
    Backend,
    Inputs,
    Result,
    Target,
    Timing,
    Verdict,
)


def exact(wanted: str, candidate: str) -> bool:
    """Without the infra repo's history only the commit itself counts."""
    return False


@dataclass(frozen=True)
class Services:
    backend: Backend
    ancestry: Ancestry = exact
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    log: Callable[[str], None] = field(default=lambda line: None)


def run(inputs: Inputs, services: Services) -> Result:
    target, timing = inputs.target, inputs.timing
    start = services.clock()
    names = list(target.applications) or list(services.backend.discover(target, time_left=timing.timeout))
    if not names:
        repo = target.infra_repo or "the infra repo"
        raise UserError(
            f"no {services.backend.name} application deploys the changed files from {repo}",
            fix="name them with `applications:`, or check infra-repo matches the applications' repoURL",
        )
    return _Loop(target, timing, services, start, names).run()


@dataclass
class _Loop:
    target: Target
    timing: Timing
    services: Services
    start: float
    names: list[str]
    reports: dict[str, AppReport] = field(default_factory=dict)
    degraded_since: dict[str, float] = field(default_factory=dict)
    healthy_at: float = 0.0

    def run(self) -> Result:
        deadline = self.start + self.timing.timeout
        first = True
        while True:
            for name in [n for n in self.names if not self._done(n)]:
                failed = self._observe(name, first and self.timing.refresh, deadline)
                if failed:
                    return self._result(failed.verdict.message)
            first = False
            if all(self._done(n) for n in self.names):
                return self._result("")
            if self.services.clock() + self.timing.poll_interval > deadline:
                return self._result(self._timeout())
            self.services.sleep(self.timing.poll_interval)

    def _done(self, name: str) -> bool:
        return name in self.reports and self.reports[name].healthy

    def _observe(self, name: str, refresh: bool, deadline: float) -> AppReport | None:
        left = max(deadline - self.services.clock(), 0.0)
        state = self.services.backend.observe(name, self.target, refresh=refresh, time_left=left)
        if isinstance(state, str):  # transient: keep the last state seen, note why
            last = self.reports.get(name)
            self.reports[name] = AppReport(
                last.state if last else AppState(name, (), "", ""), Verdict("waiting", f"{name}: {state}")
            )
            return None
        now = self.services.clock()
        degraded_for = self._degraded_for(state, now)
        verdict = rules.judge(
            state, self.target.revision, self.services.ancestry, degraded_for, self.timing.degraded_grace
        )
        report = AppReport(state, verdict)
        last = self.reports.get(name)
        if last is None or last.verdict != verdict:
            self.services.log(verdict.message or f"{name}: healthy")
        self.reports[name] = report
        if report.healthy:
            self.healthy_at = now
        return report if verdict.state == "failed" else None

    def _degraded_for(self, state: AppState, now: float) -> float:
        if state.health != "Degraded" or not rules.at_revision(
            state.revisions, self.target.revision, self.services.ancestry
        ):
            self.degraded_since.pop(state.name, None)
            return 0.0
        return now - self.degraded_since.setdefault(state.name, now)

    def _timeout(self) -> str:
        waiting = [r.verdict.message for n in self.names if (r := self.reports.get(n)) and not r.healthy]
        return (
            f"not healthy at {self.target.revision[:12]} within the {self.timing.timeout:g} s timeout; "
            + ("last seen: " + "; ".join(waiting) if waiting else "no answer yet")
            + ". Check that the application's targetRevision follows the branch this commit is on "
            "and that auto-sync is on (or sync it by hand), or raise timeout"
        )

    def _result(self, problem: str) -> Result:
        apps = tuple(self.reports[n] for n in self.names if n in self.reports)
        healthy = not problem and len(apps) == len(self.names)
        synced = len(apps) == len(self.names) and all(
            r.state.sync == SYNCED
            and rules.at_revision(r.state.revisions, self.target.revision, self.services.ancestry)
            for r in apps
        )
        end = self.healthy_at if healthy else self.services.clock()
        return Result(healthy, synced, round(end - self.start, 3), apps, problem)
