"""history: who deployed what, when, read from the infra repo's commit trailers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gitops_ci.commands.base import JSON_OPTION, Command, Context, Values
from gitops_ci.errors import UserError
from gitops_ci.inputs import Option

if TYPE_CHECKING:  # the history and git load when the log is read: `--help` needs neither
    from gitops_ci.engines.writeback import history


def read(ctx: Context, infra_dir: Path) -> list[history.Deployment]:
    if not (infra_dir / ".git").exists():
        raise UserError(
            f"{infra_dir} is not a git checkout", fix="pass --infra-dir of a clone of the infra repo"
        )
    from gitops_ci.doors.git import Git
    from gitops_ci.engines.writeback import history

    git = Git(url="", token="", redactor=ctx.console.redactor, environ=ctx.environ, workdir=infra_dir)
    return history.parse_log(git.log(history.LOG_FORMAT, "HEAD"))


def handle(ctx: Context, values: Values) -> int:
    deployments = read(ctx, Path(ctx.cwd, values["infra_dir"]))  # first: no checkout, no history loaded
    from gitops_ci.engines.writeback import history

    found = history.select(deployments, values["image"], values["environment"])
    text = history.table(found) if found else "No deployments recorded (no Image: trailers match)."
    ctx.console.result({"deployments": [d.as_dict() for d in found]}, text)
    return 0


COMMAND = Command(
    name="history",
    summary="list deployments recorded in the infra repo's commit trailers",
    description="Reads the Image:, Source-Commit:, Deployed-By: and Environment: trailers that "
    "bump-manifest writes, newest first.",
    options=(
        Option("infra-dir", "a clone of the infra repo (with history)", default="."),
        Option("image", "only this image repository"),
        Option("environment", "only this environment"),
        JSON_OPTION,
    ),
    handler=handle,
)
