"""The pure part of a promotion: the reference an environment pins, how two environments differ,
the refusals and the gates' decisions, the trailers and the source. No file, git or clock here."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Sequence

from gitops_ci.engines.bump.model import Pin, Target, Version
from gitops_ci.engines.bump.reference import normalize_name

# The first checks are in checks.py, which imports nothing: the command runs them before the engine loads.
from gitops_ci.engines.promote.checks import NOTHING_PUSHED as NOTHING_PUSHED
from gitops_ci.engines.promote.checks import check_environments as check_environments  # noqa: F401
from gitops_ci.engines.promote.checks import check_selection as check_selection  # noqa: F401
from gitops_ci.engines.promote.model import Promotion
from gitops_ci.engines.writeback import history
from gitops_ci.engines.writeback.message import Source
from gitops_ci.errors import UserError
from gitops_ci.inputs import duration_text, iso_utc, utc_time


def shown(repository: str, version: Version) -> str:
    """A place's version as text: the reference when it holds both parts, else the part it holds."""
    if version.holds == ("tag",):
        return f"{repository} tag {version.tag}"
    if version.holds == ("digest",):
        return f"{repository} digest {version.digest}"
    return Target(repository, version.tag, version.digest, digest_only=version.tag is None).reference


def holding(pins: Sequence[Pin]) -> list[Pin]:
    """The places that hold a version (an entry naming only the repository holds none)."""
    return [pin for pin in pins if pin.version.holds]


def reference(repository: str, env: str, pins: Sequence[Pin]) -> Target:
    """The one reference `env` pins for the repository, exactly as pinned (tag@digest, digest or
    tag): the parts every place holds must agree, or the promotion is refused naming them all."""
    if not pins:
        raise UserError(
            f"{repository} is not pinned in the {env} environment",
            why=f"no file of {env} (a folder named {env}, or a file with {env} in its name) pins it",
            fix=f"check --image and --from, or deploy it to {env} first (bump-manifest "
            f"--environment {env}); " + NOTHING_PUSHED,
        )
    held = holding(pins)
    tags = {pin.version.tag for pin in held if "tag" in pin.version.holds}
    digests = {pin.version.digest for pin in held if "digest" in pin.version.holds}
    where = "; ".join(f"{pin.file}:{pin.line} pins {shown(repository, pin.version)}" for pin in pins)
    if len(tags) > 1 or len(digests) > 1:
        files = sorted({pin.file for pin in pins})
        raise UserError(
            f"{repository} is pinned to different references in {env}"
            + (f" ({', '.join(files)})" if len(files) > 1 else ""),
            why=where,
            fix=f"pin one reference everywhere in {env} (bump-manifest --environment {env}), or read "
            "fewer files with --path; " + NOTHING_PUSHED,
        )
    tag, digest = next(iter(tags), None), next(iter(digests), None)
    if tag is None and digest is None:
        raise UserError(
            f"{repository} is pinned in {env} without a tag or digest",
            why=where,
            fix=f"pin a tag or digest for it in {env} first; " + NOTHING_PUSHED,
        )
    return Target(repository, tag, digest, digest_only=tag is None)


def differs(target: Target, pins: Sequence[Pin]) -> bool:
    """Whether some place of the target environment holds another version than `target`."""
    tag = None if target.digest_only else target.tag
    return any(
        ("tag" in pin.version.holds and pin.version.tag != tag)
        or ("digest" in pin.version.holds and pin.version.digest != target.digest)
        for pin in pins
    )


def olds(repository: str, pins: Sequence[Pin]) -> tuple[str, ...]:
    """The distinct references the places pin, in file order."""
    return tuple(dict.fromkeys(shown(repository, pin.version) for pin in holding(pins)))


def check_in_target(from_env: str, to_env: str, repository: str, to_pins: Sequence[Pin]) -> None:
    if not to_pins:
        raise UserError(
            f"{repository} is not pinned in the {to_env} environment",
            why=f"promote replaces the reference {to_env} runs; {from_env} pins it but {to_env} does not",
            fix=f"add it to {to_env} first (bump-manifest --environment {to_env}), or check --image "
            "and --to; " + NOTHING_PUSHED,
        )


def check_digest(env: str, promotions: Sequence[Promotion]) -> None:
    """require-digest: every reference promoted names its digest."""
    bare = [p for p in promotions if p.target.digest is None]
    if bare:
        raise UserError(
            f"{env} pins {', '.join(p.new for p in bare)} without a digest, and require-digest is true",
            why="a tag can be moved to another image; only the digest names the image that ran there",
            fix=f"pin it by digest in {env} (bump-manifest --digest, from build-and-push's digest "
            "output), or set require-digest: false; " + NOTHING_PUSHED,
        )


def deployed(
    deployments: Sequence[history.Deployment], env: str, target: Target
) -> history.Deployment | None:
    """The newest infra commit whose trailers pin exactly this reference in `env` (newest first)."""
    return history.recorded(history.select(deployments, target.repository, env), target)


def soaked_since(promotion: Promotion) -> datetime | None:
    """When the reference started to run in `from`: its deploy commit's time."""
    return utc_time(promotion.deployed.when) if promotion.deployed else None


def unsoaked(env: str, promotions: Sequence[Promotion], min_soak: float, now: float) -> list[str]:
    """Why each image that has not run long enough in `env` may not go on yet (none: all may)."""
    out = []
    for promotion in promotions:
        since = soaked_since(promotion)
        if since is None:
            out.append(
                f"{promotion.new}: no infra commit's trailers record it in {env}, so how long it has "
                "run there is unknown"
            )
            continue
        ran = now - since.timestamp()
        if ran < min_soak:
            ready = datetime.fromtimestamp(since.timestamp() + min_soak, since.tzinfo)
            out.append(
                f"{promotion.new} has run in {env} for {duration_text(ran)} (since {iso_utc(since)}, "
                f"infra commit {promotion.from_commit[:12]}); it may be promoted from {iso_utc(ready)}"
            )
    return out


def check_soak(env: str, promotions: Sequence[Promotion], min_soak: float | None, now: float) -> None:
    if min_soak is None:
        return
    reasons = unsoaked(env, promotions, min_soak, now)
    if reasons:
        raise UserError(
            f"not promoted: min-soak is {duration_text(min_soak)} and "
            + (f"{len(reasons)} images have" if len(reasons) > 1 else "the image has")
            + f" not run that long in {env}",
            why="\n".join(reasons) if len(reasons) > 1 else reasons[0],
            fix=f"run it again later, or lower min-soak (deployments to {env} by bump-manifest record "
            "their time); " + NOTHING_PUSHED,
        )


def trailers(from_env: str, promotions: Sequence[Promotion]) -> tuple[tuple[str, str], ...]:
    """Promoted-From, and one Promoted-From-Commit per image, in the order of the Image: trailers."""
    return (("Promoted-From", from_env), *(("Promoted-From-Commit", p.from_commit) for p in promotions))


def source(run: Source, promotions: Sequence[Promotion]) -> Source:
    """The build the promoted pins run: the source of their deployment in `from` when every image
    has the same one (history gives each image of a mixed promotion its own, from the commit it copied)."""
    builds = {
        (d.source_repository, d.source_commit, d.source_time) if (d := p.deployed) else ("", "", "")
        for p in promotions
    }
    repository, commit, time = builds.pop() if len(builds) == 1 else ("", "", "")
    return replace(run, repository=repository, commit=commit, time=time)


def same_repository(left: str, right: str) -> bool:
    return normalize_name(left) == normalize_name(right)
