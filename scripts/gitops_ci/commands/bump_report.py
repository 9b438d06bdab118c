"""What bump-manifest's edit mode shows: a diff, a change list or JSON, runner outputs and a
step summary; and the render check's part of it, which the commit and pr modes show too."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

if TYPE_CHECKING:  # what it shows comes from the edit engine and goes to the console
    from gitops_ci.commands.set_from import Builds
    from gitops_ci.doors.runner import Console
    from gitops_ci.engines.bump.model import Change, FileEdit, Plan, RenderCheck
    from gitops_ci.engines.writeback.message import ImageRow, Source


def document(
    plan: Plan, *, dry_run: bool = False, rows: Sequence[ImageRow] = (), builds: Builds | None = None
) -> dict[str, Any]:
    return {
        "changed": plan.changed,
        "dry_run": dry_run,
        "changes": [_change(c) for c in plan.changes],
        "skipped": [{"file": s.file, "reason": s.reason} for s in plan.skipped],
        "render_check": render_document(plan.render),
        **({"images": [image_document(row) for row in rows]} if rows else {}),
        **builds_document(builds, list(builds.services) if builds else []),
    }


def image_document(row: ImageRow) -> dict[str, Any]:
    return {
        "image": row.image,
        "old": row.old,
        "new": row.new,
        "changed": row.changed,
        "source_commit": row.commit,
    }


# -- --set-from's services (commands/set_from.py), in every mode -------------------------------
def builds_document(builds: Builds | None, deployed: list[str]) -> dict[str, Any]:
    """What --set-from adds to the JSON document and the outputs."""
    if builds is None:
        return {}
    return {"deployed": deployed, "missing": list(builds.missing), "unexpected": list(builds.unexpected)}


def builds_summary(builds: Builds | None, deployed: list[str]) -> list[str]:
    """--set-from's lines of a step summary: the services deployed, and those missing."""
    if builds is None:
        return []
    lines = [f"Deployed {len(deployed)} service(s): {', '.join(deployed) or 'none'}.", ""]
    if builds.missing:
        lines += [f"> **Missing, not deployed** (no build metadata): {', '.join(builds.missing)}", ""]
    return lines


def builds_text(builds: Builds | None, doc: dict[str, Any]) -> list[str]:
    """--set-from's lines of the text result."""
    if builds is None:
        return []
    lines = [f"Deployed {len(doc['deployed'])} service(s): {', '.join(doc['deployed']) or 'none'}"]
    if builds.missing:
        lines.append(f"Missing, not deployed: {', '.join(builds.missing)}")
    return lines


def builds_outputs(builds: Builds | None, doc: dict[str, Any]) -> dict[str, object]:
    """--set-from's outputs: the services deployed and those missing, one a line."""
    if builds is None:
        return {}
    return {"deployed": "\n".join(doc["deployed"]), "missing": "\n".join(doc["missing"])}


def _change(change: Change) -> dict[str, Any]:
    return {
        "file": change.file,
        "line": change.line,
        "kind": change.kind,
        "old": change.old,
        "new": change.new,
    }


def diff(edits: Sequence[FileEdit]) -> str:
    import difflib  # here: only a dry run shows a diff

    chunks: list[str] = []
    for edit in edits:
        before = edit.before.decode("utf-8").splitlines(keepends=True)
        after = edit.after.decode("utf-8").splitlines(keepends=True)
        lines = difflib.unified_diff(before, after, f"a/{edit.file}", f"b/{edit.file}")
        chunks.append("".join(line if line.endswith("\n") else line + "\n" for line in lines))
    return "".join(chunks)


def text(plan: Plan, *, dry_run: bool) -> str:
    if dry_run:
        shown = diff(plan.edits) or "Nothing to change: every pin is already at the target."
        extra = render_text(plan.render)
        return shown + ("\n" if extra and not shown.endswith("\n") else "") + "\n".join(extra)
    if not plan.changed:
        return "Nothing to change: every pin is already at the target."
    lines = [
        f"{c.file}:{c.line}: {c.kind}: {c.old or '(none)'} -> {c.new or '(removed)'}" for c in plan.changes
    ]
    return "\n".join([*lines, f"Changed {len(plan.edits)} file(s).", *render_text(plan.render)])


def summary(plan: Plan, *, dry_run: bool, extra: Sequence[str] = ()) -> str:
    """The step summary; ``extra``: lines after the heading (the services deployed and
    missing, one row per image)."""
    head = "### bump-manifest" + (" (dry run)" if dry_run else "")
    if extra:
        head = "\n".join([head, "", *extra]).rstrip("\n")
    if not plan.changed:
        return f"{head}\n\nNothing to change: every pin is already at the target.\n"
    rows = [f"| `{c.file}` | {c.line} | {c.kind} | `{c.old}` | `{c.new}` |" for c in plan.changes]
    table = ["| File | Line | Kind | Old | New |", "|---|---|---|---|---|", *rows]
    return "\n".join([head, "", *table, "", *render_summary(plan.render)])


def report(
    console: Console,
    plan: Plan,
    *,
    dry_run: bool,
    rows: Sequence[ImageRow] = (),
    builds: Builds | None = None,
    source: Source | None = None,
) -> None:
    """The edit's outputs, summary and result; ``rows`` (one per image) and ``builds``
    (--set-from's) add their parts."""
    from gitops_ci.engines.writeback.message import Source, image_table

    doc = document(plan, dry_run=dry_run, rows=rows, builds=builds)
    for skipped in plan.skipped:
        if skipped.reason.endswith(("; not edited", "; skipped")):
            console.warning(skipped.reason, file=skipped.file)
    render_warnings(console, plan.render)
    console.set_outputs(
        {
            "changed": plan.changed,
            "files": "\n".join(plan.files),
            "changes": doc["changes"],
            **builds_outputs(builds, doc),
        }
    )
    extra = builds_summary(builds, doc.get("deployed", []))
    if rows:
        extra += [*image_table(rows, source or Source()), ""]
    console.summary(summary(plan, dry_run=dry_run, extra=extra))
    console.result(doc, "\n".join([text(plan, dry_run=dry_run), *builds_text(builds, doc)]))


# -- the render check (bump/render_check.py), in every mode ----------------------------------
def render_document(check: RenderCheck) -> dict[str, Any]:
    return {
        "renderer": check.renderer,
        "note": check.note,
        "roots": [
            {
                "root": root.root,
                "skipped": root.skipped,
                "running": [{"container": r.container, "image": r.image} for r in root.running],
            }
            for root in check.roots
        ],
    }


def render_text(check: RenderCheck) -> list[str]:
    """Per root, the containers that run the new image; a line when no renderer was found."""
    if not check.roots:
        return [f"Render check {check.note}."] if check.note.startswith("skipped") else []
    lines = [f"Rendered with {check.renderer}:"]
    for root in check.roots:
        if root.skipped:
            lines.append(f"  {root.root}: not checked: {root.skipped.splitlines()[0]}")
        for running in root.running:
            lines.append(f"  {root.root}: {running.container} runs {running.image}")
        if not (root.skipped or root.running):
            lines.append(f"  {root.root}: no container runs the image")
    return lines


def render_summary(check: RenderCheck) -> list[str]:
    if not check.roots:
        return [f"Render check {check.note}.", ""] if check.note.startswith("skipped") else []
    rows: list[str] = []
    for root in check.roots:
        rows.extend(f"| `{root.root}` | `{r.container}` | `{r.image}` |" for r in root.running)
        if root.skipped or not root.running:
            why = root.skipped.splitlines()[0].replace("|", "\\|") if root.skipped else ""
            rows.append(
                f"| `{root.root}` | "
                + (f"not checked: {why}" if why else "no container runs the image")
                + " | |"
            )
    head = f"Rendered with `{check.renderer}` after the edit:"
    return [head, "", "| Kustomization | Container | Image |", "|---|---|---|", *rows, ""]


def render_warnings(console: Console, check: RenderCheck) -> None:
    for root in check.roots:
        if root.skipped:
            console.warning(f"render check: {root.root} not checked: {root.skipped}")
