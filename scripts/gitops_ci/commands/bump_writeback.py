"""bump-manifest --mode commit|pr: the edge. Reads inputs and the runner's GITHUB_* context,
calls the write-back core, and shows its result (outputs, summary, text or --json)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from gitops_ci.bump import message
from gitops_ci.bump.model import RENDER_CHECK_MODES, Scope, Target
from gitops_ci.commands import bump_report
from gitops_ci.commands.base import Context, Values
from gitops_ci.errors import UserError
from gitops_ci.git import BOT_EMAIL, BOT_NAME, Git, Identity
from gitops_ci.inputs import Option, parse_bool, parse_choice, parse_int, parse_list, parse_size
from gitops_ci.runner import Annotation, Console
from gitops_ci.secrets import split_userinfo

if TYPE_CHECKING:
    from gitops_ci.bump import render_check, writeback

_COMMIT = re.compile(r"[0-9a-f]{7,40}")


def parse_seconds(text: str, *, name: str = "value") -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise UserError(f"input {name!r}: {text!r} is not a number of seconds") from None
    if value < 0:
        raise UserError(f"input {name!r}: {text!r} must not be negative")
    return value


def parse_time(text: str, *, name: str = "value") -> str:
    """An ISO 8601 time with its zone, as UTC `YYYY-MM-DDTHH:MM:SSZ`; blank stays unknown."""
    if not text.strip():
        return ""
    value = message.utc_time(text)
    if value is None:
        raise UserError(
            f"input {name!r}: {text!r} is not an ISO 8601 time with a zone",
            fix="write it as git prints it (`git log -1 --format=%cI`), e.g. 2026-12-01T09:30:00+01:00 "
            "or 2026-12-01T08:30:00Z",
        )
    return message.iso_utc(value)


# Inputs that bump-manifest and rollback share, spelled once.
PATH_OPTION = Option("path", "path globs to search (default: every YAML file)", parse_list, multiple=True)
ON_MISSING_OPTION = Option(
    "on-missing", "fail or warn when the image is found nowhere", parse_choice(("fail", "warn")), "fail"
)
ON_INVALID_OPTION = Option(
    "on-invalid",
    "a file that is not valid YAML and mentions the image: fail (naming every such file) "
    "or skip it with a warning",
    parse_choice(("fail", "skip")),
    "fail",
)
RENDER_CHECK_OPTION = Option(
    "render-check",
    "build each kustomization that includes a changed file before and after the edit, and refuse "
    "when an overlay still runs the old image: auto (when kustomize or kubectl is on PATH), true, false",
    parse_choice(RENDER_CHECK_MODES),
    "auto",
)
MAX_FILE_SIZE_OPTION = Option(
    "max-file-size", "the largest infra file read, e.g. 10MiB; a larger one is an error", parse_size, "10MiB"
)
DRY_RUN_OPTION = Option("dry-run", "show the diff and write nothing", parse_bool, "false")
TOKEN_OPTION = Option("token", "token for the infra repo (default: GITHUB_TOKEN)", secret=True)
# Inputs of the commands that deploy a build (bump-manifest; rollback always allows a downgrade).
ALLOW_DOWNGRADE_OPTION = Option(
    "allow-downgrade",
    "replace a pin even when the infra repo records a newer source commit for it",
    parse_bool,
    "false",
)
SOURCE_TIME_OPTION = Option(
    "source-time",
    "the source commit's time, ISO 8601 (default: git's commit time in GITHUB_WORKSPACE, "
    "else the push event's head_commit.timestamp)",
    parse_time,
)

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
    # The write-back (and the GitHub API client) is imported here, when a commit or PR is made:
    # edit mode and every `--help` start without it.
    from gitops_ci.bump import writeback
    from gitops_ci.github_api import RetryPolicy

    env = ctx.environ
    server = env.get("GITHUB_SERVER_URL", "") or "https://github.com"
    # A `user:password@` (or bare `TOKEN@`) pasted into the URL leaves it here, already masked
    # (the option's secret_parts): git gets the URL without it and the credentials in the header.
    bare, user, password = split_userinfo(values["infra_repo"])
    url, full_name = writeback.resolve_repo(bare, server)
    username, token = (user, password) if password else ("", user)
    return writeback.Request(
        mode=values["mode"],
        repo_url=url,
        full_name=full_name,
        targets=targets,
        token=token or token_of(values, env, ctx.console),
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
        api_url=env.get("GITHUB_API_URL", "") or "https://api.github.com",
        api_policy=RetryPolicy(backoff=values["retry_backoff"], max_wait=values["api_max_wait"]),
        extra_trailers=extra,
        allow_downgrade=bool(values.get("allow_downgrade")),
    )


def run_source(ctx: Context, values: Values) -> message.Source:
    """The run context (GITHUB_*) and the source commit's time: the one place both are read."""
    source = message.Source.from_environ(ctx.environ)
    given = str(values.get("source_time") or "")
    if given or not _COMMIT.fullmatch(source.commit):
        return replace(source, time=given)
    return replace(source, time=_git_time(ctx, source.commit) or _event_time(ctx.environ, source.commit))


def _git_time(ctx: Context, commit: str) -> str:
    """The committer time of `commit` in the app checkout (GITHUB_WORKSPACE, else the cwd)."""
    where = Path(ctx.environ.get("GITHUB_WORKSPACE") or ctx.cwd)
    git = Git(url="", token="", redactor=ctx.console.redactor, environ=ctx.environ, workdir=where)
    try:
        text = git.log("%cI", "-1", commit, "--")
    except UserError:  # not a checkout, or the commit is not in it
        return ""
    value = message.utc_time(text)
    return message.iso_utc(value) if value else ""


def _event_time(environ: Mapping[str, str], commit: str) -> str:
    """The push event's head_commit.timestamp, when that head is the source commit."""
    from gitops_ci.build_push.context import read_event  # the event reader of build-and-push's package

    try:
        head = read_event(environ.get("GITHUB_EVENT_PATH", "")).get("head_commit")
    except UserError:
        return ""
    if not isinstance(head, dict) or head.get("id") != commit:
        return ""
    value = message.utc_time(str(head.get("timestamp") or ""))
    return message.iso_utc(value) if value else ""


def services(ctx: Context) -> writeback.Services:
    from gitops_ci.bump import writeback

    return writeback.Services(redactor=ctx.console.redactor, environ=ctx.environ, log=ctx.console.info)


def render_settings(ctx: Context, values: Values) -> render_check.Settings:
    """The render check as the edit mode and local rollback run it (the write-back builds its
    own from its Services)."""
    from gitops_ci.bump import render_check  # here: it loads the YAML parser and the engine

    return render_check.Settings(values["render_check"], ctx.console.redactor, ctx.environ, ctx.console.debug)


def run_commit(ctx: Context, values: Values) -> int:
    return _run(ctx, values)


def run_pr(ctx: Context, values: Values) -> int:
    return _run(ctx, values)


def _run(ctx: Context, values: Values) -> int:
    from gitops_ci.bump import writeback
    from gitops_ci.commands.bump_manifest import edit_inputs  # the edit mode's own input parsing

    inputs = edit_inputs(ctx, values)
    req = request(ctx, values, inputs.targets, inputs.scope)
    if not req.allow_downgrade and not req.source.time:
        ctx.console.annotate(
            Annotation(
                "notice",
                "the source commit's time is unknown, so this bump cannot tell whether the infra repo "
                "already runs a newer build; pass source-time (or run with the app checked out in "
                "GITHUB_WORKSPACE) to turn the downgrade check on",
            )
        )
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
        "held": [{"image": message.reference(h.target), "notice": h.notice} for h in result.held],
        "render_check": bump_report.render_document(result.render),
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


def report(console: Console, result: writeback.Result, *, dry_run: bool) -> None:
    for warning in result.warnings:
        console.warning(warning)
    for held in result.held:
        console.annotate(Annotation("notice", held.notice))
    for skipped in result.skipped:
        if skipped.reason.endswith("; not edited"):
            console.warning(skipped.reason, file=skipped.file)
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
            "held": "\n".join(item["image"] for item in doc["held"]),
        }
    )
    console.summary(_summary(result, dry_run=dry_run))
    console.result(doc, text(result, dry_run=dry_run))


def _summary(result: writeback.Result, *, dry_run: bool) -> str:
    head = "### bump-manifest" + (" (dry run)" if dry_run else "")
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
