"""Deployments read back from the infra repo's commit trailers, and the choice of a rollback target."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Sequence

from gitops_ci.engines.bump.model import Target
from gitops_ci.engines.bump.reference import normalize_name, parse_reference
from gitops_ci.errors import UserError

LOG_FORMAT = "%H%x1f%cI%x1f%an%x1f%(trailers:only,unfold)%x1e"
_HEX = re.compile(r"[0-9a-f]{7,40}")
_COMMIT = re.compile(r"[0-9a-f]{7,64}")  # SHA-1 or SHA-256 object names


@dataclass(frozen=True)
class Deployment:
    infra_commit: str
    when: str
    who: str
    image: str  # the Image: trailer, REPO[:TAG][@DIGEST]
    repository: str
    tag: str | None
    digest: str | None
    environment: str = ""
    source_repository: str = ""
    source_commit: str = ""
    workflow_run: str = ""
    rollback_of: str = ""
    source_time: str = ""  # the Source-Time: trailer, the source commit's time (UTC ISO 8601)
    promoted_from: str = ""  # the Promoted-From: trailer, the environment a promotion copied
    promoted_from_commit: str = ""  # its Promoted-From-Commit: the infra commit that deployed it there

    def as_dict(self) -> dict[str, str]:
        return {k: v or "" for k, v in self.__dict__.items()}


def parse_log(text: str) -> list[Deployment]:
    """Newest first, one Deployment per `Image:` trailer of each commit."""
    out: list[Deployment] = []
    for record in text.split("\x1e"):
        record = record.strip("\n")
        if not record:
            continue
        sha, when, author, trailer_text = (record.split("\x1f") + ["", "", ""])[:4]
        out.extend(_deployments(sha.strip(), when, author, _trailers(trailer_text)))
    return _inherit(out)


def _inherit(deployments: list[Deployment]) -> list[Deployment]:
    """A promotion that names no source build (one commit promoting images of several builds)
    runs the build of the deployment it copied: its source is that one's, oldest first so that
    a chain of promotions (staging, then pre-production, then production) passes it on."""
    found = {(d.infra_commit, normalize_name(d.repository)): d for d in deployments}
    out = list(deployments)
    for index in reversed(range(len(out))):
        deployment = out[index]
        origin = found.get((deployment.promoted_from_commit, normalize_name(deployment.repository)))
        if origin is None or deployment.source_commit or not deployment.promoted_from_commit:
            continue
        out[index] = replace(
            deployment,
            source_repository=origin.source_repository,
            source_commit=origin.source_commit,
            source_time=origin.source_time,
        )
        found[(deployment.infra_commit, normalize_name(deployment.repository))] = out[index]
    return out


def _trailers(text: str) -> list[tuple[str, str]]:
    pairs = []
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            pairs.append((key.strip().lower(), value.strip()))
    return pairs


def _deployments(sha: str, when: str, author: str, pairs: list[tuple[str, str]]) -> list[Deployment]:
    first = {k: v for k, v in reversed(pairs)}
    # A promotion names the infra commit of each image it copied, in the order of its Image: trailers.
    copied = [v for k, v in pairs if k == "promoted-from-commit"]
    images = [v for k, v in pairs if k == "image"]
    own = _own_sources(pairs)
    out = []
    for index, value in enumerate(images):
        ref = parse_reference(value)
        if ref is None:
            continue
        # An image built from another commit than the run's names it (Image-Source-Commit); the
        # Source-Time trailer is the run commit's time, not that commit's: unknown.
        commit = own.get(normalize_name(ref.name), "")
        out.append(
            Deployment(
                sha,
                when,
                first.get("deployed-by") or author,
                value,
                ref.name,
                ref.tag,
                ref.digest,
                first.get("environment", ""),
                first.get("source-repository", ""),
                commit or first.get("source-commit", ""),
                first.get("workflow-run", ""),
                first.get("rollback-of", ""),
                "" if commit else first.get("source-time", ""),
                first.get("promoted-from", ""),
                copied[index] if index < len(copied) else "",
            )
        )
    return out


def _own_sources(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """The Image-Source-Commit trailers (REPO=SHA) by normalised repository."""
    out = {}
    for key, value in pairs:
        repository, sep, commit = value.rpartition("=")
        if key == "image-source-commit" and sep and _COMMIT.fullmatch(commit) and parse_reference(repository):
            out[normalize_name(repository)] = commit
    return out


def select(deployments: Sequence[Deployment], image: str = "", environment: str = "") -> list[Deployment]:
    wanted = normalize_name(image) if image else ""
    return [
        d
        for d in deployments
        if (not wanted or normalize_name(d.repository) == wanted)
        and (not environment or d.environment == environment)
    ]


def rollback_target(history: Sequence[Deployment], image: str, to: str) -> tuple[Target, Deployment]:
    """The image to restore and the deployment it rolls back (newest first `history`, one image)."""
    if not history:
        raise UserError(
            f"no deployment of {image} is recorded in the infra repo's history",
            why="history is read from the Image: trailers that gitops-ci writes on each bump",
            fix="check --image and --environment, or pass --to TAG to pin a tag explicitly",
        )
    current = history[0]
    chosen = _choose(history, current, to)
    if chosen is None:
        return Target(image, tag=to), current
    return Target(image, chosen.tag, chosen.digest, digest_only=chosen.tag is None), current


def _choose(history: Sequence[Deployment], current: Deployment, to: str) -> Deployment | None:
    if to in ("", "previous"):
        for older in history[1:]:
            if (older.tag, older.digest) != (current.tag, current.digest):
                return older
        raise UserError(
            f"there is no earlier deployment of {current.repository} to roll back to",
            why=f"every recorded deployment pins {current.image}",
        )
    if _HEX.fullmatch(to):
        for older in history:
            if older.infra_commit.startswith(to):
                return older
    for older in history:
        if older.tag == to:
            return older
    return None


def recorded(history: Sequence[Deployment], target: Target) -> Deployment | None:
    """The newest deployment that pinned exactly the target's tag and digest."""
    tag = None if target.digest_only else target.tag
    return next((d for d in history if (d.tag, d.digest) == (tag, target.digest)), None)


def table(deployments: Sequence[Deployment]) -> str:
    rows = [("WHEN", "WHO", "ENV", "IMAGE", "SOURCE", "SOURCE TIME", "INFRA COMMIT")]
    for d in deployments:
        source = f"{d.source_repository}@{d.source_commit[:7]}" if d.source_commit else ""
        note = f" (rollback of {d.rollback_of[:7]})" if d.rollback_of else ""
        if d.promoted_from:
            note += f" (promoted from {d.promoted_from}" + (
                f" at {d.promoted_from_commit[:7]})" if d.promoted_from_commit else ")"
            )
        rows.append(
            (
                d.when,
                d.who,
                d.environment or "-",
                d.image + note,
                source or "-",
                d.source_time or "-",
                d.infra_commit[:12],
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)
