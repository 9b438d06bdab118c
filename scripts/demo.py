"""`make demo`: the main job end to end on embedded local defaults.

Everything lives under `.demo/` (made anew each run): a local infra repo seeded from
`examples/infra`, served to gitops-ci by URL exactly as a remote one would be. Stages whose
command has not landed yet are shown as such, never faked.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Mapping, Sequence

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / ".demo"
IMAGE = "ghcr.io/acme/myapp"
APP_COMMITS = ("3f2a9c1d5e7b8a6c4d2e0f1a3b5c7d9e1f2a4b6c", "8b1e4f7a2c5d9e0b3a6f8c1d4e7b0a2c5f9d3e6a")


def banner(text: str) -> None:
    print(f"\n=== {text} ===", flush=True)


def sh(args: Sequence[str], *, cwd: Path = ROOT, env: Mapping[str, str] | None = None) -> str:
    """Run a demo step, echo it, and stop the demo if it fails."""
    print("$ " + " ".join(args), flush=True)
    proc = subprocess.run(list(args), cwd=cwd, env=dict(env) if env else None, text=True, capture_output=True)
    out = (proc.stdout + proc.stderr).rstrip()
    if out:
        print(out, flush=True)
    if proc.returncode != 0:
        raise SystemExit(f"demo step failed with exit code {proc.returncode}")
    return proc.stdout


def gitops_ci(*args: str, env: Mapping[str, str] | None = None) -> str:
    return sh([sys.executable, "-m", "gitops_ci", *args], env=env)


def git(*args: str, cwd: Path) -> str:
    ident = ["-c", "user.name=Demo", "-c", "user.email=demo@example.invalid"]
    return sh(["git", *ident, *args], cwd=cwd)


def implemented(command: str) -> bool:
    from gitops_ci.commands import COMMANDS

    return COMMANDS[command].handler.__module__ != "gitops_ci.commands.pending"


def make_infra_repo() -> str:
    seed = DEMO / "infra-seed"
    shutil.copytree(ROOT / "examples" / "infra", seed)
    git("init", "-q", "-b", "main", cwd=seed)
    git("add", "-A", cwd=seed)
    git("commit", "-qm", "Initial infra repo", cwd=seed)
    sh(["git", "clone", "-q", "--bare", str(seed), str(DEMO / "infra.git")])
    return (DEMO / "infra.git").as_uri()


def run_env(commit: str, run_id: str) -> dict[str, str]:
    """What a runner would set for the app repo's workflow run."""
    return {
        **os.environ,
        "GITHUB_REPOSITORY": "acme/myapp",
        "GITHUB_SHA": commit,
        "GITHUB_ACTOR": "octocat",
        "GITHUB_SERVER_URL": "https://github.example",
        "GITHUB_RUN_ID": run_id,
        "PYTHONPATH": str(ROOT / "scripts"),
    }


def stage_pending(command: str) -> None:
    banner(command)
    if implemented(command):
        print(f"{command}: not part of the demo yet")
    else:
        print(f"{command}: not implemented in this release yet; skipped (the command says so and exits 1)")


def deploy(infra_url: str, tag: str, commit: str, run_id: str) -> None:
    env = run_env(commit, run_id)
    common = ["--infra-repo", infra_url, "--image", IMAGE, "--tag", tag]
    gitops_ci("bump-manifest", "--mode", "commit", "--environment", "staging", *common, "--dry-run", env=env)
    gitops_ci("bump-manifest", "--mode", "commit", "--environment", "staging", *common, env=env)
    print("(a second identical run is a no-op:)")
    gitops_ci("bump-manifest", "--mode", "commit", "--environment", "staging", *common, env=env)


def main() -> int:
    shutil.rmtree(DEMO, ignore_errors=True)
    DEMO.mkdir()
    banner("local infra repo (examples/infra)")
    infra_url = make_infra_repo()
    for stage in ("quality-gate", "build-and-push"):
        stage_pending(stage)
    banner("bump-manifest: two app builds deployed to staging (mode: commit)")
    deploy(infra_url, "1.4.0", APP_COMMITS[0], "1001")
    deploy(infra_url, "1.5.0", APP_COMMITS[1], "1002")
    banner("history: who deployed what, when (from the commit trailers)")
    clone = DEMO / "infra-clone"
    sh(["git", "clone", "-q", infra_url, str(clone)])
    gitops_ci("history", "--infra-dir", str(clone), "--image", IMAGE, "--environment", "staging")
    banner("rollback: restore the previous image with a forward commit")
    env = run_env(APP_COMMITS[1], "1003")
    gitops_ci("rollback", "--infra-repo", infra_url, "--image", IMAGE, "--environment", "staging", env=env)
    sh(["git", "-C", str(clone), "pull", "-q"])
    gitops_ci("history", "--infra-dir", str(clone), "--image", IMAGE, "--environment", "staging")
    stage_pending("notify")
    banner("done")
    print(f"infra repo: {DEMO / 'infra.git'}  (git log there shows every deployment)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
