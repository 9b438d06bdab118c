"""What the verify engine works with: its inputs, one application's observed state, the result,
and the Protocol a controller backend (Argo CD, later Flux) implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol, Sequence

# A state the controller reports, as the backend reads it (Argo CD's own words).
HEALTHY, DEGRADED, SYNCED = "Healthy", "Degraded", "Synced"
SUCCEEDED = "Succeeded"
FAILED_PHASES = ("Failed", "Error")


@dataclass(frozen=True)
class Resource:
    kind: str
    namespace: str
    name: str
    health: str
    message: str = ""

    def line(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind} {where}: {self.health}" + (f" ({self.message})" if self.message else "")


@dataclass(frozen=True)
class AppState:
    """One observation of one application."""

    name: str
    revisions: tuple[str, ...]  # the synced revision(s) of the sources from the infra repo
    sync: str  # Synced, OutOfSync, Unknown, or "" when not reported
    health: str  # Healthy, Progressing, Degraded, Suspended, Missing, Unknown, or ""
    phase: str = ""  # the last operation's phase; "" when it never ran one
    operation_message: str = ""
    operation_revisions: tuple[str, ...] = ()  # what the last operation synced to
    resources: tuple[Resource, ...] = ()  # the resources that are not healthy
    url: str = ""  # the application in the controller's UI

    def seen(self) -> str:
        revision = ",".join(r[:12] for r in self.revisions) or "no revision"
        operation = f", last operation {self.phase}" if self.phase else ", no operation yet"
        return f"sync {self.sync or 'unknown'} at {revision}, health {self.health or 'unknown'}{operation}"


# Whether `candidate` is the infra commit or a descendant of it.
Ancestry = Callable[[str, str], bool]


@dataclass(frozen=True)
class Target:
    """What to wait for: the infra commit, and how the applications are found."""

    revision: str
    applications: tuple[str, ...] = ()  # empty: discover them
    infra_repo: str = ""  # URL or OWNER/NAME, to find applications and pick multi-source revisions
    changed_files: tuple[str, ...] = ()  # infra files the commit changed, to find applications


@dataclass(frozen=True)
class Timing:
    timeout: float = 600.0
    poll_interval: float = 1.0
    degraded_grace: float = 60.0
    refresh: bool = True  # ask the controller to refresh from git on the first read


@dataclass(frozen=True)
class Inputs:
    target: Target
    timing: Timing = field(default_factory=Timing)


@dataclass(frozen=True)
class Verdict:
    state: str  # "healthy" | "waiting" | "failed"
    message: str = ""


@dataclass(frozen=True)
class AppReport:
    state: AppState
    verdict: Verdict

    @property
    def healthy(self) -> bool:
        return self.verdict.state == "healthy"


@dataclass(frozen=True)
class Result:
    healthy: bool
    synced: bool
    duration: float  # seconds from the start to the last application healthy (or to the end)
    apps: tuple[AppReport, ...]
    problem: str = ""  # why it failed: the first failed application's message, or the timeout


class Backend(Protocol):
    """One GitOps controller. Final problems (auth, unknown application, not this controller)
    raise UserError; a transient one (5xx, no connection) returns the reason as a string."""

    name: str

    def discover(self, target: Target, *, time_left: float) -> Sequence[str]:
        """The applications that deploy `target.changed_files` from `target.infra_repo`."""
        ...

    def observe(self, name: str, target: Target, *, refresh: bool, time_left: float) -> AppState | str:
        """The application's state now (asking the controller to refresh first when `refresh`)."""
        ...
