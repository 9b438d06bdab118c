"""What promote shows: outputs (bump-manifest's and `promoted`), the summary's promotion table
(the one the pull request shows), the text or JSON result."""

from __future__ import annotations

from typing import Any

from gitops_ci.annotation import Annotation
from gitops_ci.commands import bump_report, bump_writeback
from gitops_ci.doors.runner import Console
from gitops_ci.engines.promote import text as table
from gitops_ci.engines.promote.model import Inputs, Promotion, Result


def promoted(promotion: Promotion) -> dict[str, str]:
    deployed = promotion.deployed
    return {
        "image": promotion.image,
        "from_ref": promotion.new,  # as the from environment pins it
        "old": ", ".join(promotion.old),  # what the to environment pinned before
        "new": promotion.new,  # what it pins now: the same reference
        "source_commit": deployed.source_commit if deployed else "",  # the build's commit (trailers)
        "source_repository": deployed.source_repository if deployed else "",
        "from_commit": promotion.from_commit,  # the infra commit that deployed it in from
    }


def document(result: Result, inputs: Inputs) -> dict[str, Any]:
    doc = bump_writeback.document(result.written, dry_run=inputs.dry_run)
    doc.pop("held", None)
    found = result.found
    return {
        **doc,
        "from": inputs.from_env,
        "to": inputs.to_env,
        "read_at": found.read_at,
        "promoted": [promoted(p) for p in result.promotions],
        "equal": [p.image for p in found.promotions if not p.differs],
        "only_from": list(found.only_from),
    }


def text(result: Result, inputs: Inputs) -> str:
    if not result.written.changed:
        return f"Nothing to promote: {inputs.to_env} already pins what {inputs.from_env} runs."
    lines = [
        f"{p.image}: {', '.join(p.old) or '(none)'} -> {p.new} (deployed to {inputs.from_env} in "
        f"{p.from_commit[:12] or 'an unrecorded commit'})"
        for p in result.promotions
    ]
    return "\n".join([*lines, bump_writeback.text(result.written, dry_run=inputs.dry_run)])


def summary(result: Result, inputs: Inputs, infra_repo: str) -> str:
    head = f"### promote {inputs.from_env} → {inputs.to_env}" + (" (dry run)" if inputs.dry_run else "")
    found = result.found
    notes = []
    equal = [p.image for p in found.promotions if not p.differs]
    if equal:
        notes.append(f"Already equal: {', '.join(f'`{image}`' for image in equal)}.")
    if found.only_from:
        shown = ", ".join(f"`{image}`" for image in found.only_from)
        notes.append(f"Pinned in {inputs.from_env} only, not promoted: {shown}.")
    if not result.written.changed:
        return "\n".join([head, "", text(result, inputs), "", *notes, ""])
    written = result.written
    tail = [f"Commit `{written.commit_sha}`"] if written.commit_sha else []
    if written.pr_url:
        tail.append(f"Pull request ({written.pr_operation}): {written.pr_url}")
    rows = table.table(result.promotions, inputs.from_env, inputs.to_env, inputs.server_url, infra_repo)
    changes = [f"| `{c.file}:{c.line}` | `{c.old}` | `{c.new}` |" for c in written.changes]
    return "\n".join(
        [
            head,
            "",
            *rows,
            "",
            "| Where | Old | New |",
            "|---|---|---|",
            *changes,
            "",
            *bump_report.render_summary(written.render),
            *notes,
            *([""] if notes else []),
            *tail,
            "",
        ]
    )


def report(console: Console, result: Result, inputs: Inputs) -> None:
    written = result.written
    for warning in written.warnings:
        console.warning(warning)
    for skipped in written.skipped:
        if skipped.reason.endswith("; not edited"):
            console.warning(skipped.reason, file=skipped.file)
    bump_report.render_warnings(console, written.render)
    if result.found.only_from:
        shown = ", ".join(result.found.only_from)
        console.annotate(Annotation("notice", f"pinned in {inputs.from_env} only, not promoted: {shown}"))
    doc = document(result, inputs)
    console.set_outputs(
        {
            "changed": written.changed,
            "commit-sha": written.commit_sha,
            "pr-number": "" if written.pr_number is None else written.pr_number,
            "pr-url": written.pr_url,
            "pr-operation": written.pr_operation,
            "files": "\n".join(written.files),
            "changes": doc["changes"],
            "promoted": doc["promoted"],
        }
    )
    infra_repo = inputs.writeback.full_name if inputs.writeback else ""
    console.summary(summary(result, inputs, infra_repo))
    console.result(doc, text(result, inputs))
