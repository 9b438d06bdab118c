"""The edit engine: `plan()` reads the infra dir and computes every file's new bytes;
`apply()` writes a plan all-or-nothing; `run()` is an edit in place: plan, the "pinned
nowhere" decision, the render check, apply. None prints or reads the environment."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterable, Sequence

from gitops_ci.engines.bump import argocd, render_check
from gitops_ci.engines.bump.edit import FileResult, Invalid, repositories
from gitops_ci.engines.bump.files import discover
from gitops_ci.engines.bump.infra import check_infra_dir
from gitops_ci.engines.bump.model import Inputs, Pin, Plan, Result, Scope, Services, Skipped, Target
from gitops_ci.engines.bump.reference import check_target, parse_reference
from gitops_ci.engines.bump.scan import _read, scan
from gitops_ci.engines.bump.write import write_all, write_throwaway
from gitops_ci.errors import UserError

# Compiled where it is used (re keeps it): only a run that finds no pin needs it.
_IMAGE_FIELD = rb"(?:image|newName)\s*:\s*[\"']?([A-Za-z0-9][\w./:@-]*)"
FOUND_LIMIT = 20  # image repositories named in the "pinned nowhere" message
PROBE = "gitops-ci-probe"  # the tag `pins` plans a retarget to; never written


def run(inputs: Inputs, services: Services) -> Result:
    """Edit the infra dir in place (with ``dry_run``, only plan and check): a target pinned
    nowhere in scope stops the run (``on_missing="fail"``) or is a warning (``"warn"``)."""
    found = plan(inputs.infra_dir, inputs.targets, inputs.scope, inputs.on_invalid, services.reveal)
    if found.matched == 0:
        _missing(inputs, found, services)
    checked = render_check.check(
        inputs.infra_dir, found, inputs.targets, inputs.scope, inputs.render_check, services
    )
    if not inputs.dry_run:
        apply(inputs.infra_dir, checked)
    return Result(checked, written=checked.changed and not inputs.dry_run)


def plan(
    infra_dir: Path,
    targets: Sequence[Target],
    scope: Scope = Scope(),
    on_invalid: str = "fail",
    reveal: argocd.Reveal | None = None,
) -> Plan:
    """Every pin of the targets under ``infra_dir`` and the edits that retarget them; ``reveal``
    makes more folders present in a sparse checkout when Argo CD links lead out of scope.

    A file that is not valid YAML and mentions a target stops the plan (``on_invalid="fail"``,
    naming every such file at once) or is left untouched and reported (``"skip"``)."""
    root = check_infra_dir(infra_dir)
    _check_targets(targets)
    total = FileResult()
    files = discover(root, scope, total.skipped)
    results = argocd.rescan(root, files, targets, scope, scan(root, files, targets, scope), reveal)
    _check_invalid([r.invalid for r in results if r.invalid is not None], on_invalid)
    edits = []
    for result in results:
        _merge(total, result)
        if result.edit is not None:
            edits.append(result.edit)
    if total.matched == 0:
        total.found |= scan_images(root, files)
    return Plan(
        changes=tuple(total.changes),
        skipped=tuple(total.skipped),
        edits=tuple(edits),
        matched=total.matched,
        pins=tuple(total.pins),
        found_images=tuple(sorted(total.found)),
    )


def pins(
    infra_dir: Path,
    repositories: Sequence[str],
    scope: Scope = Scope(),
    on_invalid: str = "fail",
    reveal: argocd.Reveal | None = None,
) -> tuple[Pin, ...]:
    """Every place in scope that pins one of the repositories, with the version it pins: the
    plan of a retarget to a probe tag, of which only the pins are kept (nothing is written)."""
    probe = tuple(Target(repository, tag=PROBE) for repository in repositories)
    return plan(infra_dir, probe, scope, on_invalid, reveal).pins if probe else ()


def images(infra_dir: Path, scope: Scope = Scope()) -> tuple[str, ...]:
    """Every image repository (normalised) a place in scope pins, each document of each file read."""
    root = check_infra_dir(infra_dir)
    base = os.path.join(root, "")
    overrides = argocd.Overrides(root)
    found: set[str] = set()
    for rel in discover(root, scope):
        found |= repositories(rel, _read(base, rel, scope.max_file_bytes), overrides)
    return tuple(sorted(found))


def apply(infra_dir: Path, plan: Plan, *, throwaway: bool = False) -> None:
    """Write the plan's edits, all or none; a plan without edits writes nothing. ``throwaway``:
    the infra dir is a clone discarded when anything fails (the write-back's), so the files
    are written in place, without the fsync and the old files kept aside that all-or-nothing
    costs (a few ms a file, on a busy disk far more)."""
    if plan.edits:
        (write_throwaway if throwaway else write_all)(check_infra_dir(infra_dir), plan.edits)


def _check_targets(targets: Sequence[Target]) -> None:
    if not targets:
        raise UserError("no image to pin", fix="pass --image REPO --tag TAG, or --set REPO=TAG")
    seen: set[str] = set()
    for target in targets:
        check_target(target)
        ref = parse_reference(target.repository)
        assert ref is not None
        if ref.normalized in seen:
            raise UserError(f"{target.repository} is given twice", fix="pin each image once per run")
        seen.add(ref.normalized)


def _check_invalid(invalid: list[Invalid], on_invalid: str) -> None:
    if not invalid or on_invalid == "skip":
        return
    where = [f"{bad.file}:{bad.line}: {bad.problem}" for bad in invalid]
    raise UserError(
        (
            f"{invalid[0].file}:{invalid[0].line}: not valid YAML, and it mentions an image to pin"
            if len(invalid) == 1
            else f"{len(invalid)} files are not valid YAML and mention an image to pin"
        ),
        why=invalid[0].problem if len(invalid) == 1 else "\n" + "\n".join(where),
        fix="fix the YAML at the lines shown, leave the files out with --path, "
        "or pass --on-invalid skip to leave them untouched; nothing was written",
    )


def _missing(inputs: Inputs, plan: Plan, services: Services) -> None:
    images = ", ".join(t.repository for t in inputs.targets)
    where = _searched(inputs.infra_dir, inputs.scope)
    shown = list(plan.found_images[:FOUND_LIMIT]) + (["..."] if len(plan.found_images) > FOUND_LIMIT else [])
    seen = "images found there: " + ", ".join(shown) if shown else "no image references were found there"
    if inputs.on_missing == "warn":
        services.warn(f"{images} is pinned nowhere in {where}; {seen}")
        return
    raise UserError(
        f"{images} is pinned nowhere in {where}",
        why=seen,
        fix="check the image name (compare with the images found), widen --path/--environment, "
        "or pass --on-missing warn if this repo may not use the image yet",
    )


def _searched(infra_dir: Path, scope: Scope) -> str:
    parts = [str(infra_dir)]
    if scope.paths:
        parts.append("paths " + ", ".join(scope.paths))
    if scope.environment:
        parts.append(f"environment {scope.environment}")
    for label, values in (("kinds", scope.kinds), ("names", scope.names), ("containers", scope.containers)):
        if values:
            parts.append(f"{label} {', '.join(values)}")
    return " (".join(parts[:1]) + (" (" + "; ".join(parts[1:]) + ")" if len(parts) > 1 else "")


def _merge(total: FileResult, result: FileResult) -> None:
    total.changes.extend(result.changes)
    total.pins.extend(result.pins)
    if result.invalid is not None:
        bad = result.invalid
        reason = f"line {bad.line}: not valid YAML ({bad.problem}) and it mentions an image to pin"
        total.skipped.append(Skipped(bad.file, reason + "; not edited"))
    total.skipped.extend(result.skipped)
    total.matched += result.matched
    total.found |= result.found


def scan_images(root: Path, files: Iterable[str]) -> set[str]:
    """Image repositories mentioned anywhere in scope: a cheap look for the "not found" message."""
    found: set[str] = set()
    field = re.compile(_IMAGE_FIELD)
    for rel in files:
        for match in field.finditer((root / rel).read_bytes()):
            ref = parse_reference(match.group(1).decode("utf-8", "replace"))
            if ref is not None and ("/" in ref.name or ref.tag or ref.digest):
                found.add(ref.normalized)
    return found
