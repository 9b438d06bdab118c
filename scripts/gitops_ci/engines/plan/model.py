"""What the plan engine works with: the run's event as it bears on the range, the Inputs and
Services, each service's choice and the Result (with its build matrix)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from gitops_ci.engines.plan.manifest import GATE_KEYS, Service
from gitops_ci.secrets import Redactor


@dataclass(frozen=True)
class Event:
    """What the run's event says about the commits to compare (every field "" when unknown)."""

    name: str = ""  # push, pull_request, pull_request_target, workflow_dispatch, …
    sha: str = ""  # the run's commit (GITHUB_SHA)
    before: str = ""  # push: the branch's commit before the push (all zeros for a new branch)
    after: str = ""  # push: the branch's commit after it
    deleted: bool = False  # push: the push deleted the branch or tag
    pr_base: str = ""  # pull_request: base.sha
    pr_head: str = ""  # pull_request: head.sha


@dataclass(frozen=True)
class Inputs:
    services_file: str  # absolute
    shown_file: str = ""  # as the user gave it, for messages
    base: str = ""  # a commit (or revision) given: compare it with head instead of the event's range
    head: str = ""
    every: bool = False  # `all`: every service, whatever changed
    event: Event = field(default_factory=Event)


@dataclass(frozen=True)
class Services:
    redactor: Redactor = field(default_factory=Redactor)
    environ: Mapping[str, str] = field(default_factory=dict)  # for git (PATH, HOME)
    log: Callable[[str], None] = field(default=lambda line: None)


@dataclass(frozen=True)
class Choice:
    service: Service
    selected: bool
    cause: str = ""  # the changed file that selected it, or why every service was chosen


@dataclass(frozen=True)
class Result:
    choices: tuple[Choice, ...]
    every: bool  # every service was chosen without looking at (all of) the changes
    reason: str  # one line: why these services
    changed_files: tuple[str, ...] = ()
    base: str = ""  # the commits compared (full SHAs), "" when none were
    head: str = ""
    services_file: str = ""  # relative to the repository's root
    warning: bool = False  # every service for want of history (a shallow clone, a force push)

    @property
    def selected(self) -> tuple[Service, ...]:
        return tuple(c.service for c in self.choices if c.selected)

    def matrix(self) -> dict[str, list[dict[str, str]]]:
        """`strategy.matrix` for the chosen services: one flat entry each, in the file's order."""
        return {"include": [entry(s) for s in self.selected]}


def entry(service: Service) -> dict[str, str]:
    values = {
        "name": service.name,
        "context": service.context,
        "dockerfile": service.dockerfile,
        "file": service.file,
        "image": service.image,
    }
    values.update({f"gate-{key}": service.gate.get(key, "") for key in GATE_KEYS})
    return values


def as_dict(result: Result) -> dict[str, Any]:
    return {
        "matrix": result.matrix(),
        "services": [s.name for s in result.selected],
        "count": len(result.selected),
        "all": result.every,
        "reason": result.reason,
        "changed-files": list(result.changed_files),
        "base": result.base,
        "head": result.head,
        "choices": [
            {"name": c.service.name, "image": c.service.image, "selected": c.selected, "cause": c.cause}
            for c in result.choices
        ],
    }
