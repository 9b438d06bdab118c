"""The token appears nowhere; history and rollback round trip on a repo with several deployments."""

from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path

from testing.bump_cli import INFRA, SHOP, Cli
from testing.forge import Forge, git
from testing.git_http import TOKEN, GitServer
from testing.github_fake import FakeGitHub


def _sample(tmp: Path, stop: threading.Event, seen: list[str]) -> None:
    """Every process's argv and every clone's .git/config, over and over while the run lasts."""
    while not stop.is_set():
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                seen.append(cmdline.read_bytes().replace(b"\0", b" ").decode("utf-8", "replace"))
            except OSError:
                pass
        for config in tmp.glob("work/gitops-ci-*/infra/.git/config"):
            try:
                seen.append(config.read_text())
            except OSError:
                pass


def test_the_token_appears_nowhere(
    infra: Forge, cli: Cli, github: FakeGitHub, git_server: GitServer, tmp_path: Path
) -> None:
    trace = tmp_path / "git-trace.log"
    seen: list[str] = []
    stop = threading.Event()
    sampler = threading.Thread(target=_sample, args=(tmp_path, stop, seen))
    sampler.start()
    try:
        env = {"GIT_TRACE": str(trace), "GITOPS_CI_DEBUG": "1"}
        pr = cli(
            "bump-manifest", "--mode", "pr", "--infra-repo", INFRA, "--image", SHOP, "--tag", "1.1.0", env=env
        )
        commit = cli(
            "bump-manifest",
            "--mode",
            "commit",
            "--infra-repo",
            INFRA,
            "--image",
            SHOP,
            "--tag",
            "1.2.0",
            "--json",
            env=env,
        )
        github.fail_next(401, times=20)
        failed = cli(
            "bump-manifest", "--mode", "pr", "--infra-repo", INFRA, "--image", SHOP, "--tag", "1.3.0", env=env
        )
    finally:
        stop.set()
        sampler.join()

    assert (pr.returncode, commit.returncode, failed.returncode) == (0, 0, 1), (
        pr.text + commit.text + failed.text
    )
    assert any("git" in line and "clone" in line for line in seen), "the sampler saw no git process"
    assert any('[remote "origin"]' in text for text in seen), "the sampler saw no clone's .git/config"
    # `::add-mask::` is the runner's instruction to hide the value: it never reaches the log.
    logs = [_unmasked(r.text) for r in (pr, commit, failed)] + [
        str(r.outputs) + r.summary for r in (pr, commit, failed)
    ]
    bodies = [json.dumps(call.body) for call in github.calls]
    history = git("log", "--all", "--format=%B", cwd=infra.bare(INFRA))
    for where, texts in (
        ("argv/.git/config", seen),
        ("logs/outputs", logs),
        ("API requests", bodies),
        ("git trace", [trace.read_text()]),
        ("infra history", [history]),
    ):
        assert not [t for t in texts if TOKEN in t], f"token found in {where}"
    # It did reach the servers, only in the Authorization header.
    assert all(r.authorization.startswith("Basic ") for r in git_server.requests)
    assert all(c.authorization == f"token {TOKEN}" for c in github.calls if c.status != 401)


def _unmasked(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith("::add-mask::"))


def _deploy(cli: Cli, tag: str, actor: str, env: str = "prod") -> None:
    run = cli(
        "bump-manifest",
        "--mode",
        "commit",
        "--infra-repo",
        INFRA,
        "--image",
        SHOP,
        "--tag",
        tag,
        "--environment",
        env,
        env={"GITHUB_ACTOR": actor},
    )
    assert run.returncode == 0, run.text


def test_history_and_rollback_round_trip(infra: Forge, cli: Cli, tmp_path: Path) -> None:
    for tag, actor in (("1.1.0", "alice"), ("1.2.0", "bob"), ("1.3.0", "carol")):
        _deploy(cli, tag, actor)
    _deploy(cli, "9.0.0", "dave", env="staging")
    deployed_130 = infra.log(INFRA, "main~1", "%H")[0]
    clone = tmp_path / "clone"
    git("clone", "--quiet", str(infra.bare(INFRA)), str(clone))

    listed = cli("history", "--infra-dir", str(clone), "--image", SHOP, "--environment", "prod", "--json")
    table = cli("history", "--infra-dir", str(clone))
    rolled = cli("rollback", "--infra-repo", INFRA, "--image", SHOP, "--environment", "prod")
    to_tag = cli("rollback", "--infra-repo", INFRA, "--image", SHOP, "--environment", "prod", "--to", "1.1.0")

    assert listed.returncode == 0, listed.text
    rows = json.loads(_unmasked(listed.stdout))["deployments"]
    assert [(r["tag"], r["who"], r["environment"]) for r in rows] == [
        ("1.3.0", "carol", "prod"),
        ("1.2.0", "bob", "prod"),
        ("1.1.0", "alice", "prod"),
    ]
    assert rows[0]["infra_commit"] == deployed_130 and rows[0]["source_repository"] == "acme/shop-api"
    assert table.returncode == 0 and "9.0.0" in table.stdout and "dave" in table.stdout

    assert rolled.returncode == 0, rolled.text
    assert f"{SHOP}:1.2.0" in infra.read(INFRA, rolled.outputs["commit-sha"], "envs/prod/shop-api.yaml")
    assert f"Rollback-Of: {deployed_130}" in infra.message(INFRA, rolled.outputs["commit-sha"]).splitlines()
    assert to_tag.returncode == 0, to_tag.text
    assert f"{SHOP}:1.1.0" in infra.read(INFRA, "main", "envs/prod/shop-api.yaml")
    assert f"{SHOP}:9.0.0" in infra.read(INFRA, "main", "envs/staging/shop-api.yaml")

    git("pull", "--quiet", cwd=clone)
    after = cli("history", "--infra-dir", str(clone), "--image", SHOP, "--environment", "prod", "--json")
    newest = json.loads(_unmasked(after.stdout))["deployments"][0]
    assert newest["tag"] == "1.1.0" and newest["rollback_of"] == rolled.outputs["commit-sha"]


def test_local_rollback_commits_in_the_clone(infra: Forge, cli: Cli, tmp_path: Path) -> None:
    for tag in ("1.1.0", "1.2.0"):
        _deploy(cli, tag, "alice")
    clone = tmp_path / "clone"
    git("clone", "--quiet", str(infra.bare(INFRA)), str(clone))

    run = cli("rollback", "--infra-dir", str(clone), "--image", SHOP, "--environment", "prod")

    assert run.returncode == 0, run.text
    assert f"image: {SHOP}:1.1.0" in (clone / "envs/prod/shop-api.yaml").read_text()
    assert (
        "Rollback-Of: "
        in subprocess.run(
            ["git", "-C", str(clone), "log", "-1", "--format=%B"], capture_output=True, text=True, check=True
        ).stdout
    )
