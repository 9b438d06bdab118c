"""bump-manifest --mode commit|pr: the edge. Reads inputs and the run context (`ctx.run`),
calls the write-back core, and shows its result (outputs, summary, text or --json)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from gitops_ci.engines.writeback import message
from gitops_ci.commands import bump_options, bump_report
from gitops_ci.commands.base import Context, Values
from gitops_ci.errors import UserError
from gitops_ci.doors.git import Git, Identity
from gitops_ci.inputs import iso_utc, utc_time
from gitops_ci.secrets import split_userinfo

if TYPE_CHECKING:  # promote's options come from here too: its `--help` needs none of these
    from gitops_ci.commands.set_from import Builds
    from gitops_ci.context import RunContext
    from gitops_ci.doors.runner import Console
    from gitops_ci.engines.bump.model import Scope, Target
    from gitops_ci.engines.writeback import core as writeback

_COMMIT = re.compile(r"[0-9a-f]{7,40}")


def token_of(values: Values, environ: Mapping[str, str], console: Console) -> str:
    """--token, else GITHUB_TOKEN or GH_TOKEN: a credential, read here and not in the run context."""
    token = str(values.get("token") or environ.get("GITHUB_TOKEN", "") or environ.get("GH_TOKEN", ""))
    if token:
        console.mask(token)
    return token


def writeback_inputs(
    ctx: Context,
    values: Values,
    targets: tuple[Target, ...],
    scope: Scope,
    extra: tuple[tuple[str, str], ...] = (),
) -> writeback.Inputs:
    # The write-back (and the GitHub API client) is imported here, when a commit or PR is made:
    # edit mode and every `--help` start without it.
    from gitops_ci.engines.writeback import core as writeback
    from gitops_ci.doors.github_api import RetryPolicy

    # A `user:password@` (or bare `TOKEN@`) pasted into the URL leaves it here, already masked
    # (the option's secret_parts): git gets the URL without it and the credentials in the header.
    bare, user, password = split_userinfo(values["infra_repo"])
    url, full_name = writeback.resolve_repo(bare, ctx.run.server_url)
    username, token = (user, password) if password else ("", user)
    return writeback.Inputs(
        mode=values["mode"],
        repo_url=url,
        full_name=full_name,
        targets=targets,
        token=token or token_of(values, ctx.environ, ctx.console),
        username=username,
        base_branch=values["base_branch"],
        scope=scope,
        environment=values["environment"],
        source=run_source(ctx, values),
        identity=Identity(values["author_name"], values["author_email"]),
        signoff=values["signoff"],
        message_template=values["message_template"],
        branch_template=values["branch_template"],
        labels=tuple(values["labels"]),
        reviewers=tuple(values["reviewers"]),
        team_reviewers=tuple(values["team_reviewers"]),
        draft=values["draft"],
        auto_merge=values["auto_merge"],
        dry_run=values["dry_run"],
        on_missing=values["on_missing"],
        on_invalid=values["on_invalid"],
        render_check=values["render_check"],
        attempts=max(1, values["push_attempts"]),
        backoff=values["retry_backoff"],
        api_url=ctx.run.api_url,
        api_policy=RetryPolicy(backoff=values["retry_backoff"], max_wait=values["api_max_wait"]),
        extra_trailers=extra,
        allow_downgrade=bool(values.get("allow_downgrade")),
    )


def run_source(ctx: Context, values: Values) -> message.Source:
    """The run (`ctx.run`) and the source commit's time: the one place both are read."""
    run = ctx.run
    source = message.Source(run.repository, run.sha, run.actor, run.run_url, run.server_url)
    given = str(values.get("source_time") or "")
    if given or not _COMMIT.fullmatch(source.commit):
        return source.replace(time=given)
    return source.replace(time=_git_time(ctx, source.commit) or _event_time(ctx.run, source.commit))


def _git_time(ctx: Context, commit: str) -> str:
    """The committer time of `commit` in the app checkout (GITHUB_WORKSPACE, else the cwd)."""
    where = Path(ctx.run.workspace or ctx.cwd)
    git = Git(url="", token="", redactor=ctx.console.redactor, environ=ctx.environ, workdir=where)
    try:
        text = git.log("%cI", "-1", commit, "--")
    except UserError:  # not a checkout, or the commit is not in it
        return ""
    value = utc_time(text)
    return iso_utc(value) if value else ""


def _event_time(run: RunContext, commit: str) -> str:
    """The push event's head_commit.timestamp, when that head is the source commit (an
    unreadable event file only leaves the time unknown)."""
    head = run.event.get("head_commit")
    if not isinstance(head, dict) or head.get("id") != commit:
        return ""
    value = utc_time(str(head.get("timestamp") or ""))
    return iso_utc(value) if value else ""


def services(ctx: Context) -> writeback.Services:
    from gitops_ci.engines.writeback import core as writeback

    console = ctx.console
    return writeback.Services(console.redactor, ctx.environ, log=console.info, warn=console.warning)


def run(ctx: Context, values: Values) -> int:
    """bump-manifest --mode commit or pr."""
    from dataclasses import replace  # the write-back's Inputs: a dataclass

    from gitops_ci.annotation import Annotation
    from gitops_ci.engines.writeback import core as writeback

    builds = bump_options.read_builds(ctx, values)
    edit = bump_options.edit_inputs(ctx, values, builds)
    inputs = writeback_inputs(ctx, values, edit.targets, edit.scope)
    sources = bump_options.image_sources(edit.targets, builds, inputs.source.commit)
    inputs = replace(inputs, image_sources=sources)
    if not inputs.allow_downgrade and not inputs.source.time:
        ctx.console.annotate(
            Annotation(
                "notice",
                "the source commit's time is unknown, so this bump cannot tell whether the infra repo "
                "already runs a newer build; pass source-time (or run with the app checked out in "
                "GITHUB_WORKSPACE) to turn the downgrade check on",
            )
        )
    result = writeback.run(inputs, services(ctx))
    report(ctx.console, result, dry_run=inputs.dry_run, builds=builds, source=inputs.source)
    return 0


def deployed(result: writeback.Result, builds: Builds) -> list[str]:
    """The services whose builds this run pinned (in the commit, or already in place): all
    of them but those the downgrade guard held."""
    held = {h.target.repository for h in result.held}
    return [b.service for b in builds.builds if b.target.repository not in held]


def document(result: writeback.Result, *, dry_run: bool, builds: Builds | None = None) -> dict[str, Any]:
    return {
        "changed": result.changed,
        "dry_run": dry_run,
        "changes": [
            {"file": c.file, "line": c.line, "kind": c.kind, "old": c.old, "new": c.new}
            for c in result.changes
        ],
        "skipped": [{"file": s.file, "reason": s.reason} for s in result.skipped],
        "files": list(result.files),
        "commit_sha": result.commit_sha,
        "pr_number": result.pr_number,
        "pr_url": result.pr_url,
        "pr_operation": result.pr_operation,
        "branch": result.branch,
        "attempts": result.attempts,
        "held": [{"image": h.target.reference, "notice": h.notice} for h in result.held],
        "render_check": bump_report.render_document(result.render),
        **({"images": [bump_report.image_document(row) for row in result.images]} if result.images else {}),
        **bump_report.builds_document(builds, deployed(result, builds) if builds else []),
    }


def text(result: writeback.Result, *, dry_run: bool) -> str:
    if not result.changed and result.held:
        return "Nothing pinned: the infra repo already runs a newer build of every image."
    rendered = "".join(f"{line}\n" for line in bump_report.render_text(result.render))
    if dry_run:
        shown = result.diff or "Nothing to change: every pin is already at the target."
        return f"{shown}\n{rendered}(dry run: nothing pushed)"
    if not result.changed:
        return "Nothing to change: the infra repo already pins the target."
    lines = [f"{c.file}:{c.line}: {c.old} -> {c.new}" for c in result.changes]
    lines.extend(bump_report.render_text(result.render))
    lines.append(
        f"Commit {result.commit_sha}" + (f" after {result.attempts} attempts" if result.attempts > 1 else "")
    )
    if result.pr_url:
        lines.append(f"Pull request {result.pr_operation}: {result.pr_url}")
    return "\n".join(lines)


def report(
    console: Console,
    result: writeback.Result,
    *,
    dry_run: bool,
    builds: Builds | None = None,
    source: message.Source | None = None,
) -> None:
    from gitops_ci.annotation import Annotation

    for warning in result.warnings:
        console.warning(warning)
    for held in result.held:
        console.annotate(Annotation("notice", held.notice))
    for skipped in result.skipped:
        if skipped.reason.endswith("; not edited"):
            console.warning(skipped.reason, file=skipped.file)
    bump_report.render_warnings(console, result.render)
    doc = document(result, dry_run=dry_run, builds=builds)
    console.set_outputs(
        {
            "changed": result.changed,
            "commit-sha": result.commit_sha,
            "pr-number": "" if result.pr_number is None else result.pr_number,
            "pr-url": result.pr_url,
            "pr-operation": result.pr_operation,
            "files": "\n".join(result.files),
            "changes": doc["changes"],
            "held": "\n".join(item["image"] for item in doc["held"]),
            **bump_report.builds_outputs(builds, doc),
        }
    )
    extra = bump_report.builds_summary(builds, doc.get("deployed", []))
    if result.images:
        extra += [*message.image_table(result.images, source or message.Source()), ""]
    console.summary(_summary(result, dry_run=dry_run, extra=extra))
    console.result(doc, "\n".join([text(result, dry_run=dry_run), *bump_report.builds_text(builds, doc)]))


def _summary(result: writeback.Result, *, dry_run: bool, extra: list[str] | None = None) -> str:
    """The step summary; ``extra``: lines after the heading (the services deployed and
    missing, one row per image)."""
    head = "### bump-manifest" + (" (dry run)" if dry_run else "")
    if extra:
        head = "\n".join([head, "", *extra]).rstrip("\n")
    held = "".join(f"\n> {h.notice}\n" for h in result.held)
    if not result.changed and held:
        return f"{head}\n\n{text(result, dry_run=dry_run)}\n{held}"
    if not result.changed:
        return f"{head}\n\nNothing to change: the infra repo already pins the target.\n"
    rows = [f"| `{c.file}:{c.line}` | `{c.old}` | `{c.new}` |" for c in result.changes]
    tail = [f"Commit `{result.commit_sha}`"] if result.commit_sha else []
    if result.pr_url:
        tail.append(f"Pull request ({result.pr_operation}): {result.pr_url}")
    rendered = bump_report.render_summary(result.render)
    return (
        "\n".join([head, "", "| Where | Old | New |", "|---|---|---|", *rows, "", *rendered, *tail, ""])
        + held
    )
