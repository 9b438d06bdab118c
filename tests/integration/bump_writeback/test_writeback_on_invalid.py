"""on-invalid in commit and pr modes: fail names every invalid file and pushes nothing; skip
leaves them, warns with file and line, and deploys the rest."""

from __future__ import annotations

from testing.bump_cli import INFRA, SHOP, Cli
from testing.forge import Forge
from testing.git_http import GitServer
from testing.github_fake import FakeGitHub

BROKEN = {
    "envs/prod/broken-a.yaml": f"a: 1\nimage: {SHOP}:1.0.0\n  bad: [\n",
    "envs/staging/broken-b.yaml": f"image: {SHOP}:1.0.0\nx: [1, 2\n",
}


def _break(infra: Forge) -> str:
    return infra.commit(INFRA, "main", BROKEN, "two broken files")


def test_commit_mode_fail_lists_every_invalid_file_and_pushes_nothing(
    infra: Forge, cli: Cli, git_server: GitServer
) -> None:
    before = _break(infra)

    run = cli("bump-manifest", "--mode", "commit", "--infra-repo", INFRA, "--image", SHOP, "--tag", "2.0.0")

    assert run.returncode == 1, run.text
    assert "2 files are not valid YAML and mention an image to pin" in run.text
    assert "envs/prod/broken-a.yaml:3: " in run.text and "envs/staging/broken-b.yaml:3: " in run.text
    assert infra.branch_sha(INFRA, "main") == before
    assert git_server.pushes() == []


def test_commit_mode_skip_warns_and_deploys_the_rest(infra: Forge, cli: Cli) -> None:
    _break(infra)

    run = cli(
        *("bump-manifest", "--mode", "commit", "--infra-repo", INFRA, "--image", SHOP, "--tag", "2.0.0"),
        *("--on-invalid", "skip"),
    )

    assert run.returncode == 0, run.text
    assert run.outputs["files"].splitlines() == ["envs/prod/shop-api.yaml", "envs/staging/shop-api.yaml"]
    assert "::warning file=envs/prod/broken-a.yaml::line 3: not valid YAML" in run.stdout
    assert "::warning file=envs/staging/broken-b.yaml::line 3: not valid YAML" in run.stdout
    for rel, text in BROKEN.items():
        assert infra.read(INFRA, "main", rel) == text


def test_pr_mode_skip_opens_the_pr_without_the_invalid_files(
    infra: Forge, cli: Cli, github: FakeGitHub
) -> None:
    _break(infra)

    run = cli(
        *("bump-manifest", "--mode", "pr", "--infra-repo", INFRA, "--image", SHOP, "--tag", "2.0.0"),
        *("--on-invalid", "skip", "--environment", "prod"),
    )

    assert run.returncode == 0, run.text
    assert run.outputs["pr-operation"] == "created"
    assert run.outputs["files"] == "envs/prod/shop-api.yaml"
    assert "::warning file=envs/prod/broken-a.yaml::line 3: not valid YAML" in run.stdout
    assert "broken-b" not in run.stdout


def test_pr_mode_fail_opens_nothing(infra: Forge, cli: Cli, git_server: GitServer) -> None:
    _break(infra)

    run = cli("bump-manifest", "--mode", "pr", "--infra-repo", INFRA, "--image", SHOP, "--tag", "2.0.0")

    assert run.returncode == 1 and "2 files are not valid YAML" in run.text
    assert infra.branches(INFRA) == ["main"] and git_server.pushes() == []
