"""The workspace an act run starts from: the files in one commit, then the pushed commits, and
the push event naming exactly that range (what plan compares)."""

from __future__ import annotations

import socket
from pathlib import Path

from gitops_ci_dev.act import free_port, make_workspace, push_event
from testing.forge import git
from testing.tools import require_tool


def test_pushed_commits_follow_the_workspace_and_the_event_names_their_range(tmp_path: Path) -> None:
    require_tool("git")
    pushed = [{"a.txt": "two\n"}, {"b.txt": None, "c/d.txt": "new\n"}]
    root = make_workspace(tmp_path / "ws", "on: push\n", {"a.txt": "one\n", "b.txt": "gone\n"}, pushed)
    shas = git("log", "--format=%H", cwd=root).split()
    assert len(shas) == 3
    assert (root / "a.txt").read_text() == "two\n" and not (root / "b.txt").exists()
    assert (root / "c" / "d.txt").read_text() == "new\n"

    event = push_event(root, len(pushed))
    assert (event["before"], event["after"]) == (shas[2], shas[0])
    assert event["head_commit"]["id"] == shas[0] and event["head_commit"]["message"].startswith("change 2:")
    changed = git("diff", "--name-only", event["before"], event["after"], cwd=root).split()
    assert sorted(changed) == ["a.txt", "b.txt", "c/d.txt"]


def test_a_workspace_without_pushed_commits_is_one_commit(tmp_path: Path) -> None:
    require_tool("git")
    root = make_workspace(tmp_path / "ws", "on: push\n")
    assert len(git("log", "--format=%H", cwd=root).split()) == 1
    assert (root / ".github" / "workflows" / "test.yml").read_text() == "on: push\n"


def test_a_free_port_can_be_bound_on_loopback() -> None:
    """act's artifact server takes its port as an argument: the one given must be free."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", free_port()))
