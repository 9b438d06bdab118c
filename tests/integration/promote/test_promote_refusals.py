"""Each refusal is a clear error, and nothing is pushed: the infra repo's head stays where it was."""

from __future__ import annotations

from typing import Callable

import pytest

from integration.promote.conftest import API, DEPLOYMENT, digest
from testing.bump_cli import INFRA, Cli
from testing.forge import Forge
from testing.git_http import GitServer

PROMOTE = ("promote", "--mode", "commit", "--infra-repo", INFRA, "--from", "staging", "--to", "production")
CANARY = f"{API}:1.5.0-rc.1@{digest('c')}"
STAGED = f"{API}:1.4.2@{digest('a')}"
EXTRA = "ghcr.io/acme/extra"


def _staging(infra: Forge, files: dict[str, str]) -> None:
    infra.commit(INFRA, "main", files, "staging by hand")


def _two_references(infra: Forge) -> None:
    _staging(
        infra,
        {
            "envs/staging/api.yaml": DEPLOYMENT.format(image=STAGED),
            "envs/staging/canary.yaml": DEPLOYMENT.format(image=CANARY),
        },
    )


def _staging_only(infra: Forge) -> None:
    _staging(infra, {"envs/staging/extra.yaml": DEPLOYMENT.format(image=f"{EXTRA}:1.0.0")})


def _tag_only(infra: Forge) -> None:
    _staging(infra, {"envs/staging/api.yaml": DEPLOYMENT.format(image=f"{API}:1.4.2")})


def _nothing(infra: Forge) -> None:
    pass


CASES: dict[str, tuple[Callable[[Forge], None], tuple[str, ...], tuple[str, ...]]] = {
    "different references in from": (
        _two_references,
        ("--image", API),
        (
            f"{API} is pinned to different references in staging "
            "(envs/staging/api.yaml, envs/staging/canary.yaml)",
            f"envs/staging/api.yaml:10 pins {STAGED}",
            f"envs/staging/canary.yaml:10 pins {CANARY}",
            "nothing was pushed",
        ),
    ),
    "not in to": (
        _staging_only,
        ("--image", EXTRA),
        (f"{EXTRA} is not pinned in the production environment", "add it to production first"),
    ),
    "from equals to": (
        _nothing,
        ("--image", API, "--to", "staging"),
        ("--from and --to are both 'staging'",),
    ),
    "no digest with require-digest": (
        _tag_only,
        ("--image", API, "--require-digest"),
        (f"staging pins {API}:1.4.2 without a digest, and require-digest is true",),
    ),
    "from-commit not on the branch": (
        _nothing,
        ("--image", API, "--from-commit", "0123456789abcdef"),
        ("--from-commit 0123456789abcdef is not a commit of the infra repo's branch",),
    ),
    "neither image nor all": (_nothing, (), ("no image to promote",)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_refusal_says_what_is_wrong_and_pushes_nothing(
    case: str, infra: Forge, cli: Cli, git_server: GitServer
) -> None:
    setup, args, expected = CASES[case]
    setup(infra)
    head = infra.branch_sha(INFRA, "main")

    run = cli(*PROMOTE, *args)

    assert run.returncode == 1, run.text
    for text in expected:
        assert text in run.outputs["error"] or text in run.text, run.text
    assert infra.branch_sha(INFRA, "main") == head
    assert infra.branches(INFRA) == ["main"]
    assert git_server.pushes() == []


def test_all_leaves_an_image_only_from_pins_with_a_notice(infra: Forge, cli: Cli) -> None:
    _staging_only(infra)

    run = cli(*PROMOTE, "--all")

    assert run.returncode == 0, run.text
    assert run.outputs["changed"] == "false"
    assert f"::notice::pinned in staging only, not promoted: {EXTRA}" in run.stdout
    assert f"Pinned in staging only, not promoted: `{EXTRA}`." in run.summary
