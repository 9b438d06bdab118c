"""The decision rules, pure: is one observed application healthy, still to wait for, or failed?"""

from __future__ import annotations

from gitops_ci.engines.verify.model import (
    DEGRADED,
    FAILED_PHASES,
    HEALTHY,
    SUCCEEDED,
    SYNCED,
    Ancestry,
    AppState,
    Verdict,
)


def at_revision(revisions: tuple[str, ...], wanted: str, ancestry: Ancestry) -> bool:
    """Any of `revisions` is the wanted commit or a descendant of it."""
    return any(r == wanted or (r and ancestry(wanted, r)) for r in revisions)


def judge(state: AppState, wanted: str, ancestry: Ancestry, degraded_for: float, grace: float) -> Verdict:
    """`degraded_for`: seconds the application has been Degraded at the wanted revision."""
    here = at_revision(state.revisions, wanted, ancestry)
    ours = not state.operation_revisions or at_revision(state.operation_revisions, wanted, ancestry)
    if state.phase in FAILED_PHASES and ours:
        why = state.operation_message or "no message"
        return Verdict("failed", f"{state.name}: the sync operation ended {state.phase}: {why}")
    if here and state.health == DEGRADED and degraded_for >= grace:
        return Verdict("failed", degraded_message(state, degraded_for))
    if here and state.sync == SYNCED and state.health == HEALTHY and state.phase == SUCCEEDED:
        return Verdict("healthy")
    return Verdict("waiting", f"{state.name}: {state.seen()}")


def degraded_message(state: AppState, seconds: float) -> str:
    lines = [r.line() for r in state.resources] or ["(Argo CD named no unhealthy resource)"]
    return f"{state.name}: Degraded for {seconds:.0f} s (past the degraded-grace): " + "; ".join(lines)
