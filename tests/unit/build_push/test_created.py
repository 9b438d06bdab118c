"""The `created` label comes from SOURCE_DATE_EPOCH or the built commit, so a rebuild of the same
commit gives the same image config (and the layer cache and the registry have nothing new)."""

from __future__ import annotations

import io
import os
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from gitops_ci.commands.build_and_push import created_time
from gitops_ci.doors.runner import Console

COMMIT_TIME = 1767225600  # 2026-01-01T00:00:00Z
LATER = COMMIT_TIME + 3600


def console() -> Console:
    return Console({}, io.StringIO(), io.StringIO())


def commit(repo: Path, when: int) -> str:
    """A commit whose committer date is `when`; returns its SHA."""
    env = {
        **os.environ,
        "GIT_AUTHOR_DATE": f"@{when - 60} +0200",
        "GIT_COMMITTER_DATE": f"@{when} +0200",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    (repo / "Dockerfile").write_text(f"FROM scratch\n# {when}\n", encoding="utf-8")
    git = ["git", "-C", str(repo)]
    subprocess.run([*git, "add", "Dockerfile"], check=True, env=env)
    subprocess.run([*git, "commit", "-q", "-m", str(when)], check=True, env=env)
    return subprocess.run(
        [*git, "rev-parse", "HEAD"], check=True, env=env, capture_output=True, text=True
    ).stdout.strip()


def repo_with_two_commits(tmp_path: Path) -> tuple[Path, str, str]:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    first = commit(tmp_path, COMMIT_TIME)
    second = commit(tmp_path, LATER)
    return tmp_path, first, second


def at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc)


def test_the_built_commits_committer_time(tmp_path: Path) -> None:
    repo, first, _ = repo_with_two_commits(tmp_path)
    assert created_time({}, str(repo), first, console()) == at(COMMIT_TIME)


def test_the_same_commit_gives_the_same_time_on_every_run(tmp_path: Path) -> None:
    repo, _, second = repo_with_two_commits(tmp_path)
    runs = {created_time({}, str(repo), second, console()) for _ in range(3)}
    assert runs == {at(LATER)}


def test_source_date_epoch_wins_over_the_commit(tmp_path: Path) -> None:
    repo, first, _ = repo_with_two_commits(tmp_path)
    assert created_time({"SOURCE_DATE_EPOCH": "1700000000"}, str(repo), first, console()) == at(1700000000)


def test_a_sha_missing_from_a_shallow_checkout_falls_back_to_head(tmp_path: Path) -> None:
    repo, _, _ = repo_with_two_commits(tmp_path)
    assert created_time({}, str(repo), "f" * 40, console()) == at(LATER)


def test_outside_a_git_checkout_the_clock(tmp_path: Path) -> None:
    before = datetime.now(timezone.utc).replace(microsecond=0)
    created = created_time({"SOURCE_DATE_EPOCH": "not-a-number"}, str(tmp_path), "a" * 40, console())
    assert before <= created <= datetime.now(timezone.utc)
