"""A monorepo in a tmp dir for the plan command's tests: real git, real commits, real clones."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Mapping

from testing.forge import git

SERVICES_YML = """\
defaults:
  registry: ghcr.io/acme
  gate: {tools: "black,pytest"}
services:
  - name: api
    context: services/api
    paths: [services/api/**, libs/common/**, '!**/*.md']
    gate:
      tools: black,flake8
      coverage-min: 80
  - name: web
    context: services/web
    image: ghcr.io/acme/storefront
  - name: worker
    context: services/worker
    dockerfile: docker/worker.Dockerfile
"""

FILES = {
    "gitops-ci.services.yml": SERVICES_YML,
    "services/api/Dockerfile": "FROM scratch\n",
    "services/api/main.py": "print('api')\n",
    "services/api/README.md": "# api\n",
    "services/web/Dockerfile": "FROM scratch\n",
    "services/web/index.js": "console.log('web')\n",
    "services/worker/app.py": "print('worker')\n",
    "docker/worker.Dockerfile": "FROM scratch\n",
    "libs/common/util.py": "VALUE = 1\n",
    "README.md": "# monorepo\n",
}
ZEROS = "0" * 40


class Repo:
    """A working repository; each `commit` writes files (None deletes one) and returns the SHA."""

    def __init__(self, path: Path, files: Mapping[str, str | None] = FILES, *, branch: str = "main") -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        git("init", "--quiet", f"--initial-branch={branch}", str(path))
        self.first = self.commit(files, "initial")

    def git(self, *args: str) -> str:
        return git(*args, cwd=self.path)

    def commit(self, files: Mapping[str, str | None], message: str = "change") -> str:
        for name, text in files.items():
            target = self.path / name
            if text is None:
                self.git("rm", "--quiet", "--", name)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            self.git("add", "--", name)
        return self.commit_staged(message)

    def move(self, old: str, new: str, message: str = "move") -> str:
        (self.path / new).parent.mkdir(parents=True, exist_ok=True)
        self.git("mv", old, new)
        return self.commit_staged(message)

    def commit_staged(self, message: str) -> str:
        self.git("commit", "--quiet", "--allow-empty", "-m", message)
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()

    def clone(self, target: Path, *args: str) -> Path:
        git("clone", "--quiet", *args, f"file://{self.path}", str(target))
        return target


def environ() -> dict[str, str]:
    """The environment git runs with in the plan's tests (no system config)."""
    return {**os.environ, "GIT_CONFIG_NOSYSTEM": "1"}


def push_event(path: Path, before: str, after: str, **extra: object) -> Path:
    path.write_text(json.dumps({"before": before, "after": after, **extra}), encoding="utf-8")
    return path


def pull_request_event(path: Path, base: str, head: str) -> Path:
    payload = {"pull_request": {"number": 7, "base": {"sha": base}, "head": {"sha": head}}}
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path
