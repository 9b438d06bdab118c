"""pr mode against the fake GitHub: create, update in place, no-op; API faults; bad input."""

from __future__ import annotations

from testing.bump_cli import INFRA, SHOP, SOURCE_SHA, Cli
from testing.forge import Forge
from testing.git_http import TOKEN, GitServer
from testing.github_fake import FakeGitHub

PR = ("bump-manifest", "--mode", "pr", "--infra-repo", INFRA, "--image", SHOP, "--environment", "prod")
DECOR = ("--labels", "deploy,prod", "--reviewers", "bob", "--team-reviewers", "sre")


def test_pr_is_created_then_updated_in_place_then_nothing(infra: Forge, cli: Cli, github: FakeGitHub) -> None:
    created = cli(*PR, "--tag", "1.1.0", *DECOR)
    updated = cli(*PR, "--tag", "1.2.0", *DECOR)

    assert created.returncode == 0, created.text
    assert created.outputs["pr-operation"] == "created" and created.outputs["pr-number"] == "1"
    assert updated.returncode == 0, updated.text
    assert updated.outputs["pr-operation"] == "updated" and updated.outputs["pr-number"] == "1"
    (pull,) = github.open_pulls(INFRA)
    assert pull["head_ref"] == "gitops-ci/prod/shop-api" and pull["base_ref"] == "main"
    assert pull["labels"] == ["deploy", "prod"] and pull["reviewers"] == ["bob"] and pull["teams"] == ["sre"]
    assert pull["title"] == "Deploy shop-api:1.2.0 to prod"
    assert f"| `envs/prod/shop-api.yaml:10` | `{SHOP}:1.0.0` | `{SHOP}:1.2.0` |" in pull["body"]
    assert f"+          image: {SHOP}:1.2.0  # pinned by gitops-ci" in pull["body"]
    assert f"/acme/shop-api/commit/{SOURCE_SHA}" in pull["body"]
    assert f"{SHOP}:1.2.0" in infra.read(INFRA, "gitops-ci/prod/shop-api", "envs/prod/shop-api.yaml")
    assert f"{SHOP}:1.0.0" in infra.read(INFRA, "main", "envs/prod/shop-api.yaml")

    infra.commit(
        INFRA,
        "main",
        {
            "envs/prod/shop-api.yaml": infra.read(INFRA, "main", "envs/prod/shop-api.yaml").replace(
                ":1.0.0", ":1.3.0"
            )
        },
        "someone merged 1.3.0",
    )
    nothing = cli(*PR, "--tag", "1.3.0")
    assert nothing.returncode == 0, nothing.text
    assert nothing.outputs["changed"] == "false" and nothing.outputs["pr-operation"] == "none"
    assert len(github.settings(INFRA).pulls) == 1


def test_same_run_twice_changes_nothing_on_the_open_pr(infra: Forge, cli: Cli, github: FakeGitHub) -> None:
    first = cli(*PR, "--tag", "1.1.0")
    head = infra.branch_sha(INFRA, "gitops-ci/prod/shop-api")
    again = cli(*PR, "--tag", "1.1.0")

    assert first.returncode == 0 and again.returncode == 0, again.text
    assert again.outputs["pr-operation"] == "none" and again.outputs["pr-number"] == "1"
    assert infra.branch_sha(INFRA, "gitops-ci/prod/shop-api") == head


def test_compare_link_when_both_tags_are_commit_shas(infra: Forge, cli: Cli, github: FakeGitHub) -> None:
    old = "0123456789abcdef0123456789abcdef01234567"
    cli(*PR, "--tag", old)
    run = cli(
        *PR,
        "--tag",
        SOURCE_SHA,
        "--base-branch",
        "gitops-ci/prod/shop-api",
        "--branch-template",
        "gitops-ci/next/{image_name}",
    )

    assert run.returncode == 0, run.text
    body = github.open_pulls(INFRA)[-1]["body"]
    assert f"/acme/shop-api/compare/{old}...{SOURCE_SHA}" in body


def test_auto_merge_not_allowed_is_a_warning(infra: Forge, cli: Cli, github: FakeGitHub) -> None:
    run = cli(*PR, "--tag", "1.1.0", "--auto-merge", "--draft")

    assert run.returncode == 0, run.text
    assert "::warning::auto-merge was not enabled on #1" in run.stdout
    assert github.open_pulls(INFRA)[0]["draft"] is True

    github.settings(INFRA).allow_auto_merge = True
    again = cli(*PR, "--tag", "1.2.0", "--auto-merge")
    assert again.returncode == 0 and "::warning::" not in again.stdout
    assert github.open_pulls(INFRA)[0]["auto_merge"] == {"merge_method": "merge"}


def test_502_rate_limits_and_429_are_retried(infra: Forge, cli: Cli, github: FakeGitHub) -> None:
    github.fail_next(502, times=2, operation="repos/get")
    github.fail_next(403, retry_after=1, operation="pulls/list")
    github.fail_next(429, retry_after=1, operation="pulls/create")
    github.fail_next(503, operation="issues/add-labels")

    run = cli(*PR, "--tag", "1.1.0", "--labels", "deploy")

    assert run.returncode == 0, run.text
    statuses = [(c.operation, c.status) for c in github.calls]
    for fault in (("repos/get", 502), ("pulls/list", 403), ("pulls/create", 429), ("issues/add-labels", 503)):
        assert fault in statuses
    assert run.outputs["pr-operation"] == "created"
    assert github.open_pulls(INFRA)[0]["labels"] == ["deploy"]


def test_a_rate_limit_longer_than_allowed_fails_clearly(infra: Forge, cli: Cli, github: FakeGitHub) -> None:
    github.fail_next(403, retry_after=3600, operation="repos/get")

    run = cli(*PR, "--tag", "1.1.0")

    assert run.returncode == 1
    assert "rate limit" in run.text and "3600" in run.text
    assert infra.branches(INFRA) == ["main"]


def test_401_names_the_token_problem_and_pushes_nothing(
    infra: Forge, cli: Cli, github: FakeGitHub, git_server: GitServer
) -> None:
    github.fail_next(401, times=20)

    run = cli(*PR, "--tag", "1.1.0")

    assert run.returncode == 1
    assert "GitHub rejected the token" in run.text and "contents: read" in run.text
    assert git_server.pushes() == []


def test_no_pull_request_permission_names_it_and_opens_nothing(
    infra: Forge, cli: Cli, github: FakeGitHub
) -> None:
    github.pull_requests_read_only = True

    run = cli(*PR, "--tag", "1.1.0")

    assert run.returncode == 1
    assert "the token lacks `pull-requests: write`" in run.text and "permissions:" in run.text
    assert github.settings(INFRA).pulls == []


def test_bad_input_is_clear_and_pushes_nothing(infra: Forge, cli: Cli, git_server: GitServer) -> None:
    before = infra.branch_sha(INFRA, "main")
    commit = ("bump-manifest", "--mode", "commit", "--image", SHOP, "--tag", "7.0.0")

    unreachable = cli(*commit, "--infra-repo", "http://127.0.0.1:9/acme/infra.git")
    missing = cli(*commit, "--infra-repo", "acme/nowhere")
    wrong_branch = cli(*commit, "--infra-repo", INFRA, "--base-branch", "no-such-branch")
    no_match = cli(
        "bump-manifest",
        "--mode",
        "commit",
        "--infra-repo",
        INFRA,
        "--image",
        "ghcr.io/acme/unknown",
        "--tag",
        "1",
    )
    git_server.read_only.add(TOKEN)
    no_permission = cli(*commit, "--infra-repo", INFRA)

    assert unreachable.returncode == 1 and "cannot be reached" in unreachable.text
    assert missing.returncode == 1 and "was not found" in missing.text
    assert wrong_branch.returncode == 1 and "branch 'no-such-branch' does not exist" in wrong_branch.text
    assert no_match.returncode == 1 and "pins none of: ghcr.io/acme/unknown" in no_match.text
    assert "ghcr.io/acme/svc-0" in no_match.text
    assert no_permission.returncode == 1 and "contents: write" in no_permission.text
    assert infra.branch_sha(INFRA, "main") == before and infra.branches(INFRA) == ["main"]
    assert all(p.status == 403 for p in git_server.pushes())
