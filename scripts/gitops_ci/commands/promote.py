"""promote: write the exact reference one environment pins into the next (issue 15).

The edge: options in, the promote engine's Inputs out (the write-back's inputs built as
bump-manifest builds them, the controller's backend as verify-deployment builds it), then
`engines.promote.core.run`, then `promote_report`. Heavy imports stay inside the handler.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitops_ci.commands import bump_options, bump_writeback, verify_deployment
from gitops_ci.commands.base import JSON_OPTION, Command, Context, Values
from gitops_ci.engines.writeback import message
from gitops_ci.inputs import Option, parse_bool, parse_choice, parse_commit, parse_duration, parse_list
from gitops_ci.secrets import userinfo_secrets

if TYPE_CHECKING:
    from gitops_ci.engines.promote.model import Health, Inputs, Services

MESSAGE = "Promote {image_name}:{tag} from {from_environment}{to_environment}"
BRANCH = "gitops-ci/promote/{environment}/{image_name}"
# verify-deployment's inputs that require-healthy uses, as that command declares them.
VERIFY_INPUTS = ("argocd-server", "argocd-token", "controller", "poll-interval", "degraded-grace")
VERIFY_TLS = ("insecure", "ca-bundle")


def promote_inputs(ctx: Context, values: Values) -> Inputs:
    """The engine's Inputs, checked in the engine's order (the write-back's inputs, the images,
    the environments, images or --all) before its model and core load."""
    from gitops_ci.engines.bump.reference import check_repository
    from gitops_ci.engines.promote import checks

    wb = None
    if values["mode"] != "edit":
        from gitops_ci.engines.bump.model import Scope

        # The write-back's inputs as bump-manifest's: the engine sets the targets, scope and trailers.
        shared = {**values, "environment": values["to"].strip(), "on_missing": "fail"}
        wb = bump_writeback.writeback_inputs(ctx, shared, (), Scope())
    images = tuple(check_repository(image) for image in values["image"])
    checks.check_environments(values["from"].strip(), values["to"].strip())
    checks.check_selection(images, values["all"])
    from gitops_ci.engines.promote.model import Inputs

    return Inputs(
        from_env=values["from"].strip(),
        to_env=values["to"].strip(),
        images=images,
        every=values["all"],
        from_commit=values["from_commit"],
        require_digest=values["require_digest"],
        min_soak=values["min_soak"],
        health=_health(values),
        paths=tuple(values["path"]),
        max_file_bytes=values["max_file_size"],
        on_invalid=values["on_invalid"],
        render_check=values["render_check"],
        dry_run=values["dry_run"],
        infra_dir=Path(ctx.cwd, values["infra_dir"]) if values["mode"] == "edit" else None,
        writeback=wb,
        server_url=ctx.run.server_url,
    )


def _health(values: Values) -> Health | None:
    from gitops_ci.engines.promote.model import Health
    from gitops_ci.engines.verify.model import Timing

    if not values["require_healthy"]:
        return None
    timing = Timing(values["healthy_timeout"], values["poll_interval"], values["degraded_grace"])
    return Health(tuple(values["applications"]), timing)


def services(ctx: Context, values: Values) -> Services:
    from gitops_ci.engines.promote.model import Services

    console = ctx.console
    backend = None
    if values["require_healthy"]:
        server = verify_deployment.required(values, "argocd_server", verify_deployment.SERVER_FIX)
        token = verify_deployment.required(values, "argocd_token", verify_deployment.TOKEN_FIX)
        backend = verify_deployment.make_backend(ctx, values, server, token, values["poll_interval"])
    return Services(console.redactor, ctx.environ, log=console.info, warn=console.warning, backend=backend)


def handle(ctx: Context, values: Values) -> int:
    inputs = promote_inputs(ctx, values)  # first: a bad input is refused before the engine loads
    from gitops_ci.commands import promote_report
    from gitops_ci.engines.promote import core

    result = core.run(inputs, services(ctx, values))
    promote_report.report(ctx.console, result, inputs)
    return 0


def _verify_options() -> tuple[Option, ...]:
    """require-healthy's inputs: verify-deployment's own, and its applications and timeout."""
    theirs = {option.name: option for option in verify_deployment.COMMAND.options}
    applications = theirs["applications"].replace(
        help="require-healthy: the from environment's Argo CD applications (NAME or NAMESPACE/NAME); "
        "default: those whose source has infra-repo's URL and a path holding a file that pins the images",
    )
    timeout = Option(
        "healthy-timeout",
        "require-healthy: seconds to wait for the from applications to be healthy",
        verify_deployment.WAIT_SECONDS,
        "300",
    )
    return (
        *(theirs[name] for name in VERIFY_INPUTS[:2]),
        applications,
        *(theirs[name] for name in VERIFY_INPUTS[2:]),
        timeout,
        *(theirs[name] for name in VERIFY_TLS),
    )


def _write_options() -> tuple[Option, ...]:
    """bump-manifest's commit and PR inputs, with promote's own subject and branch."""
    defaults: dict[str, tuple[str, str]] = {
        "message-template": (
            MESSAGE,
            f"commit subject / PR title; placeholders: {message.PLACEHOLDERS}, from_environment",
        ),
        "branch-template": (BRANCH, "pr mode: the PR branch name (one PR per image and target environment)"),
    }
    out: list[Any] = []
    for option in bump_options.OPTIONS:
        default, help_text = defaults.get(option.name, (option.default, option.help))
        out.append(option.replace(default=default, help=help_text))
    return tuple(out)


COMMAND = Command(
    name="promote",
    summary="copy the exact image one environment runs into the next (tag@digest as pinned)",
    description="Reads the reference the from environment pins for each image and writes exactly that "
    "reference into the to environment, only the value bytes changing, as a commit or a pull request; "
    "refuses when from pins several references, the image is not in to, or a gate (digest, soak "
    "time, health) says no.",
    options=(
        Option("mode", "edit (local files), commit or pr", parse_choice(("edit", "commit", "pr")), "edit"),
        Option(
            "infra-dir", "edit mode: the infra repo checkout to edit (with history for min-soak)", default="."
        ),
        Option(
            "infra-repo",
            "OWNER/NAME or a git URL of the infra repo (commit and pr modes)",
            secret_parts=userinfo_secrets,
        ),
        Option("from", "the environment (overlay folder) whose pins are promoted, e.g. staging"),
        Option("to", "the environment (overlay folder) they are written into, e.g. production"),
        Option(
            "image",
            "image repository to promote, e.g. ghcr.io/acme/api (several: repeat, or one per line)",
            parse_list,
            multiple=True,
        ),
        Option(
            "all",
            "promote every image whose pin differs between the two environments, in one commit or PR",
            parse_bool,
            "false",
        ),
        Option(
            "from-commit",
            "read the from environment at this earlier infra commit (a rollback by promotion)",
            parse_commit,
        ),
        Option("require-digest", "refuse a from reference that has no digest", parse_bool, "false"),
        Option(
            "min-soak",
            "refuse an image that has run in from for less than this, e.g. 30m, 2h, 1d or seconds "
            "(from its deploy commit's time in the trailers)",
            parse_duration,
        ),
        Option(
            "require-healthy",
            "first check that the from environment's applications are Synced and Healthy at the "
            "deploy commit (verify-deployment's check; needs argocd-server and argocd-token)",
            parse_bool,
            "false",
        ),
        *_verify_options(),
        bump_options.PATH_OPTION,
        bump_options.ON_INVALID_OPTION,
        bump_options.RENDER_CHECK_OPTION,
        bump_options.MAX_FILE_SIZE_OPTION,
        bump_options.DRY_RUN_OPTION,
        bump_options.TOKEN_OPTION,
        *_write_options(),
        JSON_OPTION,
    ),
    handler=handle,
    outputs=(
        *bump_options.WRITE_OUTPUTS,
        (
            "promoted",
            "JSON list, one item per image promoted: image, from_ref, old, new, source_commit, "
            "source_repository, from_commit",
        ),
    ),
    icon="fast-forward",
)
