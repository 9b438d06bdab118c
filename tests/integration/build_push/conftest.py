"""One loopback registry (htpasswd auth), one buildah storage and one busybox base image per
test session (per xdist worker); every test uses its own repository names."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping

import pytest

from gitops_ci.main import main
from testing.containers import buildah_env, push_base_image
from testing.registry import LocalRegistry, running_registry
from testing.tools import require_tool

ROOT = Path(__file__).resolve().parents[3]
APP = ROOT / "examples" / "app"


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str
    outputs: str
    summary: str

    @property
    def all_text(self) -> str:
        """Everything a reader sees. `::add-mask::` lines are the runner's instructions to hide a
        value (it never prints them), so they are the one place a secret may appear."""
        text = "\n".join((self.stdout, self.stderr, self.outputs, self.summary))
        return "\n".join(line for line in text.splitlines() if not line.startswith("::add-mask::"))


@dataclass(frozen=True)
class Rig:
    registry: LocalRegistry
    env: dict[str, str]  # buildah storage and registries.conf
    base_image: str
    tmp: Path

    def environ(self, **extra: str) -> dict[str, str]:
        keep = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
        return {**keep, **self.env, **extra}

    def run(self, args: list[str], environ: Mapping[str, str], tmp: Path) -> Run:
        out_file, summary_file = tmp / "outputs.txt", tmp / "summary.md"
        env = {
            "GITHUB_ACTIONS": "true",
            "GITHUB_OUTPUT": str(out_file),
            "GITHUB_STEP_SUMMARY": str(summary_file),
            **environ,
        }
        stdout, stderr = io.StringIO(), io.StringIO()
        code = main(["build-and-push", *args], env, stdout, stderr)
        read = lambda p: p.read_text(encoding="utf-8") if p.exists() else ""  # noqa: E731
        return Run(code, stdout.getvalue(), stderr.getvalue(), read(out_file), read(summary_file))


@pytest.fixture(scope="session")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    require_tool("buildah")
    require_tool("skopeo")
    tmp = tmp_path_factory.mktemp("build-rig")
    with running_registry(tmp / "registry") as registry:
        env = buildah_env(tmp / "containers", registry)
        base = push_base_image(tmp, registry, env)
        yield Rig(registry, env, base, tmp)
