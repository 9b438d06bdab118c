"""What a real `gitops-ci` process has imported when it exits: `--version` loads no command, a
command's `--help` only the modules that declare its options, a bad input is refused before the
engine loads, and bump-manifest's edit mode none of the HTTP and GitHub libraries it never
uses. Start-up time itself is measured in benchmarks/bump_engine.py --whole-process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gitops_ci import __version__

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
# `python -m gitops_ci ARGS`, as scripts/gitops-ci runs it, listing sys.modules at exit.
# The console script leaves through os._exit (no teardown, so no atexit): the list is printed
# there, or at exit when the process leaves another way.
PROBE = (
    "import atexit, os, runpy, sys; "
    "show = lambda: print('MODULES', *sorted(sys.modules), file=sys.__stderr__, flush=True); "
    "leave = os._exit; "
    "os._exit = lambda code: (show(), leave(code)); "
    "atexit.register(show); "
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
        "promote",
        "plan",
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
    # Nor shutil, which argparse would import to ask the terminal's width (main.Formatter asks it).
    assert _under(modules, ("shutil", "bz2", "lzma")) == set()


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


@pytest.mark.parametrize("command", [m.rsplit(".", 1)[1].replace("_", "-") for m in COMMAND_MODULES])
def test_help_imports_no_http_github_or_yaml_library(command: str, tmp_path: Path) -> None:
    done, modules = imports([command, "--help"], tmp_path)
    assert done.returncode == 0 and f"usage: gitops-ci {command}" in done.stdout
    assert f"gitops_ci.commands.{command.replace('-', '_')}" in modules
    heavy = ("requests", "urllib3", "github", "urllib.request", "multiprocessing", "logging", "ruamel")
    assert _under(modules, heavy) == set()


# Every gitops_ci module a `COMMAND --help` imports: the CLI, the input machinery, the defaults
# file's names, and the modules that declare the command's options (their names, help, defaults
# and grammars). An engine core, an engine's model, a door's work, the run context and the
# console are a run's: they load in the handler, or when a value is parsed.
HELP_BASE = {
    "gitops_ci",
    "gitops_ci.main",
    "gitops_ci.errors",
    "gitops_ci.defaults",
    "gitops_ci.inputs",
    "gitops_ci.commands",
    "gitops_ci.commands.base",
    "gitops_ci.record",  # the options' class (a record: no dataclass compiled at start)
}
SECRET_PARTS = {"gitops_ci.secrets"}  # the options' secret_parts (a URL's user:password@)
EDIT_OPTIONS = {
    "gitops_ci.commands.bump_options",
    "gitops_ci.doors",
    "gitops_ci.doors.git",  # the bot's name and email, the author inputs' defaults
    "gitops_ci.engines",
    "gitops_ci.engines.writeback",
    "gitops_ci.engines.writeback.message",  # the templates' defaults and placeholders
}
HELP_IMPORTS = {
    "quality-gate": {
        "gitops_ci.engines",
        "gitops_ci.engines.quality_gate",
        "gitops_ci.engines.quality_gate.findings",
        "gitops_ci.engines.quality_gate.tools",  # the tools' names and default arguments
        *(
            f"gitops_ci.engines.quality_gate.tools.{t}"
            for t in ("base", "black", "flake8", "mypy", "pytest_junit")
        ),
    },
    "build-and-push": {
        "gitops_ci.engines",
        "gitops_ci.engines.build_push",
        "gitops_ci.engines.build_push.builders",  # the builders' names, not their modules
        "gitops_ci.engines.build_push.platforms",
    },
    "bump-manifest": SECRET_PARTS | EDIT_OPTIONS,
    "verify-deployment": SECRET_PARTS,
    "notify": SECRET_PARTS
    | {"gitops_ci.engines", "gitops_ci.engines.notify"}
    | {  # each channel's own settings, and the message templates' defaults
        f"gitops_ci.engines.notify.{m}"
        for m in (
            "channel",
            "channels",
            "discord",
            "escape",
            "limits",
            "setting",
            "slack",
            "teams",
            "template",
        )
    }
    | {"gitops_ci.engines.notify.webhook"},
    "history": set(),
    "rollback": SECRET_PARTS | EDIT_OPTIONS,
    "promote": SECRET_PARTS
    | EDIT_OPTIONS
    | {  # the write-back's and verify-deployment's inputs it shares
        "gitops_ci.commands.bump_report",
        "gitops_ci.commands.bump_writeback",
        "gitops_ci.commands.verify_deployment",
    },
    "plan": set(),
}
# Standard modules a start has no use for (network, hashing, temporary files, XML, processes,
# threads, dates): each is a run's.
RUN_ONLY = (
    "email",
    "http",
    "hashlib",
    "hmac",
    "tempfile",
    "random",
    "xml",
    "subprocess",
    "concurrent",
    "threading",
    "datetime",
    "socket",
    "ssl",
    "difflib",
)


@pytest.mark.parametrize("command", sorted(HELP_IMPORTS))
def test_help_imports_only_what_declares_the_options(command: str, tmp_path: Path) -> None:
    done, modules = imports([command, "--help"], tmp_path)
    assert done.returncode == 0 and f"usage: gitops-ci {command}" in done.stdout
    own = f"gitops_ci.commands.{command.replace('-', '_')}"
    assert _under(modules, ("gitops_ci",)) == HELP_BASE | {own} | HELP_IMPORTS[command]
    assert _under(modules, RUN_ONLY) == set()


@pytest.mark.parametrize(
    ("args", "not_loaded"),
    [
        (
            ["quality-gate", "--working-directory", "nowhere"],
            ("gitops_ci.engines.quality_gate.core", "gitops_ci.engines.quality_gate.environment"),
        ),
        (
            ["build-and-push", "--context", "nowhere", "--image", "ghcr.io/acme/api"],
            ("gitops_ci.engines.build_push.core", "gitops_ci.engines.build_push.builders.docker"),
        ),
        (
            ["verify-deployment", "--timeout", "soon"],
            ("gitops_ci.engines.verify.argocd", "gitops_ci.engines.verify.core"),
        ),
        (  # no argocd-server: the handler's first check
            ["verify-deployment"],
            ("gitops_ci.engines.verify.argocd", "gitops_ci.engines.verify.core"),
        ),
        (
            ["notify", "--status", "maybe"],
            ("gitops_ci.engines.notify.core", "gitops_ci.engines.notify.message"),
        ),
        (
            ["notify", "--stage-outcomes", "build=maybe"],
            ("gitops_ci.engines.notify.core", "gitops_ci.engines.notify.message"),
        ),
        (
            ["plan", "--base", "--output=/tmp/x"],
            ("gitops_ci.engines.plan.core", "gitops_ci.engines.plan.manifest"),
        ),
        (  # a local rollback reads the checkout's history first
            ["rollback", "--image", "ghcr.io/acme/api", "--infra-dir", "nowhere"],
            ("gitops_ci.engines.bump.core", "gitops_ci.engines.writeback.core"),
        ),
        (  # the edit engine's first check, the infra dir, before it and its YAML parser load
            ["bump-manifest", "--infra-dir", "nowhere", "--image", "ghcr.io/acme/api", "--tag", "1"],
            ("gitops_ci.engines.bump.core", "gitops_ci.engines.bump.files", "ruamel"),
        ),
        (  # not a checkout: the history is not read, nor its module loaded
            ["history", "--infra-dir", "nowhere"],
            ("gitops_ci.engines.writeback.history", "gitops_ci.doors.git"),
        ),
        (  # no environments: refused before the promote engine, its model and the write-back load
            ["promote"],
            (
                "gitops_ci.engines.promote.core",
                "gitops_ci.engines.promote.model",
                "gitops_ci.engines.writeback.core",
            ),
        ),
        (  # the suite's defaults file is read without the YAML library
            ["verify-deployment"],
            ("ruamel",),
        ),
        (  # no services file: refused before the plan engine loads and git runs
            ["plan", "--services-file", "nowhere.yml"],
            ("gitops_ci.engines.plan.core", "gitops_ci.engines.plan.manifest", "subprocess"),
        ),
    ],
)
def test_a_bad_input_is_refused_before_the_engine_loads(
    args: list[str], not_loaded: tuple[str, ...], tmp_path: Path
) -> None:
    done, modules = imports(args, tmp_path)
    assert done.returncode == 1 and done.stderr.startswith("error: "), done.stderr[-2000:]
    assert _under(modules, (*not_loaded, *NETWORK)) == set()
