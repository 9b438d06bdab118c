"""Write a bump back to the infra repo: a commit on its branch, or a branch and a pull request.

A rejected push means another pipeline got there first: fetch the new head, plan and apply the
edit again on it (never rebase a stale commit) and retry after a jittered backoff; when the new
head already pins the target, finish as a no-op. Every attempt first asks the downgrade guard
(`downgrade`) which targets the head already runs a newer build of, and leaves those out.

The inputs may carry a `prepare` hook: called on the clone as it is checked out for each
attempt, it returns that attempt's inputs (promote reads the targets from another environment
of the same tree there, so a racing push makes it read them again).
"""

from __future__ import annotations

import random
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Mapping, Sequence

from gitops_ci.engines.writeback import downgrade, history, message
from gitops_ci.engines.bump import core as engine, render_check
from gitops_ci.engines.writeback.message import Source
from gitops_ci.engines.bump.model import Change, Plan, RenderCheck, Scope, Skipped, Target
from gitops_ci.engines.bump.model import Services as EditServices
from gitops_ci.errors import UserError
from gitops_ci.doors.git import Git, Identity
from gitops_ci.doors.github_api import GitHubApi, PullInfo, RetryPolicy
from gitops_ci.secrets import Redactor

BACKOFF_CAP = 30.0


@dataclass(frozen=True)
class Inputs:
    """A write-back, parsed: where to, what to pin, and how to commit, push and open the PR."""

    mode: str  # commit | pr
    repo_url: str
    full_name: str  # OWNER/NAME when known (needed for pr mode), else ""
    targets: tuple[Target, ...]
    token: str = ""
    username: str = ""  # with the token, the Basic credentials git sends ("": x-access-token)
    base_branch: str = ""
    scope: Scope = Scope()
    environment: str = ""
    source: Source = Source()
    identity: Identity = Identity()
    signoff: bool = False
    message_template: str = message.DEFAULT_MESSAGE
    branch_template: str = message.DEFAULT_BRANCH
    labels: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()
    team_reviewers: tuple[str, ...] = ()
    draft: bool = False
    auto_merge: bool = False
    dry_run: bool = False
    on_missing: str = "fail"
    on_invalid: str = "fail"
    render_check: str = "auto"  # auto | true | false: see bump/render_check.py
    attempts: int = 10
    backoff: float = 1.0  # seconds, the first retry's mean-ish wait; doubles per attempt
    api_url: str = "https://api.github.com"
    api_policy: RetryPolicy = RetryPolicy()
    extra_trailers: tuple[tuple[str, str], ...] = ()
    allow_downgrade: bool = False  # replace a pin even when its recorded source is newer
    # The inputs of one attempt from the clone as checked out for it (targets, source, trailers,
    # description): called before every plan, so a retry after a racing push calls it again.
    # No targets then means nothing to do. None: the inputs as given.
    prepare: Callable[[Git, Inputs], Inputs] | None = None
    full_history: bool = False  # clone every commit (trees, no blobs): `prepare` reads trailers
    description: str = ""  # the PR body's first paragraph ("": message.DEFAULT_INTRO)
    placeholders: tuple[tuple[str, str], ...] = ()  # more template fields, e.g. from_environment
    # (repository, the commit its build came from) for each target of a bump that lists its
    # images one by one (commit message, PR body): one row each. (): the changes alone.
    image_sources: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Result:
    changed: bool
    commit_sha: str = ""
    pr_number: int | None = None
    pr_url: str = ""
    pr_operation: str = "none"  # created | updated | none
    branch: str = ""
    files: tuple[str, ...] = ()
    changes: tuple[Change, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    diff: str = ""  # a dry run's (or a local edit's) unified diff
    attempts: int = 0
    warnings: tuple[str, ...] = field(default=())
    held: tuple[downgrade.Held, ...] = ()  # targets not pinned: the infra repo runs a newer build
    render: RenderCheck = RenderCheck()
    images: tuple[message.ImageRow, ...] = ()  # one row per image pinned (Inputs.image_sources)


@dataclass(frozen=True)
class Services:
    redactor: Redactor
    environ: Mapping[str, str]  # for the git and renderer subprocesses (PATH, HOME, ...)
    log: Callable[[str], None]
    warn: Callable[[str], None]
    sleep: Callable[[float], None] = time.sleep


def resolve_repo(infra_repo: str, server_url: str) -> tuple[str, str]:
    """`OWNER/NAME` against the server (GHES too), or a full git URL as given: (url, full_name)."""
    text = infra_repo.strip()
    if not text:
        raise UserError("no infra repo given", fix="pass --infra-repo OWNER/NAME (or a git URL)")
    if "://" in text or text.startswith(("/", "git@")):
        name = text.rstrip("/").removesuffix(".git")
        server = server_url.rstrip("/")
        full = name[len(server) + 1 :] if name.startswith(server + "/") else ""
        return text, full if full.count("/") == 1 else ""
    parts = text.removesuffix(".git").split("/")
    if len(parts) != 2 or not all(parts):
        raise UserError(
            f"infra-repo {text!r} is neither OWNER/NAME nor a git URL",
            fix="write it as OWNER/NAME, e.g. acme/infra, or a full https:// URL",
        )
    return f"{server_url.rstrip('/')}/{parts[0]}/{parts[1]}.git", "/".join(parts)


def run(inputs: Inputs, services: Services) -> Result:
    if inputs.mode == "pr" and not inputs.full_name:
        raise UserError(
            "pr mode needs the infra repo as OWNER/NAME on the GitHub server",
            fix="pass --infra-repo OWNER/NAME (GITHUB_SERVER_URL selects GHES), or use --mode commit",
        )
    with tempfile.TemporaryDirectory(prefix="gitops-ci-infra-", ignore_cleanup_errors=True) as tmp:
        git = Git(
            url=inputs.repo_url,
            token=inputs.token,
            redactor=services.redactor,
            environ=services.environ,
            workdir=Path(tmp) / "infra",
            log=services.log,
            username=inputs.username,
        )
        return run_commit(inputs, services, git) if inputs.mode == "commit" else run_pr(inputs, services, git)


# -- commit mode -------------------------------------------------------------------------
def run_commit(inputs: Inputs, svc: Services, git: Git) -> Result:
    base = inputs.base_branch or git.default_branch()
    git.clone(base, sparse=_sparse(inputs, svc), depth=history_depth(inputs))
    for attempt in range(1, inputs.attempts + 1):
        plan, narrowed, held = plan_guarded(git, prepared(git, inputs), svc)
        rows = tuple(image_rows(narrowed, plan))
        if not plan.changed or inputs.dry_run:
            return replace(_unpushed(plan, git, attempt), held=held, images=rows)
        sha = _commit(narrowed, git, plan)
        if git.push(base).ok:
            svc.log(f"pushed {sha[:12]} to {base} (attempt {attempt})")
            return replace(_pushed(plan, sha, attempt), held=held, images=rows)
        svc.log(f"push to {base} rejected: the branch moved; re-applying the edit on its new head")
        _wait_and_refresh(inputs, svc, git, base, attempt)
    raise _gave_up(inputs, base)


def _wait_and_refresh(inputs: Inputs, svc: Services, git: Git, base: str, attempt: int) -> None:
    if attempt < inputs.attempts:
        svc.sleep(backoff(inputs.backoff, attempt))
    head = git.fetch(base, depth=history_depth(inputs))
    if head is None:
        raise UserError(f"branch {base!r} disappeared from the infra repo while pushing")
    git.reset_to(head, branch=base)


def backoff(base: float, attempt: int) -> float:
    """Jittered: uniform in [base/2, base * 2^(attempt-1)], the doubling stopping at 8x base.

    With many pipelines racing, spreading the retries matters more than long waits."""
    ceiling = min(BACKOFF_CAP, base * 2 ** min(attempt - 1, 3))
    return random.uniform(min(base / 2, ceiling), ceiling)


def _gave_up(inputs: Inputs, branch: str) -> UserError:
    return UserError(
        f"could not push to {branch!r} after {inputs.attempts} attempts",
        why="other pipelines kept moving the branch between our fetch and our push",
        fix="raise push-attempts, or serialise the jobs that bump this repo (a `concurrency:` group)",
    )


# -- pr mode ---------------------------------------------------------------------------------
def run_pr(inputs: Inputs, svc: Services, git: Git) -> Result:
    api = GitHubApi(base_url=inputs.api_url, token=inputs.token, policy=inputs.api_policy)
    base = inputs.base_branch or api.repository(inputs.full_name).default_branch
    git.clone(base, sparse=_sparse(inputs, svc), depth=history_depth(inputs))
    base_head = git.rev_parse("HEAD")
    inputs = prepared(git, inputs)
    if nothing_to_do(inputs):
        return _unpushed(Plan(), git, 1)
    plan, narrowed, held = plan_guarded(git, inputs, svc)
    # The branch is named after every target, so a run keeps its PR when one image is held.
    branch = message.branch_name(
        inputs.branch_template, message.branch_values(inputs.targets, fields(inputs))
    )
    rows = image_rows(narrowed, plan)
    if not plan.changed or inputs.dry_run:
        unpushed = replace(_unpushed(plan, git, 1), images=tuple(rows))
        return replace(unpushed, branch=branch, commit_sha="" if plan.changed else base_head, held=held)
    values = fields(narrowed)
    sha = _commit(narrowed, git, plan)
    sha, pushed, attempts = _push_branch(narrowed, svc, git, branch, base_head)
    title = message.title(message.render(inputs.message_template, values, name="message-template"))
    title = svc.redactor.redact(title)
    diff = message.unified_diff(plan.edits)
    intro = inputs.description or message.DEFAULT_INTRO
    body = message.pr_body(plan, diff, inputs.source, _trailers(narrowed), intro, rows)
    body = svc.redactor.redact(body)
    pull, operation = _open_or_update(inputs, api, branch, base, title, body, pushed)
    warnings = _decorate(inputs, api, pull.number)
    result = replace(
        _pushed(plan, sha, attempts), branch=branch, warnings=warnings, held=held, images=tuple(rows)
    )
    return replace(result, pr_number=pull.number, pr_url=pull.url, pr_operation=operation)


def _push_branch(
    inputs: Inputs, svc: Services, git: Git, branch: str, base_head: str
) -> tuple[str, bool, int]:
    """Force the PR branch to our commit, with lease; skip when it already holds the same change."""
    for attempt in range(1, inputs.attempts + 1):
        remote = git.remote_sha(branch)
        if remote and _same_change(git, branch, base_head):
            svc.log(f"branch {branch} already holds this change at {remote[:12]}")
            return remote, False, attempt
        if git.push(branch, lease=remote or "").ok:
            svc.log(f"pushed {branch} (attempt {attempt})")
            return git.rev_parse("HEAD"), True, attempt
        svc.log(f"push to {branch} rejected (lease lost); retrying")
        svc.sleep(backoff(inputs.backoff, attempt))
    raise _gave_up(inputs, branch)


def _same_change(git: Git, branch: str, base_head: str) -> bool:
    remote = git.fetch(branch, depth=2)
    if remote is None:
        return False
    parent = git.rev_parse(f"{remote}^1") if remote else ""
    return parent == base_head and git.show_tree(remote) == git.show_tree("HEAD")


def _open_or_update(
    inputs: Inputs, api: GitHubApi, branch: str, base: str, title: str, body: str, pushed: bool
) -> tuple[PullInfo, str]:
    existing = api.find_open_pull(inputs.full_name, branch, base)
    if existing is None:
        return (
            api.create_pull(
                inputs.full_name, base=base, head=branch, title=title, body=body, draft=inputs.draft
            ),
            "created",
        )
    if not pushed and existing.title == title and existing.body.strip() == body.strip():
        return existing, "none"
    return api.update_pull(inputs.full_name, existing.number, title=title, body=body), "updated"


def _decorate(inputs: Inputs, api: GitHubApi, number: int) -> tuple[str, ...]:
    if inputs.labels:
        api.add_labels(inputs.full_name, number, inputs.labels)
    if inputs.reviewers or inputs.team_reviewers:
        api.request_reviewers(inputs.full_name, number, inputs.reviewers, inputs.team_reviewers)
    warning = api.enable_auto_merge(inputs.full_name, number) if inputs.auto_merge else None
    return (warning,) if warning else ()


# -- shared ----------------------------------------------------------------------------------
def prepared(git: Git, inputs: Inputs) -> Inputs:
    """This attempt's inputs: what the `prepare` hook makes of the clone as it is now."""
    return inputs.prepare(git, inputs) if inputs.prepare is not None else inputs


def nothing_to_do(inputs: Inputs) -> bool:
    """The hook found no target for this attempt (without a hook, no target stays an error)."""
    return inputs.prepare is not None and not inputs.targets


def fields(inputs: Inputs) -> dict[str, str]:
    """The template placeholders: the targets', the environment's and the source's, and the extra ones."""
    return {**message.fields(inputs.targets, inputs.environment, inputs.source), **dict(inputs.placeholders)}


def plan_or_fail(git: Git, inputs: Inputs, svc: Services) -> Plan:
    """The plan on the clone as it is, render-checked: the one point of both modes (and of
    every retry) where the edit is known and nothing is written, committed or pushed."""
    assert git.workdir is not None
    edit = _edit_services(inputs, svc, git)
    plan = engine.plan(git.workdir, inputs.targets, inputs.scope, inputs.on_invalid, edit.reveal)
    if plan.matched == 0 and inputs.on_missing == "fail":
        found = ", ".join(plan.found_images[:20]) or "no image references at all"
        raise UserError(
            "the infra repo pins none of: " + ", ".join(t.repository for t in inputs.targets),
            why=f"searched {', '.join(inputs.scope.paths) or 'every YAML file'}"
            + (f" in environment {inputs.scope.environment!r}" if inputs.scope.environment else "")
            + f"; images found there: {found}",
            fix="check --image (the repository, without tag), --path and --environment; nothing was pushed",
        )
    return render_check.check(git.workdir, plan, inputs.targets, inputs.scope, inputs.render_check, edit)


def _edit_services(inputs: Inputs, svc: Services, git: Git) -> EditServices:
    """The edit engine's Services on the clone: a sparse one (--path) shows more folders on demand."""

    def reveal(folders: Sequence[str]) -> None:
        git.sparse_add([f"/{folder}/" if folder != "." else "/*" for folder in folders])

    sparse = bool(inputs.scope.paths)
    return EditServices(svc.redactor, svc.environ, svc.log, svc.warn, reveal=reveal if sparse else None)


def _sparse(inputs: Inputs, svc: Services) -> tuple[str, ...]:
    """The paths in scope; with the render check, every kustomization file too (the rest of
    the folders it renders comes when they are known)."""
    patterns = sparse_patterns(inputs.scope)
    if patterns and render_check.active(inputs.render_check, svc.environ):
        patterns += render_check.SPARSE_PATTERNS
    return patterns


def history_depth(inputs: Inputs) -> int | None:
    """The whole history (commits and trees, no blobs) when the guard or the hook reads trailers."""
    return None if guarding(inputs) or inputs.full_history else 1


def guarding(inputs: Inputs) -> bool:
    return not inputs.allow_downgrade and bool(inputs.source.time)


def plan_guarded(git: Git, inputs: Inputs, svc: Services) -> tuple[Plan, Inputs, tuple[downgrade.Held, ...]]:
    """The plan without the targets the head already runs a newer build of, and the inputs
    narrowed to the targets kept (its commit message and trailers name only those); a hook that
    found no target makes an empty plan."""
    if nothing_to_do(inputs):
        return Plan(), inputs, ()
    plan = plan_or_fail(git, inputs, svc)
    if not guarding(inputs) or not plan.changed:
        return plan, inputs, ()
    assert git.workdir is not None
    deployments = history.parse_log(git.log(history.LOG_FORMAT, "HEAD"))
    held = downgrade.held(
        git.workdir,
        plan,
        inputs.targets,
        inputs.scope,
        inputs.environment,
        inputs.source,
        deployments,
        dict(inputs.image_sources),
    )
    if not held:
        return plan, inputs, ()
    kept = tuple(t for t in inputs.targets if t not in {h.target for h in held})
    narrowed = replace(inputs, targets=kept)
    if not kept:
        return Plan(skipped=plan.skipped, matched=plan.matched), narrowed, held
    return plan_or_fail(git, narrowed, svc), narrowed, held


def _commit(inputs: Inputs, git: Git, plan: Plan) -> str:
    assert git.workdir is not None
    engine.apply(git.workdir, plan, throwaway=True)  # the clone: its commit is what lasts
    git.add(plan.files)
    subject = message.render(inputs.message_template, fields(inputs), name="message-template")
    signoff = f"{inputs.identity.name} <{inputs.identity.email}>" if inputs.signoff else ""
    text = message.commit_message(subject, plan, _trailers(inputs), signoff, image_rows(inputs, plan))
    return git.commit(text, identity=inputs.identity)


def _trailers(inputs: Inputs) -> list[tuple[str, str]]:
    sources = dict(inputs.image_sources)
    return message.trailers(inputs.targets, inputs.environment, inputs.source, inputs.extra_trailers, sources)


def image_rows(inputs: Inputs, plan: Plan) -> list[message.ImageRow]:
    """One row per image of the attempt's targets, when the bump lists its images one by one."""
    return message.image_rows(plan, inputs.targets, dict(inputs.image_sources))


def local_result(plan: Plan) -> Result:
    """The result of an edit made in a local checkout (nothing committed or pushed here)."""
    return Result(
        plan.changed,
        files=plan.files,
        changes=plan.changes,
        skipped=plan.skipped,
        diff=message.unified_diff(plan.edits),
        render=plan.render,
    )


def _unpushed(plan: Plan, git: Git, attempt: int) -> Result:
    head = git.rev_parse("HEAD")
    diff = message.unified_diff(plan.edits)
    return Result(
        plan.changed,
        "" if plan.changed else head,
        files=plan.files,
        changes=plan.changes,
        skipped=plan.skipped,
        diff=diff,
        attempts=attempt,
        render=plan.render,
    )


def _pushed(plan: Plan, sha: str, attempt: int) -> Result:
    """A pushed result: no diff (a dry run shows one; a PR body makes its own)."""
    return Result(
        True,
        sha,
        files=plan.files,
        changes=plan.changes,
        skipped=plan.skipped,
        attempts=attempt,
        render=plan.render,
    )


def sparse_patterns(scope: Scope) -> tuple[str, ...]:
    """Check out only the paths in scope (non-cone patterns); everything when no path is given."""
    return tuple(p if p.startswith("/") else "/" + p for p in scope.paths)
