"""Bare git repositories in a tmp dir: the state that the git server and the fake GitHub share.

Tests build real repositories here (never mocks); the smart-HTTP server serves them and the
fake GitHub API answers about them, so a pull request references a branch that really exists.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Callable, Mapping

BOT_ENV = {
    "GIT_AUTHOR_NAME": "Forge Test",
    "GIT_AUTHOR_EMAIL": "forge@example.test",
    "GIT_COMMITTER_NAME": "Forge Test",
    "GIT_COMMITTER_EMAIL": "forge@example.test",
}


def git(
    *args: str, cwd: Path | None = None, stdin: str | None = None, extra: Mapping[str, str] | None = None
) -> str:
    """Run git for a test fixture; raise with its output when it fails."""
    env = {**os.environ, **BOT_ENV, "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0", **(extra or {})}
    env.pop("GIT_TRACE", None)
    proc = subprocess.run(
        ["git", *args], cwd=cwd, env=env, input=stdin, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return proc.stdout


class Forge:
    """Owns `root/<owner>/<name>.git` bare repositories and a few hooks tests can set."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._before_push: list[Callable[[str], None]] = []

    def bare(self, full_name: str) -> Path:
        return self.root / f"{full_name}.git"

    def exists(self, full_name: str) -> bool:
        return self.bare(full_name).is_dir()

    def create_repo(self, full_name: str, files: Mapping[str, str], *, branch: str = "main") -> Path:
        bare = self.bare(full_name)
        bare.parent.mkdir(parents=True, exist_ok=True)
        git("init", "--quiet", "--bare", f"--initial-branch={branch}", str(bare))
        git("config", "uploadpack.allowFilter", "true", cwd=bare)
        git("config", "uploadpack.allowAnySHA1InWant", "true", cwd=bare)
        self.commit(full_name, branch, files, "initial manifests", create=True)
        return bare

    def commit(
        self,
        full_name: str,
        branch: str,
        files: Mapping[str, str],
        message: str,
        *,
        create: bool = False,
        when: str = "",
    ) -> str:
        """Write files on `branch` as one new commit (what another pipeline would push); `when`
        (ISO 8601) dates it."""
        with tempfile.TemporaryDirectory(prefix="forge-") as tmp:
            work = Path(tmp)
            if create:
                git("init", "--quiet", f"--initial-branch={branch}", str(work))
            else:
                git("clone", "--quiet", "--branch", branch, str(self.bare(full_name)), str(work))
            for name, text in files.items():
                path = work / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
            git("add", "--all", cwd=work)
            dates = {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when} if when else {}
            git("commit", "--quiet", "--allow-empty", "-m", message, cwd=work, extra=dates)
            git("push", "--quiet", str(self.bare(full_name)), f"HEAD:refs/heads/{branch}", cwd=work)
            return git("rev-parse", "HEAD", cwd=work).strip()

    def branch_sha(self, full_name: str, branch: str) -> str | None:
        out = git("for-each-ref", "--format=%(objectname)", f"refs/heads/{branch}", cwd=self.bare(full_name))
        return out.strip() or None

    def branches(self, full_name: str) -> list[str]:
        out = git("for-each-ref", "--format=%(refname:short)", "refs/heads/", cwd=self.bare(full_name))
        return out.split()

    def default_branch(self, full_name: str) -> str:
        head = git("symbolic-ref", "HEAD", cwd=self.bare(full_name)).strip()
        return head.removeprefix("refs/heads/")

    def read(self, full_name: str, ref: str, path: str) -> str:
        return git("show", f"{ref}:{path}", cwd=self.bare(full_name))

    def log(self, full_name: str, ref: str, fmt: str = "%H %s") -> list[str]:
        return git("log", f"--format={fmt}", ref, cwd=self.bare(full_name)).splitlines()

    def message(self, full_name: str, ref: str) -> str:
        return git("log", "-1", "--format=%B", ref, cwd=self.bare(full_name))

    # -- hooks -----------------------------------------------------------------------------
    def before_next_push(self, hook: Callable[[str], None]) -> None:
        """Run `hook(full_name)` once, when the next push arrives and before it is received."""
        with self._lock:
            self._before_push.append(hook)

    def take_push_hook(self) -> Callable[[str], None] | None:
        with self._lock:
            return self._before_push.pop(0) if self._before_push else None

    def advance_on_next_push(self, full_name: str, branch: str, files: Mapping[str, str]) -> None:
        """Simulate a racing pipeline: just before our push lands, someone else's commit lands."""
        self.before_next_push(lambda _name: self.commit(full_name, branch, files, "a racing pipeline"))
