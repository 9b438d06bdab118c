"""bump-manifest: pin a new image in the infra repo (issues: bump engine, write-back)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gitops_ci.bump.model import Scope, Target
from gitops_ci.bump.reference import check_target, parse_set
from gitops_ci.commands import bump_report, bump_writeback
from gitops_ci.commands.base import JSON_OPTION, Command, Context, Values
from gitops_ci.errors import UserError
from gitops_ci.inputs import Option, parse_bool, parse_choice, parse_list
from gitops_ci.secrets import userinfo_secrets


@dataclass(frozen=True)
class EditInputs:
    """bump-manifest's inputs for edit mode, parsed once."""

    infra_dir: Path
    targets: tuple[Target, ...]
    scope: Scope
    on_missing: str = "fail"
    on_invalid: str = "fail"
    dry_run: bool = False


def edit_inputs(ctx: Context, values: Values) -> EditInputs:
    scope = Scope(
        paths=tuple(values["path"]),
        environment=values["environment"] or None,
        kinds=tuple(values["kind"]),
        names=tuple(values["name"]),
        containers=tuple(values["container"]),
        max_file_bytes=values["max_file_size"],
    )
    return EditInputs(
        infra_dir=Path(ctx.cwd, values["infra_dir"]),
        targets=_targets(values),
        scope=scope,
        on_missing=values["on_missing"],
        on_invalid=values["on_invalid"],
        dry_run=values["dry_run"],
    )


def _targets(values: Values) -> tuple[Target, ...]:
    targets = [parse_set(text) for text in values["set"]]
    key_paths = tuple(values["key_path"])
    if values["image"]:
        tag, digest = values["tag"] or None, values["digest"] or None
        main = Target(values["image"], tag, digest, digest_only=values["digest_only"], key_paths=key_paths)
        targets.insert(0, check_target(main))
    elif values["tag"] or values["digest"]:
        raise UserError(
            "--tag/--digest given without --image", fix="add --image REPO, e.g. ghcr.io/acme/shop-api"
        )
    elif key_paths:
        raise UserError("--key-path needs --image", fix="key paths belong to the image given with --image")
    if not targets:
        raise UserError(
            "no image to pin",
            fix="pass --image REPO --tag TAG [--digest sha256:HEX], or --set REPO=TAG[@sha256:HEX]",
        )
    return tuple(targets)


def run_edit(ctx: Context, values: Values) -> int:
    """Edit the infra dir's files in place (or, with --dry-run, show the diff)."""
    from gitops_ci.bump import engine, render_check  # here: `--help` and a bad input need no YAML parser

    inputs = edit_inputs(ctx, values)
    plan = engine.plan(inputs.infra_dir, inputs.targets, inputs.scope, inputs.on_invalid)
    if plan.matched == 0:
        bump_report.missing(
            ctx.console, inputs.infra_dir, inputs.targets, inputs.scope, plan, inputs.on_missing
        )
    settings = bump_writeback.render_settings(ctx, values)
    plan = render_check.check(inputs.infra_dir, plan, inputs.targets, inputs.scope, settings)
    if not inputs.dry_run:
        engine.apply(inputs.infra_dir, plan)
    bump_report.report(ctx.console, plan, dry_run=inputs.dry_run)
    return 0


MODES = {"edit": run_edit, "commit": bump_writeback.run_commit, "pr": bump_writeback.run_pr}


def handle(ctx: Context, values: Values) -> int:
    return MODES[values["mode"]](ctx, values)


COMMAND = Command(
    name="bump-manifest",
    summary="pin a new image tag/digest everywhere the infra repo uses the image",
    description="Finds every place in the infra repo that pins the image and changes only the "
    "bytes of that value, then commits or opens a pull request.",
    options=(
        Option("mode", "edit (local files), commit or pr", parse_choice(("edit", "commit", "pr")), "edit"),
        Option("infra-dir", "the infra repo checkout to edit", default="."),
        Option(
            "infra-repo",
            "OWNER/NAME or a git URL of the infra repo (commit and pr modes)",
            secret_parts=userinfo_secrets,
        ),
        Option("image", "image repository, e.g. ghcr.io/acme/shop-api"),
        Option("tag", "the new tag"),
        Option("digest", "the new digest, sha256:<64 hex>"),
        Option("digest-only", "pin REPO@DIGEST without the tag (needs --digest)", parse_bool, "false"),
        Option("set", "more images, REPO=TAG[@sha256:HEX], one per line", parse_list, multiple=True),
        bump_writeback.PATH_OPTION,
        Option("environment", "environment (overlay folder) to limit the change to"),
        Option(
            "kind",
            "only container images of workloads of these kinds, e.g. Deployment",
            parse_list,
            multiple=True,
        ),
        Option(
            "name", "only container images of workloads with these names (globs)", parse_list, multiple=True
        ),
        Option(
            "container",
            "only container images of containers with these names (globs)",
            parse_list,
            multiple=True,
        ),
        Option(
            "key-path",
            "extra dotted key paths that pin --image, e.g. app.imageTag (`*` matches one level)",
            parse_list,
            multiple=True,
        ),
        bump_writeback.ON_MISSING_OPTION,
        bump_writeback.ON_INVALID_OPTION,
        bump_writeback.RENDER_CHECK_OPTION,
        bump_writeback.MAX_FILE_SIZE_OPTION,
        bump_writeback.DRY_RUN_OPTION,
        bump_writeback.TOKEN_OPTION,
        bump_writeback.ALLOW_DOWNGRADE_OPTION,
        bump_writeback.SOURCE_TIME_OPTION,
        *bump_writeback.OPTIONS,
        JSON_OPTION,
    ),
    handler=handle,
    # What bump_report (edit mode) and bump_writeback (commit, pr) write.
    outputs=(
        ("changed", "true when a pin changed"),
        ("files", "the infra files changed, one per line"),
        ("changes", "each change (file, line, kind, old, new) as JSON"),
        ("commit-sha", "commit and pr modes: the infra commit"),
        ("pr-number", "pr mode: the pull request number"),
        ("pr-url", "pr mode: the pull request URL"),
        ("pr-operation", "pr mode: created, updated or none"),
        ("held", "commit and pr modes: images not pinned because the infra repo runs a newer build"),
    ),
)
