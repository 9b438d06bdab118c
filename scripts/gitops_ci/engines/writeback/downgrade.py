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
from typing import Mapping, Sequence

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
    sources: Mapping[str, str] | None = None,
) -> tuple[Held, ...]:
    """The targets of `plan` that would replace a newer build (newest first `deployments`).
    ``sources`` gives a target's own source commit (a build's revision label): one built from
    another commit than the run's has no known time, so it is not held."""
    mine = utc_time(source.time)
    if mine is None:
        return ()
    candidates: dict[int, list[Deployment]] = {}
    for index, target in enumerate(targets):
        if (sources or {}).get(target.repository, source.commit) != source.commit:
            continue
        olds = [c.old for c in plan.changes if c.repository == target.repository]
        if not olds:  # already pinned everywhere in scope: nothing would be replaced
            continue
        mine_env = [d for d in select(deployments, target.repository) if d.environment == environment]
        candidates[index] = _candidates(mine_env, olds)
    running = _current(infra_dir, targets, candidates, scope)
    out = []
    for index, deployment in sorted(running.items()):
        target = targets[index]
        if _newer(deployment, source, mine):
            out.append(Held(target, deployment, notice(deployment, target, environment, source)))
    return tuple(out)


def _candidates(deployments: Sequence[Deployment], olds: Sequence[str]) -> list[Deployment]:
    """The newest deployment of each version that may still be pinned (its tag or digest is in
    one of the pins the plan would replace), newest first."""
    tried: set[tuple[str | None, str | None]] = set()
    out = []
    for deployment in deployments:
        version = (deployment.tag, deployment.digest)
        marker = deployment.digest or deployment.tag or ""
        if version in tried or not marker or not any(marker in old for old in olds):
            continue
        tried.add(version)
        out.append(deployment)
    return out


def _current(
    infra_dir: Path, targets: Sequence[Target], candidates: Mapping[int, list[Deployment]], scope: Scope
) -> dict[int, Deployment]:
    """For each target (by index), the first of its candidates whose version is pinned
    everywhere in scope. One plan a round tries the next candidate of every target still
    open, so the infra dir is read once a round, not once a target (usually one round)."""
    found: dict[int, Deployment] = {}
    left = {index: list(queue) for index, queue in candidates.items() if queue}
    while left:
        tried = {index: queue.pop(0) for index, queue in left.items()}
        probes = [
            replace(targets[index], tag=d.tag, digest=d.digest, digest_only=d.tag is None)
            for index, d in tried.items()
        ]
        pinned = engine.plan(infra_dir, probes, scope)
        matched = {pin.repository for pin in pinned.pins}
        changed = {change.repository for change in pinned.changes}
        for index, deployment in tried.items():
            repository = targets[index].repository
            if repository in matched and repository not in changed:
                found[index] = deployment
                del left[index]
            elif not left[index]:
                del left[index]
    return found


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
