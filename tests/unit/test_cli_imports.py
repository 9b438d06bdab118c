"""What a real `gitops-ci` process has imported when it exits: `--version` loads no command,
and bump-manifest's edit mode none of the HTTP and GitHub libraries it never uses. Start-up
time itself is measured in benchmarks/bump_engine.py --whole-process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gitops_ci import __version__

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
# `python -m gitops_ci ARGS`, as scripts/gitops-ci runs it, listing sys.modules at exit.
PROBE = (
    "import atexit, runpy, sys; "
    "atexit.register(lambda: print('MODULES', *sorted(sys.modules), file=sys.__stderr__)); "
    "runpy.run_module('gitops_ci', run_name='__main__', alter_sys=True)"
)
COMMAND_MODULES = tuple(
    f"gitops_ci.commands.{name}"
    for name in (
        "quality_gate",
        "build_and_push",
        "bump_manifest",
        "verify_deployment",
        "notify",
        "history",
        "rollback",
    )
)
NETWORK = ("requests", "urllib3", "github", "gitops_ci.doors.http", "urllib.request", "http.client")


def imports(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run `python -m gitops_ci ARGS`; the modules it had imported when it exited."""
    # A token is set, as on a runner: masking it (and its encodings) is part of every start.
    env = {**os.environ, "PYTHONPATH": str(SCRIPTS), "GITHUB_TOKEN": "ghs_" + "x1" * 18}
    for name in ("GITOPS_CI_DEFAULTS", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):
        env.pop(name, None)  # the suite's own defaults file, as a user's run reads it
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    listed = [line.split()[1:] for line in done.stderr.splitlines() if line.startswith("MODULES ")]
    assert len(listed) == 1, done.stderr[-2000:]
    return done, set(listed[0])


def _under(modules: set[str], packages: tuple[str, ...]) -> set[str]:
    return {m for m in modules if m in packages or m.startswith(tuple(p + "." for p in packages))}


def test_version_imports_no_command(tmp_path: Path) -> None:
    done, modules = imports(["--version"], tmp_path)
    assert (done.returncode, done.stdout) == (0, f"gitops-ci {__version__}\n")
    assert "gitops_ci.main" in modules
    assert _under(modules, COMMAND_MODULES + NETWORK + ("ruamel", "gitops_ci.engines.bump")) == set()
    # Nor the command machinery: argparse alone prints the version.
    assert _under(modules, ("gitops_ci.commands.base", "gitops_ci.inputs", "gitops_ci.doors.runner")) == set()


def test_bump_edit_mode_imports_neither_requests_nor_pygithub(tmp_path: Path) -> None:
    deployment = tmp_path / "infra" / "deployment.yaml"
    deployment.parent.mkdir()
    deployment.write_text(
        "kind: Pod\nspec:\n  containers:\n    - name: a\n      image: ghcr.io/acme/api:1.0\n"
    )
    args = ["bump-manifest", "--mode", "edit", "--infra-dir", "infra", "--image", "ghcr.io/acme/api"]
    done, modules = imports([*args, "--tag", "1.1"], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "image: ghcr.io/acme/api:1.1" in deployment.read_text()
    assert {"gitops_ci.commands.bump_manifest", "gitops_ci.engines.bump.core", "ruamel.yaml"} <= modules
    assert (
        _under(
            modules,
            NETWORK
            + ("gitops_ci.engines.notify", "gitops_ci.engines.build_push", "gitops_ci.engines.quality_gate"),
        )
        == set()
    )
    # Worker processes are for big monorepos only: a small one does not pay for their module.
    assert "multiprocessing" not in modules


# build-and-push's registry client (build_push/registry.py) still imports requests at the top.
@pytest.mark.parametrize("command", ["quality-gate", "bump-manifest", "notify", "history", "rollback"])
def test_help_imports_no_http_github_or_yaml_library(command: str, tmp_path: Path) -> None:
    done, modules = imports([command, "--help"], tmp_path)
    assert done.returncode == 0 and f"usage: gitops-ci {command}" in done.stdout
    assert f"gitops_ci.commands.{command.replace('-', '_')}" in modules
    heavy = ("requests", "urllib3", "github", "urllib.request", "multiprocessing", "logging", "ruamel")
    assert _under(modules, heavy) == set()
