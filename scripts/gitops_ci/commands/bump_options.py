"""What bump-manifest and rollback share: their inputs, spelled once, their parsing into the
edit engine's terms (targets, scope, its Inputs) and the edit engine's Services."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gitops_ci.commands.base import Context, Values
from gitops_ci.doors.git import BOT_EMAIL, BOT_NAME
from gitops_ci.engines.writeback import message
from gitops_ci.errors import UserError
from gitops_ci.inputs import (
    deferred_choice,
    Option,
    parse_bool,
    parse_choice,
    parse_int,
    parse_list,
    parse_seconds,
    parse_size,
    parse_time,
)

if TYPE_CHECKING:  # the edit engine's model loads when an input is parsed: `--help` needs none of it
    from gitops_ci.commands.set_from import Builds
    from gitops_ci.engines.bump.model import Inputs, Services, Target


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
    deferred_choice("gitops_ci.engines.bump.model", "RENDER_CHECK_MODES"),
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

# bump-manifest's images from build metadata (commands/set_from.py): many services in one bump.
SET_FROM_OPTIONS = (
    Option(
        "set-from",
        "a folder of build metadata files, one <service>.json per build (build-and-push's `metadata` "
        "output): each pins its image at its version and digest",
    ),
    Option(
        "expect-builds",
        "set-from: the services whose builds the plan expected, comma or newline separated; when one's "
        "file is missing the run deploys nothing, unless partial",
        parse_list,
    ),
    Option(
        "partial",
        "set-from: deploy the builds present when expected ones are missing (a warning names them)",
        parse_bool,
        "false",
    ),
)

# How both commands edit, in the order their inputs are listed.
EDIT_OPTIONS = (
    ON_MISSING_OPTION,
    ON_INVALID_OPTION,
    RENDER_CHECK_OPTION,
    MAX_FILE_SIZE_OPTION,
    DRY_RUN_OPTION,
    TOKEN_OPTION,
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


def read_builds(ctx: Context, values: Values) -> Builds | None:
    """--set-from's builds, held to --expect-builds (None without --set-from); what the log
    should know about them is said here, before any file is edited."""
    folder = str(values.get("set_from") or "")
    if not folder:
        for name in ("expect_builds", "partial"):
            if values.get(name):
                raise UserError(
                    f"{name.replace('_', '-')} given without set-from",
                    fix="pass set-from with the folder of build metadata files, or leave it out",
                )
        return None
    from gitops_ci.commands import set_from

    builds = set_from.read(Path(ctx.cwd, folder), folder, tuple(values["expect_builds"]), values["partial"])
    console = ctx.console
    if builds.missing:
        console.warning(
            f"partial: {len(builds.missing)} expected build(s) missing, not deployed: "
            f"{', '.join(builds.missing)}; deploying the {len(builds.builds)} present"
        )
    if builds.unexpected:
        console.info(f"deploying builds the plan did not expect: {', '.join(builds.unexpected)}")
    for build in builds.builds:
        if not build.pushed:
            console.warning(
                f"{build.file}: build-and-push did not push this build (pushed: false); pinning "
                f"{build.target.reference}, which its registry may not hold"
            )
    console.info(f"set-from {folder}: {len(builds.builds)} build(s): {', '.join(builds.services)}")
    return builds


def image_sources(
    targets: tuple[Target, ...], builds: Builds | None, commit: str
) -> tuple[tuple[str, str], ...]:
    """Each target's repository and the commit its build came from (its metadata's revision
    label, else the run's ``commit``), when the run lists its images one by one: several, or
    any from --set-from; () for one image given alone, whose output stays as it was."""
    if builds is None and len(targets) < 2:
        return ()
    revisions = builds.revisions() if builds is not None else {}
    return tuple((t.repository, revisions.get(t.repository) or commit) for t in targets)


def edit_inputs(ctx: Context, values: Values, builds: Builds | None = None) -> Inputs:
    """bump-manifest's inputs as the edit engine's (its commit and pr modes take the targets
    and the scope from them); ``builds``: those read from --set-from."""
    from gitops_ci.engines.bump.model import Inputs, Scope

    scope = Scope(
        paths=tuple(values["path"]),
        environment=values["environment"] or None,
        kinds=tuple(values["kind"]),
        names=tuple(values["name"]),
        containers=tuple(values["container"]),
        max_file_bytes=values["max_file_size"],
    )
    return Inputs(
        infra_dir=Path(ctx.cwd, values["infra_dir"]),
        targets=_targets(values, builds),
        scope=scope,
        on_missing=values["on_missing"],
        on_invalid=values["on_invalid"],
        dry_run=values["dry_run"],
        render_check=values["render_check"],
    )


def edit_services(ctx: Context) -> Services:
    """The edit engine's Services for an edit in place (edit mode, local rollback): the
    renderer's command lines in the debug log."""
    from gitops_ci.engines.bump.model import Services

    console = ctx.console
    return Services(console.redactor, ctx.environ, log=console.debug, warn=console.warning)


def _targets(values: Values, builds: Builds | None = None) -> tuple[Target, ...]:
    from gitops_ci.engines.bump.model import Target
    from gitops_ci.engines.bump.reference import check_target, parse_set

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
    if builds is not None:
        targets += _from_builds(targets, builds)
    if not targets:
        raise UserError(
            "no image to pin",
            fix="pass --image REPO --tag TAG [--digest sha256:HEX], or --set REPO=TAG[@sha256:HEX]",
        )
    return tuple(targets)


def _from_builds(given: list[Target], builds: Builds) -> list[Target]:
    """The builds' targets; an image also given with --image or --set is an error."""
    from gitops_ci.engines.bump.reference import normalize_name

    named = {normalize_name(target.repository) for target in given}
    twice = [b for b in builds.builds if normalize_name(b.target.repository) in named]
    if twice:
        raise UserError(
            "given twice: " + ", ".join(f"{b.target.repository} (--image/--set and {b.file})" for b in twice),
            fix="pin each image once per run: leave it out of --image/--set or remove its metadata file",
        )
    return [build.target for build in builds.builds]


# The outputs of a command that writes pins back (bump-manifest, promote), as action.yml lists them.
WRITE_OUTPUTS = (
    ("changed", "true when a pin changed"),
    ("files", "the infra files changed, one per line"),
    ("changes", "each change (file, line, kind, old, new) as JSON"),
    ("commit-sha", "commit and pr modes: the infra commit"),
    ("pr-number", "pr mode: the pull request number"),
    ("pr-url", "pr mode: the pull request URL"),
    ("pr-operation", "pr mode: created, updated or none"),
)
