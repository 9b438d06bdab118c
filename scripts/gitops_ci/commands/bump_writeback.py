"""bump-manifest --mode commit|pr: the edge. Reads inputs and the runner's GITHUB_* context,
calls the write-back core, and shows its result (outputs, summary, text or --json)."""

from __future__ import annotations

from typing import Any, Mapping

from gitops_ci.bump import message, render_check, writeback
from gitops_ci.bump.model import Scope, Target
from gitops_ci.commands import bump_report
from gitops_ci.commands.base import Context, Values
from gitops_ci.errors import UserError
from gitops_ci.git import BOT_EMAIL, BOT_NAME, Identity
from gitops_ci.github_api import RetryPolicy
from gitops_ci.inputs import Option, parse_bool, parse_choice, parse_int, parse_list
from gitops_ci.runner import Console


def parse_seconds(text: str, *, name: str = "value") -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise UserError(f"input {name!r}: {text!r} is not a number of seconds") from None
    if value < 0:
        raise UserError(f"input {name!r}: {text!r} must not be negative")
    return value


# Inputs that bump-manifest and rollback share, spelled once.
PATH_OPTION = Option("path", "path globs to search (default: every YAML file)", parse_list, multiple=True)
ON_MISSING_OPTION = Option(
    "on-missing", "fail or warn when the image is found nowhere", parse_choice(("fail", "warn")), "fail"
)
RENDER_CHECK_OPTION = Option(
    "render-check",
    "build each kustomization that includes a changed file before and after the edit, and refuse "
    "when an overlay still runs the old image: auto (when kustomize or kubectl is on PATH), true, false",
    parse_choice(render_check.MODES),
    "auto",
)
DRY_RUN_OPTION = Option("dry-run", "show the diff and write nothing", parse_bool, "false")
TOKEN_OPTION = Option("token", "token for the infra repo (default: GITHUB_TOKEN)", secret=True)

OPTIONS = (
    Option("base-branch", "the infra repo's branch to deploy to (default: its default branch)"),
    Option(
        "message-template",
        f"commit subject / PR title; placeholders: {message.PLACEHOLDERS}",
        default=message.DEFAULT_MESSAGE,
    ),
    Option("branch-template", "pr mode: the PR branch name", default=message.DEFAULT_BRANCH),
    Option("labels", "pr mode: labels to add, comma or newline separated", parse_list),
    Option("reviewers", "pr mode: users to request a review from", parse_list),
    Option("team-reviewers", "pr mode: team slugs to request a review from", parse_list),
    Option("draft", "pr mode: open the PR as a draft", parse_bool, "false"),
    Option(
        "auto-merge",
        "pr mode: enable auto-merge (a warning when the repo does not allow it)",
        parse_bool,
        "false",
    ),
    Option("author-name", "commit author and committer name", default=BOT_NAME),
    Option("author-email", "commit author and committer email", default=BOT_EMAIL),
    Option("signoff", "add a Signed-off-by trailer", parse_bool, "false"),
    Option("push-attempts", "pushes to try when other pipelines move the branch", parse_int, "10"),
    Option("retry-backoff", "seconds before the first retry (doubles, jittered)", parse_seconds, "1"),
    Option("api-max-wait", "the longest GitHub API rate-limit wait accepted, seconds", parse_seconds, "60"),
)


def token_of(values: Values, environ: Mapping[str, str], console: Console) -> str:
    token = str(values.get("token") or environ.get("GITHUB_TOKEN", "") or environ.get("GH_TOKEN", ""))
    if token:
        console.mask(token)
    return token


def request(
    ctx: Context,
    values: Values,
    targets: tuple[Target, ...],
    scope: Scope,
    extra: tuple[tuple[str, str], ...] = (),
) -> writeback.Request:
    env = ctx.environ
    server = env.get("GITHUB_SERVER_URL", "") or "https://github.com"
    url, full_name = writeback.resolve_repo(values["infra_repo"], server)
    return writeback.Request(
        mode=values["mode"],
        repo_url=url,
        full_name=full_name,
        targets=targets,
        token=token_of(values, env, ctx.console),
        base_branch=values["base_branch"],
        scope=scope,
        environment=values["environment"],
        source=message.Source.from_environ(env),
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
        render_check=values["render_check"],
        attempts=max(1, values["push_attempts"]),
        backoff=values["retry_backoff"],
        api_url=env.get("GITHUB_API_URL", "") or "https://api.github.com",
        api_policy=RetryPolicy(backoff=values["retry_backoff"], max_wait=values["api_max_wait"]),
        extra_trailers=extra,
    )


def services(ctx: Context) -> writeback.Services:
    return writeback.Services(redactor=ctx.console.redactor, environ=ctx.environ, log=ctx.console.info)


def render_settings(ctx: Context, values: Values) -> render_check.Settings:
    """The render check as the edit mode and local rollback run it (the write-back builds its
    own from its Services)."""
    return render_check.Settings(values["render_check"], ctx.console.redactor, ctx.environ, ctx.console.debug)


def run_commit(ctx: Context, values: Values) -> int:
    return _run(ctx, values)


def run_pr(ctx: Context, values: Values) -> int:
    return _run(ctx, values)


def _run(ctx: Context, values: Values) -> int:
    from gitops_ci.commands.bump_manifest import edit_inputs  # the edit mode's own input parsing

    inputs = edit_inputs(ctx, values)
    req = request(ctx, values, inputs.targets, inputs.scope)
    report(ctx.console, writeback.run(req, services(ctx)), dry_run=req.dry_run)
    return 0


def document(result: writeback.Result, *, dry_run: bool) -> dict[str, Any]:
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
        "render_check": bump_report.render_document(result.render),
    }


def text(result: writeback.Result, *, dry_run: bool) -> str:
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


def report(console: Console, result: writeback.Result, *, dry_run: bool) -> None:
    for warning in result.warnings:
        console.warning(warning)
    bump_report.render_warnings(console, result.render)
    doc = document(result, dry_run=dry_run)
    console.set_outputs(
        {
            "changed": result.changed,
            "commit-sha": result.commit_sha,
            "pr-number": "" if result.pr_number is None else result.pr_number,
            "pr-url": result.pr_url,
            "pr-operation": result.pr_operation,
            "files": "\n".join(result.files),
            "changes": doc["changes"],
        }
    )
    console.summary(_summary(result, dry_run=dry_run))
    console.result(doc, text(result, dry_run=dry_run))


def _summary(result: writeback.Result, *, dry_run: bool) -> str:
    head = "### bump-manifest" + (" (dry run)" if dry_run else "")
    if not result.changed:
        return f"{head}\n\nNothing to change: the infra repo already pins the target.\n"
    rows = [f"| `{c.file}:{c.line}` | `{c.old}` | `{c.new}` |" for c in result.changes]
    tail = [f"Commit `{result.commit_sha}`"] if result.commit_sha else []
    if result.pr_url:
        tail.append(f"Pull request ({result.pr_operation}): {result.pr_url}")
    rendered = bump_report.render_summary(result.render)
    return "\n".join([head, "", "| Where | Old | New |", "|---|---|---|", *rows, "", *rendered, *tail, ""])
