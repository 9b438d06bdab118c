"""The bump engine: `plan()` reads the infra dir and computes every file's new bytes;
`apply()` writes a plan all-or-nothing. Neither prints nor reads the environment."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Sequence

from gitops_ci.bump.edit import FileResult
from gitops_ci.bump.files import check_infra_dir, discover
from gitops_ci.bump.model import Plan, Scope, Target
from gitops_ci.bump.reference import check_target, parse_reference
from gitops_ci.bump.scan import scan
from gitops_ci.bump.write import write_all
from gitops_ci.errors import UserError

_IMAGE_FIELD = re.compile(rb"(?:image|newName)\s*:\s*[\"']?([A-Za-z0-9][\w./:@-]*)")


def plan(infra_dir: Path, targets: Sequence[Target], scope: Scope = Scope()) -> Plan:
    """Every pin of the targets under ``infra_dir`` and the edits that retarget them."""
    root = check_infra_dir(infra_dir)
    _check_targets(targets)
    total = FileResult()
    files = discover(root, scope, total.skipped)
    edits = []
    for result in scan(root, files, targets, scope):
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
        found_images=tuple(sorted(total.found)),
    )


def apply(infra_dir: Path, plan: Plan) -> None:
    """Write the plan's edits, all or none; a plan without edits writes nothing."""
    if plan.edits:
        write_all(check_infra_dir(infra_dir), plan.edits)


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


def _merge(total: FileResult, result: FileResult) -> None:
    total.changes.extend(result.changes)
    total.skipped.extend(result.skipped)
    total.matched += result.matched
    total.found |= result.found


def scan_images(root: Path, files: Iterable[str]) -> set[str]:
    """Image repositories mentioned anywhere in scope: a cheap look for the "not found" message."""
    found: set[str] = set()
    for rel in files:
        for match in _IMAGE_FIELD.finditer((root / rel).read_bytes()):
            ref = parse_reference(match.group(1).decode("utf-8", "replace"))
            if ref is not None and ("/" in ref.name or ref.tag or ref.digest):
                found.add(ref.normalized)
    return found
