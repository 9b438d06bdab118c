"""Run the real `gitops-ci` CLI as a runner step would, and an infra repo to run it against."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from testing.outputs import read_output_file

from testing.git_http import TOKEN, GitServer
from testing.github_fake import FakeGitHub

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
INFRA = "acme/infra"
SHOP = "ghcr.io/acme/shop-api"
SOURCE_SHA = "3f2a1bc9d8e7f60123456789abcdef0123456789"

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  template:
    spec:
      containers:
        - name: app
          image: {image}  # pinned by gitops-ci
"""


def manifests(services: int = 12) -> dict[str, str]:
    files = {
        f"apps/svc-{i}/deployment.yaml": DEPLOYMENT.format(
            name=f"svc-{i}", image=f"ghcr.io/acme/svc-{i}:0.0.0"
        )
        for i in range(services)
    }
    for env in ("staging", "prod"):
        files[f"envs/{env}/shop-api.yaml"] = DEPLOYMENT.format(name="shop-api", image=f"{SHOP}:1.0.0")
    return files


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str

    @property
    def text(self) -> str:
        return self.stdout + self.stderr


class Cli:
    """Runs `gitops-ci` as a runner step would: GITHUB_* context, token in the environment."""

    def __init__(self, tmp: Path, git_server: GitServer, fake: FakeGitHub | None) -> None:
        self.tmp = tmp
        self.count = 0
        self.env = {
            "PATH": os.environ["PATH"],
            "HOME": str(tmp / "home"),
            "PYTHONPATH": str(SCRIPTS),
            "TMPDIR": str(tmp / "work"),
            "GITHUB_ACTIONS": "true",
            "GITHUB_SERVER_URL": git_server.url,
            "GITHUB_API_URL": fake.url if fake else "http://127.0.0.1:9",
            "GITHUB_REPOSITORY": "acme/shop-api",
            "GITHUB_SHA": SOURCE_SHA,
            "GITHUB_ACTOR": "alice",
            "GITHUB_RUN_ID": "4242",
            "GITHUB_TOKEN": TOKEN,
            "INPUT_RETRY_BACKOFF": "0.05",
        }
        (tmp / "home").mkdir(exist_ok=True)
        (tmp / "work").mkdir(exist_ok=True)

    def command(self, args: Sequence[str]) -> list[str]:
        return [sys.executable, "-m", "gitops_ci", *args]

    def prepare(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        self.count += 1
        env = {**self.env, **(extra or {})}
        env["GITHUB_OUTPUT"] = str(self.tmp / f"output-{self.count}")
        env["GITHUB_STEP_SUMMARY"] = str(self.tmp / f"summary-{self.count}")
        return env

    def __call__(self, *args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Run:
        full = self.prepare(env)
        proc = subprocess.run(
            self.command(args), env=full, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
        )
        return self.finish(full, proc.returncode, proc.stdout, proc.stderr)

    def finish(self, env: Mapping[str, str], code: int, out: str, err: str) -> Run:
        return Run(
            code,
            out,
            err,
            read_output_file(Path(env["GITHUB_OUTPUT"])),
            _read(Path(env["GITHUB_STEP_SUMMARY"])),
        )


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""
