"""promote: read the reference the `from` environment pins for each image and write exactly that
reference into the `to` environment.

Pins are read through the edit engine (`bump.core.pins`, `bump.core.images`) and written through
it; commit and pr modes go through the write-back, whose `prepare` hook reads the `from` pins on
the clone as it is checked out for each attempt: a push that loses a race to another pipeline
reads them again on the new head and re-applies the edit. The refusals and gates run there too,
before anything is committed, so a refused promotion pushes nothing.
"""

from __future__ import annotations

import contextlib
import tempfile
from datetime import datetime
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterator, Sequence

from gitops_ci.doors.git import Git
from gitops_ci.engines.bump import core as engine
from gitops_ci.engines.bump.model import Inputs as EditInputs
from gitops_ci.engines.bump.model import Scope
from gitops_ci.engines.bump.model import Services as EditServices
from gitops_ci.engines.promote import rules, text
from gitops_ci.engines.promote.model import Found, Inputs, Promotion, Result, Services
from gitops_ci.engines.verify import core as verify
from gitops_ci.engines.verify.model import Inputs as VerifyInputs
from gitops_ci.engines.verify.model import Target as VerifyTarget
from gitops_ci.engines.writeback import core as writeback
from gitops_ci.engines.writeback import history
from gitops_ci.errors import UserError
from gitops_ci.inputs import utc_time


def run(inputs: Inputs, services: Services) -> Result:
    rules.check_environments(inputs.from_env, inputs.to_env)
    rules.check_selection(inputs.images, inputs.every)
    if inputs.writeback is None:
        return _edit(inputs, services)
    return _write_back(inputs, inputs.writeback, services)


def scopes(inputs: Inputs) -> tuple[Scope, Scope]:
    """Where `from` and `to` are read: the same path globs, each environment's files."""
    return (
        Scope(paths=inputs.paths, environment=inputs.from_env, max_file_bytes=inputs.max_file_bytes),
        Scope(paths=inputs.paths, environment=inputs.to_env, max_file_bytes=inputs.max_file_bytes),
    )


# -- commit and pr modes: the write-back, with the hook --------------------------------------
def _write_back(inputs: Inputs, given: writeback.Inputs, services: Services) -> Result:
    reader = Reader(inputs, services, infra_repo=given.full_name, repo_url=given.repo_url)

    def prepare(git: Git, attempt: writeback.Inputs) -> writeback.Inputs:
        assert git.workdir is not None
        return attempt_inputs(attempt, inputs, reader.read(git.workdir, git))

    wb = replace(
        given,
        targets=(),
        scope=scopes(inputs)[1],
        environment=inputs.to_env,
        prepare=prepare,
        full_history=True,
        # A promotion copies what `from` runs, by design (a rollback by promotion too): the
        # downgrade guard of `to` does not apply.
        allow_downgrade=True,
        placeholders=(*given.placeholders, ("from_environment", inputs.from_env)),
    )
    svc = writeback.Services(services.redactor, services.environ, services.log, services.warn, services.sleep)
    written = writeback.run(wb, svc)
    return result(reader.found, written)


def attempt_inputs(given: writeback.Inputs, inputs: Inputs, found: Found) -> writeback.Inputs:
    """The write-back's inputs for one attempt: the images that differ, the build they run, the
    Promoted-From trailers and the table for the pull request."""
    changed = [p for p in found.promotions if p.differs]
    return replace(
        given,
        targets=tuple(p.target for p in changed),
        source=rules.source(given.source, changed),
        extra_trailers=(*given.extra_trailers, *rules.trailers(inputs.from_env, changed)),
        description=text.description(
            changed, inputs.from_env, inputs.to_env, inputs.server_url, given.full_name
        ),
    )


def result(found: Found, written: writeback.Result) -> Result:
    """The promotions the write changed (a racing pipeline may have made some already)."""
    done = {change.repository for change in written.changes}
    return Result(tuple(p for p in found.promotions if p.target.repository in done), found, written)


# -- edit mode: a local checkout --------------------------------------------------------------
def _edit(inputs: Inputs, services: Services) -> Result:
    assert inputs.infra_dir is not None
    root = inputs.infra_dir
    git = None
    if (root / ".git").exists():
        git = Git(url="", token="", redactor=services.redactor, environ=services.environ, workdir=root)
    found = Reader(inputs, services).read(root, git)
    changed = tuple(p.target for p in found.promotions if p.differs)
    if not changed:
        return Result((), found, writeback.Result(False))
    edit = EditInputs(
        root,
        changed,
        scopes(inputs)[1],
        on_invalid=inputs.on_invalid,
        dry_run=inputs.dry_run,
        render_check=inputs.render_check,
    )
    plan = engine.run(
        edit, EditServices(services.redactor, services.environ, services.log, services.warn)
    ).plan
    written = writeback.local_result(plan)
    return result(found, written)


# -- reading a tree ---------------------------------------------------------------------------
@dataclass
class Reader:
    """Reads the promotions of a tree, attempt after attempt; the last read is kept."""

    inputs: Inputs
    services: Services
    infra_repo: str = ""  # OWNER/NAME, for links
    repo_url: str = ""  # the infra repo's URL, to find the `from` applications
    found: Found = Found()
    healthy: set[str] = field(default_factory=set)  # revisions the `from` applications passed at

    def read(self, tree: Path, git: Git | None) -> Found:
        found = read(tree, git, self.inputs, self.services.clock())
        self._check_health(git, found)
        self.found = found
        return found

    def _check_health(self, git: Git | None, found: Found) -> None:
        """require-healthy: the `from` applications run the deploy commit (or a later one) and
        are healthy (the verify engine, once per revision)."""
        health, backend = self.inputs.health, self.services.backend
        changed = [p for p in found.promotions if p.differs]
        if health is None or not changed:
            return
        if backend is None:
            raise UserError(
                "require-healthy needs the GitOps controller's API",
                fix="pass argocd-server and argocd-token, or set require-healthy: false",
            )
        revision = newest(changed, found.read_at)
        if revision in self.healthy:
            return
        files = tuple(sorted({name for p in changed for name in p.files}))
        target = VerifyTarget(revision, health.applications, self.repo_url, files)
        ancestry = verify.exact if git is None else lambda wanted, seen: bool(git.is_ancestor(wanted, seen))
        services = verify.Services(backend, ancestry, sleep=self.services.sleep, log=self.services.log)
        checked = verify.run(VerifyInputs(target, health.timing), services)
        if not checked.healthy:
            raise UserError(
                f"not promoted: {self.inputs.from_env} is not healthy at infra commit {revision[:12]}",
                why=checked.problem,
                fix=f"fix {self.inputs.from_env} first (or wait for it to sync), then promote again; "
                + rules.NOTHING_PUSHED,
            )
        self.healthy.add(revision)


def newest(promotions: Sequence[Promotion], read_at: str) -> str:
    """The infra commit the `from` applications must run (or a later one): the newest deploy
    commit of the images promoted; the commit read when one of them has none."""
    best: tuple[datetime, str] | None = None
    for promotion in promotions:
        when = utc_time(promotion.deployed.when) if promotion.deployed else None
        if when is None:
            return read_at
        if best is None or when > best[0]:
            best = (when, promotion.from_commit)
    return best[1] if best else read_at


def read(tree: Path, git: Git | None, inputs: Inputs, now: float) -> Found:
    """Every image's promotion in this tree: the reference `from` pins (at `from_commit` when
    given), what `to` pins, the deploy commit from the trailers; refusals and min-soak checked."""
    from_scope, to_scope = scopes(inputs)
    head = git.rev_parse("HEAD") if git is not None else ""
    at = _resolve(git, inputs.from_commit) if inputs.from_commit else head
    deployments = history.parse_log(git.log(history.LOG_FORMAT, at)) if git is not None and at else []
    with _tree_at(git, tree, at, head) as from_tree:
        repositories, only_from = _repositories(inputs, from_tree, tree, from_scope, to_scope)
        from_pins = engine.pins(from_tree, repositories, from_scope, inputs.on_invalid)
    to_pins = engine.pins(tree, repositories, to_scope, inputs.on_invalid)
    promotions = []
    for repository in repositories:
        mine = [pin for pin in from_pins if pin.repository == repository]
        theirs = [pin for pin in to_pins if pin.repository == repository]
        if inputs.every and not (rules.holding(mine) and rules.holding(theirs)):
            continue  # --all compares versions: a place that names the image alone holds none
        target = rules.reference(repository, inputs.from_env, mine)
        rules.check_in_target(inputs.from_env, inputs.to_env, repository, theirs)
        promotions.append(
            Promotion(
                target,
                rules.olds(repository, theirs),
                rules.differs(target, theirs),
                files=tuple(sorted({pin.file for pin in mine})),
                deployed=rules.deployed(deployments, inputs.from_env, target),
                read_at=at,
            )
        )
    changed = [p for p in promotions if p.differs]
    if inputs.require_digest:
        rules.check_digest(inputs.from_env, changed)
    rules.check_soak(inputs.from_env, changed, inputs.min_soak, now)
    return Found(tuple(promotions), only_from, at)


def _repositories(
    inputs: Inputs, from_tree: Path, tree: Path, from_scope: Scope, to_scope: Scope
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The images to promote (--all: those both environments pin) and, for --all, those only
    `from` pins."""
    if not inputs.every:
        return inputs.images, ()
    mine, theirs = engine.images(from_tree, from_scope), engine.images(tree, to_scope)
    for env, found in ((inputs.from_env, mine), (inputs.to_env, theirs)):
        if not found:
            raise UserError(
                f"the {env} environment pins no image",
                why=f"no file of {env} (a folder named {env}, or a file with {env} in its name) pins one",
                fix="check --from and --to (the overlay folders) and --path; " + rules.NOTHING_PUSHED,
            )
    return tuple(r for r in mine if r in theirs), tuple(r for r in mine if r not in theirs)


def _resolve(git: Git | None, commit: str) -> str:
    """--from-commit: the full SHA of a commit of the branch's history."""
    if git is None:
        raise UserError(
            "--from-commit needs the infra repo's history",
            fix="run promote in a clone of the infra repo (--infra-dir), or in commit or pr mode",
        )
    full = git.resolve(commit)
    if full is None or not git.is_ancestor(full, "HEAD"):
        raise UserError(
            f"--from-commit {commit} is not a commit of the infra repo's branch",
            why="promote reads the `from` pins at an earlier commit of the branch it writes to",
            fix="pick an infra commit that `gitops-ci history --environment ENV` lists; "
            + rules.NOTHING_PUSHED,
        )
    return full


@contextlib.contextmanager
def _tree_at(git: Git | None, tree: Path, at: str, head: str) -> Iterator[Path]:
    """The tree at `at`: this one at the head, else a working tree of it beside this one."""
    if git is None or at == head:
        yield tree
        return
    with tempfile.TemporaryDirectory(prefix="gitops-ci-promote-", ignore_cleanup_errors=True) as tmp:
        path = Path(tmp) / "from"
        git.add_worktree(path, at)
        try:
            yield path
        finally:
            git.remove_worktree(path)
