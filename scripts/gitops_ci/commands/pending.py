"""Commands whose issue has not landed yet: they say so and fail, never pretend to succeed."""

from __future__ import annotations

from gitops_ci.commands.base import Context, Handler, Values
from gitops_ci.errors import UserError


def not_implemented(name: str) -> Handler:
    def handler(ctx: Context, values: Values) -> int:
        raise UserError(
            f"gitops-ci {name} is not implemented yet",
            why="this release of gitops-ci ships the command's interface but not its work",
            fix=f"leave the {name} stage out of the workflow until a release implements it",
        )

    return handler
