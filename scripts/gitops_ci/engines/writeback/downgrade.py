"""The downgrade guard: a bump never replaces a pin whose recorded source commit is newer.

The rule, per target image: the build the infra repo runs now is the newest deployment recorded
in its trailers (`history`) for that image in the same environment whose pin is still the
current one (pinning it again would change nothing). When that deployment's Source-Time is later
than this run's, the image is held: not edited, with a notice. Nothing is held when either time
is unknown, when both name the same source commit, or on a tie; `allow-downgrade` turns the
guard off (rollback does).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Sequence

from gitops_ci.engines.bump import core as engine
from gitops_ci.engines.writeback.history import Deployment, select
from gitops_ci.engines.writeback.message import Source
from gitops_ci.inputs import utc_time
from gitops_ci.engines.bump.model import Plan, Scope, Target


@dataclass(frozen=True)
class Held:
    """A target left alone because the infra repo already runs a newer build of it."""

    target: Target
    running: Deployment
    notice: str


def held(
    infra_dir: Path,
    plan: Plan,
    targets: Sequence[Target],
    scope: Scope,
    environment: str,
    source: Source,
    deployments: Sequence[Deployment],
) -> tuple[Held, ...]:
    """The targets of `plan` that would replace a newer build (newest first `deployments`)."""
    mine = utc_time(source.time)
    if mine is None:
        return ()
    out = []
    for target in targets:
        olds = [c.old for c in plan.changes if c.repository == target.repository]
        if not olds:  # already pinned everywhere in scope: nothing would be replaced
            continue
        mine_env = [d for d in select(deployments, target.repository) if d.environment == environment]
        running = current(infra_dir, target, scope, mine_env, olds)
        if running is not None and _newer(running, source, mine):
            out.append(Held(target, running, notice(running, target, environment, source)))
    return tuple(out)


def current(
    infra_dir: Path, target: Target, scope: Scope, deployments: Sequence[Deployment], olds: Sequence[str]
) -> Deployment | None:
    """The newest deployment whose pin is still in place; `olds` (the pins the plan would
    replace) rule out cheaply the versions that cannot be, the engine decides the rest."""
    tried: set[tuple[str | None, str | None]] = set()
    for deployment in deployments:
        version = (deployment.tag, deployment.digest)
        marker = deployment.digest or deployment.tag or ""
        if version in tried or not marker or not any(marker in old for old in olds):
            continue
        tried.add(version)
        again = replace(
            target, tag=deployment.tag, digest=deployment.digest, digest_only=deployment.tag is None
        )
        pinned = engine.plan(infra_dir, (again,), scope)
        if pinned.matched and not pinned.changed:
            return deployment
    return None


def _newer(running: Deployment, source: Source, mine: datetime) -> bool:
    theirs = utc_time(running.source_time)
    if theirs is None or (running.source_commit and running.source_commit == source.commit):
        return False
    return theirs > mine


def notice(running: Deployment, target: Target, environment: str, source: Source) -> str:
    where = f"infra ({environment})" if environment else "infra"
    return (
        f"{target.reference} not pinned: {where} already runs {running.image} built from commit "
        f"{_short(running.source_commit)} at {running.source_time} (infra commit "
        f"{running.infra_commit[:12]}), newer than this build's commit {_short(source.commit)} at "
        f"{source.time}; pass allow-downgrade: true to replace it"
    )


def _short(commit: str) -> str:
    return commit[:12] or "(unknown)"
