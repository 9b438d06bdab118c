"""rollback: restore an earlier image with a new forward commit (or PR) carrying `Rollback-Of:`.

GitOps-friendly: history is never rewritten; the cluster syncs the new commit like any bump.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitops_ci.commands import bump_options
from gitops_ci.commands.base import JSON_OPTION, Command, Context, Values
from gitops_ci.errors import UserError
from gitops_ci.inputs import Option, parse_choice
from gitops_ci.secrets import userinfo_secrets

if TYPE_CHECKING:  # the history, the edit engine and the write-back load when a rollback runs
    from gitops_ci.engines.bump.model import Scope, Target
    from gitops_ci.engines.writeback import history, message


def handle(ctx: Context, values: Values) -> int:
    if not values["image"]:
        raise UserError(
            "rollback needs --image", fix="pass the image repository, e.g. --image ghcr.io/acme/shop-api"
        )
    from gitops_ci.engines.bump.model import Scope

    scope = Scope(
        paths=tuple(values["path"]),
        environment=values["environment"] or None,
        max_file_bytes=values["max_file_size"],
    )
    if values["infra_repo"]:
        return _remote(ctx, values, scope)
    return _local(ctx, values, scope, Path(ctx.cwd, values["infra_dir"]))


def _choose(
    deployments: list[history.Deployment], values: Values
) -> tuple[Target, history.Deployment, history.Deployment | None]:
    """The image to restore, the deployment it replaces, and the recorded one it restores."""
    from gitops_ci.engines.writeback import history

    mine = history.select(deployments, values["image"], values["environment"])
    target, current = history.rollback_target(mine, values["image"], values["to"])
    return target, current, history.recorded(mine, target)


def _restored(run: message.Source, restored: history.Deployment | None) -> message.Source:
    """The trailers name the build the pin runs again (its source commit and time), not the
    rollback run's; the downgrade guard of later bumps compares against that build."""
    if restored is None:
        return run.replace(repository="", commit="", time="")
    return run.replace(
        repository=restored.source_repository,
        commit=restored.source_commit,
        time=restored.source_time,
    )


def _remote(ctx: Context, values: Values, scope: Scope) -> int:
    import tempfile

    from gitops_ci.commands import bump_writeback
    from gitops_ci.commands.history import read
    from gitops_ci.doors.git import Git
    from gitops_ci.engines.bump.model import Target

    probe = bump_writeback.writeback_inputs(ctx, values, (Target(values["image"], "probe"),), scope)
    with tempfile.TemporaryDirectory(prefix="gitops-ci-history-") as tmp:
        git = Git(
            url=probe.repo_url,
            token=probe.token,
            username=probe.username,
            redactor=ctx.console.redactor,
            environ=ctx.environ,
            workdir=Path(tmp) / "infra",
            log=ctx.console.debug,
        )
        git.clone(probe.base_branch or git.default_branch(), sparse=("/.gitops-ci-none",), depth=None)
        target, current, restored = _choose(read(ctx, git.workdir or Path(tmp)), values)
    ctx.console.info(
        f"rolling back {current.image} (infra commit {current.infra_commit[:12]}) to {target.reference}"
    )
    from dataclasses import replace  # the write-back's Inputs: a dataclass

    from gitops_ci.engines.writeback import (
        core as writeback,
    )  # here, as in bump-manifest: `--help` starts without it

    # A rollback replaces a newer build by design: the downgrade guard is off.
    allowed = {**values, "allow_downgrade": True}
    extra = (("Rollback-Of", current.infra_commit),)
    inputs = bump_writeback.writeback_inputs(ctx, allowed, (target,), scope, extra)
    inputs = replace(inputs, source=_restored(inputs.source, restored))
    result = writeback.run(inputs, bump_writeback.services(ctx))
    bump_writeback.report(ctx.console, result, dry_run=inputs.dry_run)
    return 0


def _local(ctx: Context, values: Values, scope: Scope, infra_dir: Path) -> int:
    from gitops_ci.commands.history import read

    target, current, restored = _choose(read(ctx, infra_dir), values)
    # The edit engine and the write-back load once the checkout's history names the image to restore.
    from gitops_ci.commands import bump_writeback
    from gitops_ci.doors.git import Git, Identity
    from gitops_ci.engines.bump import core as engine, render_check
    from gitops_ci.engines.writeback import core as writeback, message

    plan = engine.plan(infra_dir, (target,), scope, values["on_invalid"])
    services = bump_options.edit_services(ctx)
    plan = render_check.check(infra_dir, plan, (target,), scope, values["render_check"], services)
    result = writeback.local_result(plan)
    if plan.changed and not values["dry_run"]:
        engine.apply(infra_dir, plan)
        git = Git(url="", token="", redactor=ctx.console.redactor, environ=ctx.environ, workdir=infra_dir)
        git.add(plan.files)
        source = _restored(bump_writeback.run_source(ctx, values), restored)
        pairs = message.trailers(
            (target,), values["environment"], source, (("Rollback-Of", current.infra_commit),)
        )
        subject = f"Roll back {target.repository} to {target.reference.split('/')[-1]}"
        identity = Identity(values["author_name"], values["author_email"])
        sha = git.commit(message.commit_message(subject, plan, pairs), identity=identity)
        result = writeback.Result(
            True,
            sha,
            files=plan.files,
            changes=plan.changes,
            skipped=plan.skipped,
            diff=result.diff,
            attempts=1,
            render=plan.render,
        )
    bump_writeback.report(ctx.console, result, dry_run=values["dry_run"])
    return 0


def _options() -> tuple[Option, ...]:
    own: tuple[Any, ...] = (
        Option("mode", "commit or pr (with --infra-repo)", parse_choice(("commit", "pr")), "commit"),
        Option(
            "infra-repo",
            "OWNER/NAME or a git URL: roll back remotely with a pushed commit or a PR",
            secret_parts=userinfo_secrets,
        ),
        Option("infra-dir", "or a local clone (with history): commit the rollback there", default="."),
        Option("image", "image repository to roll back"),
        Option("environment", "environment (overlay folder) to roll back"),
        Option("to", "previous, a TAG, or an INFRA_COMMIT whose image to restore", default="previous"),
        bump_options.PATH_OPTION,
        *bump_options.EDIT_OPTIONS,
    )
    return (*own, *bump_options.OPTIONS, JSON_OPTION)


COMMAND = Command(
    name="rollback",
    summary="restore an earlier image with a new forward commit or PR (Rollback-Of: trailer)",
    description="Reads the deployments recorded in the infra repo's trailers and pins the chosen "
    "earlier image again, as a new commit; history is never rewritten.",
    options=_options(),
    handler=handle,
)
