"""`make lint` checks what it says it checks: actionlint runs shellcheck on every `run:` script
(and lint fails where tools are required but shellcheck is missing), and the example workflows
people copy pass zizmor's pedantic persona."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from testing.tools import require_tool

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
EXAMPLE_WORKFLOWS = sorted(
    [*ROOT.glob("examples/app/.github/workflows/*.yml"), *ROOT.glob("examples/workflow-templates/*.yml")]
)
WORKFLOW_WITH_SHELL_BUG = """\
on: push
permissions: {}
jobs:
  j:
    runs-on: ubuntu-latest
    steps:
      - run: |
          files=$(ls)
          cp $files /tmp
"""


def test_actionlint_checks_run_scripts_with_shellcheck(tmp_path: Path) -> None:
    require_tool("shellcheck", hint="scripts/install-system-deps.sh installs it")
    workflow = tmp_path / ".github" / "workflows" / "w.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(WORKFLOW_WITH_SHELL_BUG, encoding="utf-8")
    result = subprocess.run(
        [str(BIN / "actionlint"), "-no-color", str(workflow)], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 1
    assert "shellcheck reported issue" in result.stdout and "SC2086" in result.stdout, result.stdout


def _path_without_shellcheck(tmp_path: Path) -> str:
    """A PATH holding only what the Makefile's recipe needs, shellcheck left out."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "sh", "make", "echo", "["):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    return str(bin_dir)


def _lint_tools(tmp_path: Path, require: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": _path_without_shellcheck(tmp_path), "GITOPS_CI_REQUIRE_TOOLS": require}
    make = shutil.which("make")
    assert make
    return subprocess.run(
        [make, "--no-print-directory", "-C", str(ROOT), "lint-tools"], capture_output=True, text=True, env=env
    )


def test_lint_fails_without_shellcheck_where_tools_are_required(tmp_path: Path) -> None:
    result = _lint_tools(tmp_path, "1")
    assert result.returncode != 0
    assert "shellcheck is not installed" in result.stderr and "install-system-deps.sh" in result.stderr


def test_lint_only_warns_without_shellcheck_on_a_laptop(tmp_path: Path) -> None:
    result = _lint_tools(tmp_path, "")
    assert result.returncode == 0, result.stderr
    assert "warning: shellcheck is not installed" in result.stderr


def test_install_script_installs_shellcheck() -> None:
    script = (ROOT / "scripts" / "install-system-deps.sh").read_text(encoding="utf-8")
    packages = next(line for line in script.splitlines() if line.startswith("PACKAGES=("))
    assert "shellcheck" in packages.removeprefix("PACKAGES=(").rstrip(")").split()


def test_example_workflows_pass_zizmors_pedantic_persona() -> None:
    assert EXAMPLE_WORKFLOWS
    result = subprocess.run(
        [
            str(BIN / "zizmor"),
            "--offline",
            "--no-progress",
            "--persona",
            "pedantic",
            *map(str, EXAMPLE_WORKFLOWS),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr
