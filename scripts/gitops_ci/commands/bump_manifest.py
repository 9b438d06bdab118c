"""bump-manifest: pin a new image in the infra repo (issues: bump engine, write-back)."""

from __future__ import annotations

from gitops_ci.commands import bump_options
from gitops_ci.commands.base import JSON_OPTION, Command, Context, Values
from gitops_ci.inputs import Option, parse_bool, parse_choice, parse_list
from gitops_ci.secrets import userinfo_secrets


def run_edit(ctx: Context, values: Values) -> int:
    """Edit the infra dir's files in place (or, with --dry-run, show the diff)."""
    from gitops_ci.engines.bump.infra import check_infra_dir

    builds = bump_options.read_builds(ctx, values)
    inputs = bump_options.edit_inputs(ctx, values, builds)
    check_infra_dir(inputs.infra_dir)  # the engine's first check, before it loads
    from gitops_ci.commands import bump_report
    from gitops_ci.engines.bump import core as engine  # here: `--help` and a bad input need no YAML parser
    from gitops_ci.engines.writeback import message

    result = engine.run(inputs, bump_options.edit_services(ctx))
    run = ctx.run
    sources = bump_options.image_sources(inputs.targets, builds, run.sha)
    rows = message.image_rows(result.plan, inputs.targets, dict(sources))
    source = message.Source(run.repository, run.sha, server_url=run.server_url)
    bump_report.report(
        ctx.console, result.plan, dry_run=inputs.dry_run, rows=rows, builds=builds, source=source
    )
    return 0


def run_writeback(ctx: Context, values: Values) -> int:
    """Commit the edit to the infra repo, or open a pull request with it."""
    from gitops_ci.commands import bump_writeback  # the write-back's edge: not needed by edit mode

    return bump_writeback.run(ctx, values)


MODES = {"edit": run_edit, "commit": run_writeback, "pr": run_writeback}


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
        *bump_options.SET_FROM_OPTIONS,
        bump_options.PATH_OPTION,
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
        *bump_options.EDIT_OPTIONS,
        bump_options.ALLOW_DOWNGRADE_OPTION,
        bump_options.SOURCE_TIME_OPTION,
        *bump_options.OPTIONS,
        JSON_OPTION,
    ),
    handler=handle,
    # What bump_report (edit mode) and bump_writeback (commit, pr) write.
    outputs=(
        *bump_options.WRITE_OUTPUTS,
        ("held", "commit and pr modes: images not pinned because the infra repo runs a newer build"),
        ("deployed", "set-from: the services whose builds were pinned, one per line"),
        ("missing", "set-from: the expected services without build metadata (not deployed), one per line"),
    ),
)
