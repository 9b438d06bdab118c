"""Run a workflow with `act` on the host, offline, with this checkout as `acme/gitops-ci@v1`.

The suite is used exactly as users write it (`uses: acme/gitops-ci@v1`, `.../actions/<name>@v1`,
or the reusable workflow); `--local-repository` maps that name to a copy of this working tree.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from gitops_ci.doors import proc
from gitops_ci.secrets import Redactor
from gitops_ci_dev import need_tool

REPO_ROOT = Path(__file__).resolve().parents[2]
SUITE = "acme/gitops-ci@v1"
# Third-party actions the pipeline workflow uses, mapped to local stand-ins (offline, on the host
# the workspace is already there): `--local-repository NAME@REF=DIR`.
CHECKOUT = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683"
SETUP_PYTHON = "actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065"
# The artifact actions the monorepo workflow pins (v4.6.2, v4.3.0); a test maps them to stand-ins
# on the real artifact client (`repositories=`) and runs act's own artifact server (`artifacts=`).
UPLOAD_ARTIFACT = "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02"
DOWNLOAD_ARTIFACT = "actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093"
STAND_IN = """name: "local stand-in"
description: "Does nothing: act runs on the host, where the workspace and python3 already are"
runs:
  using: composite
  steps:
    - shell: bash
      run: echo "stand-in for a remote action (offline run)"
"""


@dataclass(frozen=True)
class ActRun:
    returncode: int
    log: str

    @property
    def succeeded(self) -> bool:
        return self.returncode == 0 and "Job succeeded" in self.log


def copy_suite(dest: Path, root: Path = REPO_ROOT) -> Path:
    """Copy the files git would ship (tracked and new, not ignored) — no .venv, no caches."""
    listed = proc.run(
        [need_tool("git"), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        redactor=Redactor(),
        cwd=str(root),
    ).stdout
    for rel in filter(None, listed.split("\0")):
        src = root / rel
        if not src.is_file():
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
    return dest


def make_workspace(
    root: Path,
    workflow: str,
    files: Mapping[str, str] | None = None,
    pushed: Sequence[Mapping[str, str | None]] = (),
) -> Path:
    """A git repo holding `.github/workflows/test.yml` (and any extra files) in one commit, then
    one commit per item of `pushed` (path → new text, or None to delete the file)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / ".github" / "workflows").mkdir(parents=True, exist_ok=True)
    (root / ".github" / "workflows" / "test.yml").write_text(workflow, encoding="utf-8")
    _write(root, files or {})
    nothing = Redactor()  # a workspace holds no secret
    proc.run([*_git(), "init", "-q", "-b", "main", str(root)], redactor=nothing)
    _commit(root, "workspace")
    for number, change in enumerate(pushed, 1):
        _write(root, change)
        _commit(root, f"change {number}: " + ", ".join(sorted(change)))
    return root


def push_event(workspace: Path, pushed: int) -> dict[str, Any]:
    """The push event of the last `pushed` commits of `workspace` (before..after, head_commit)."""
    log = _git_out(workspace, "log", "--format=%H%x00%s%x00%cI", f"-{pushed + 1}").splitlines()
    head, *_, base = [line.split("\0") for line in log]
    return {
        "ref": "refs/heads/main",
        "before": base[0],
        "after": head[0],
        "head_commit": {"id": head[0], "message": head[1], "timestamp": head[2]},
        "repository": {"full_name": "acme/myapp", "default_branch": "main"},
    }


def _git() -> list[str]:
    return [need_tool("git"), "-c", "user.name=test", "-c", "user.email=test@example.invalid"]


def _git_out(root: Path, *args: str) -> str:
    return proc.run([*_git(), "-C", str(root), *args], redactor=Redactor()).stdout


def _write(root: Path, files: Mapping[str, str | None]) -> None:
    for rel, text in files.items():
        target = root / rel
        if text is None:
            target.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def _commit(root: Path, message: str) -> None:
    _git_out(root, "add", "-A")
    _git_out(root, "commit", "-qm", message)


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (for a server that takes its port as an argument)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def stand_ins(root: Path) -> list[str]:
    """`--local-repository` arguments mapping the pinned third-party actions to stand-ins."""
    args = []
    for name in (CHECKOUT, SETUP_PYTHON):
        folder = root / name.replace("/", "_").replace("@", "_")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "action.yml").write_text(STAND_IN, encoding="utf-8")
        args += ["--local-repository", f"{name}={folder}"]
    return args


def run_act(
    tmp_path: Path,
    workflow: str,
    *,
    files: Mapping[str, str] | None = None,
    pushed: Sequence[Mapping[str, str | None]] = (),
    secrets: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    event: str = "push",
    inputs: Mapping[str, str] | None = None,
    timeout: float = 600,
    cache: Path | None = None,
    artifacts: Path | None = None,
    repositories: Mapping[str, Path] | None = None,
) -> ActRun:
    """Run `workflow` in a fresh workspace under `tmp_path`. `env` reaches every step (act's
    `--env`, which also overrides GITHUB_SERVER_URL/GITHUB_API_URL); secrets go by name, their
    values through act's environment, never its argv. `cache` (RUNNER_TOOL_CACHE's parent) may be
    shared between runs so the gitops-ci environment is built once. `inputs` are a
    workflow_dispatch event's inputs (act's `--input`). `pushed` are commits made after `files`:
    the run is their push (the event's before..after). `artifacts` starts act's artifact server
    on loopback, keeping what the jobs upload in that folder; `repositories` maps more remote
    actions (NAME@REF) to local folders."""
    act = need_tool("act")
    suite = copy_suite(tmp_path / "suite")
    workspace = make_workspace(tmp_path / "workspace", workflow, files, pushed)
    cache = cache or tmp_path / "cache"  # act keeps its tool cache (RUNNER_TOOL_CACHE) under here
    args = [act, event, "-P", "ubuntu-latest=-self-hosted", "-W", ".github/workflows/test.yml"]
    args += ["--local-repository", f"{SUITE}={suite}", *stand_ins(tmp_path / "stand-ins")]
    for name, folder in (repositories or {}).items():
        args += ["--local-repository", f"{name}={folder}"]
    if pushed:
        payload = tmp_path / "event.json"
        payload.write_text(json.dumps(push_event(workspace, len(pushed))), encoding="utf-8")
        args += ["--eventpath", str(payload)]
    if artifacts is not None:
        artifacts.mkdir(parents=True, exist_ok=True)
        args += ["--artifact-server-path", str(artifacts), "--artifact-server-addr", "127.0.0.1"]
        args += ["--artifact-server-port", str(free_port())]
    for name, value in (env or {}).items():
        args += ["--env", f"{name}={value}"]
    for name, value in (inputs or {}).items():
        args += ["--input", f"{name}={value}"]
    for name in secrets or {}:
        args += ["-s", name]
    environ = {**os.environ, **(secrets or {}), "XDG_CACHE_HOME": str(cache)}
    done = proc.run(
        args,
        redactor=Redactor((secrets or {}).values()),
        cwd=str(workspace),
        env=environ,
        timeout=timeout,
        check=False,
    )
    return ActRun(done.returncode, done.stdout + done.stderr)
