"""A promotion's first checks, on its inputs alone (two environments, images or --all): they
import nothing else, so the command runs them before the engine loads (`rules` holds the rest)."""

from __future__ import annotations

from typing import Sequence

from gitops_ci.errors import UserError

NOTHING_PUSHED = "nothing was pushed"


def check_environments(from_env: str, to_env: str) -> None:
    if not from_env or not to_env:
        raise UserError(
            "promote needs the environment to promote from and the one to promote to",
            fix="pass --from ENV --to ENV, e.g. --from staging --to production (the overlay folders)",
        )
    if from_env == to_env:
        raise UserError(
            f"--from and --to are both {from_env!r}",
            why="a promotion copies the reference one environment pins into another",
            fix="name two different environments, e.g. --from staging --to production; " + NOTHING_PUSHED,
        )


def check_selection(images: Sequence[str], every: bool) -> None:
    if every and images:
        raise UserError("give --image or --all, not both", fix="--all promotes every image that differs")
    if not every and not images:
        raise UserError(
            "no image to promote",
            fix="pass --image REPO (once per image), e.g. --image ghcr.io/acme/api, or --all",
        )
