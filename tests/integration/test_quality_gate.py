"""quality-gate on the sample projects with the real black, flake8, mypy and pytest of this
checkout's environment, through the CLI as a runner step would call it."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gitops_ci.main import main
from gitops_ci.engines.quality_gate.core import SPREADING_NICE
from testing.tools import require_tool

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "quality_gate"
PYTHON = sys.executable  # this checkout's .venv: it has black, flake8, mypy and pytest


@dataclass
class Gate:
    code: int
    stdout: str
    stderr: str
    summary: str
    outputs: str
    report: dict[str, Any]

    def annotations(self, level: str = "error") -> list[str]:
        return [line for line in self.stdout.splitlines() if line.startswith(f"::{level} ")]

    def tool(self, name: str) -> dict[str, Any]:
        return next(t for t in self.report["tools"] if t["tool"] == name)

    def where(self) -> set[tuple[str, str, int, str]]:
        return {(f["tool"], f["file"], f["line"], f["code"]) for f in self.report["findings"]}


def run_gate(
    tmp: Path, sample: str, *args: str, python: str = PYTHON, env: dict[str, str] | None = None
) -> Gate:
    """Copy the sample to `repo/svc` (a git repo root above it) and run the gate on a runner."""
    for tool in ("black", "flake8", "mypy", "pytest"):
        require_tool(tool)
    repo = tmp / "repo"
    shutil.copytree(SAMPLES / sample, repo / "svc")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    summary, outputs, runner_temp = tmp / "summary.md", tmp / "outputs", tmp / "runner-temp"
    environ = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp),
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(outputs),
        "RUNNER_TEMP": str(runner_temp),
        "RUNNER_TOOL_CACHE": str(tmp / "tool-cache"),
        "INPUT_WORKING_DIRECTORY": str(repo / "svc"),
        "INPUT_PYTHON": python,
        "MYPY_CACHE_DIR": str(tmp / "mypy-cache"),
        **(env or {}),
    }
    out, err = io.StringIO(), io.StringIO()
    code = main(["quality-gate", *args], environ, out, err)
    report = json.loads((runner_temp / "gitops-ci-quality-gate" / "quality-gate.json").read_text())
    text = summary.read_text() if summary.exists() else ""
    return Gate(code, out.getvalue(), err.getvalue(), text, outputs.read_text(), report)


def output(gate: Gate, name: str) -> str:
    match = re.search(rf"^{name}<<(\S+)\n(.*?)\n\1$", gate.outputs, re.MULTILINE | re.DOTALL)
    assert match, gate.outputs
    return match[2]


def test_failing_sample(tmp_path: Path) -> None:
    """One run (mypy and pytest are the slow part), three views of it."""
    failing = run_gate(tmp_path, "failing")
    check_findings(failing)
    check_annotations(failing)
    check_summary_outputs_and_reports(failing)


def check_findings(failing: Gate) -> None:
    assert failing.code == 1, failing.stderr
    assert failing.where() == {
        ("black", "svc/pkg/style.py", 3, "would-reformat"),
        ("flake8", "svc/pkg/lint.py", 1, "F401"),
        ("mypy", "svc/pkg/typed.py", 2, "return-value"),
        ("pytest", "svc/check_calc.py", 6, "test-failed"),
    }
    assert [t["status"] for t in failing.report["tools"]] == ["failed"] * 4
    assert failing.report["failed_tools"] == ["black", "flake8", "mypy", "pytest"]


def check_annotations(failing: Gate) -> None:
    assert sorted(failing.annotations()) == sorted(
        [
            "::error file=svc/pkg/style.py,line=3,title=black would-reformat::black would reformat this file "
            "(first change on this line); run black on it to fix",
            "::error file=svc/pkg/lint.py,line=1,col=1,title=flake8 F401::'os' imported but unused",
            "::error file=svc/pkg/typed.py,line=2,col=12,title=mypy return-value::"
            'Incompatible return value type (got "str", expected "int")',
            "::error file=svc/check_calc.py,line=6,title=pytest test-failed::check_calc.py::test_add failed: "
            "AssertionError: 2 + 2 is 100%25, not 5%0Aassert 4 == 5",
        ]
    )


def check_summary_outputs_and_reports(failing: Gate) -> None:
    assert "| tool | status | findings | time |" in failing.summary
    for tool in ("black", "flake8", "mypy", "pytest"):
        assert re.search(rf"^\| {tool} \| ❌ failed \| 1 \| \d+\.\d s \|$", failing.summary, re.MULTILINE)
    assert failing.summary.count("<details>") == 4
    assert "-GREETING = 'hello'\n+GREETING = \"hello\"" in failing.summary
    assert output(failing, "passed") == "false"
    assert output(failing, "failed-tools") == "black,flake8,mypy,pytest"
    assert json.loads(output(failing, "findings")) == {"black": 1, "flake8": 1, "mypy": 1, "pytest": 1}
    junit = Path(output(failing, "junit-xml")).read_text()
    assert 'name="test_add"' in junit and "<failure" in junit
    assert Path(output(failing, "report-json")).is_file()


def test_clean_sample_passes(tmp_path: Path) -> None:
    gate = run_gate(tmp_path, "clean")
    assert gate.code == 0, gate.stdout + gate.stderr
    assert gate.report["passed"] is True and gate.report["findings"] == []
    assert [t["status"] for t in gate.report["tools"]] == ["passed"] * 4
    assert gate.annotations() == [] and "<details>" not in gate.summary
    assert "## quality-gate ✅ passed" in gate.summary
    assert output(gate, "passed") == "true"


def test_forty_flake8_errors_give_ten_annotations_and_the_note(tmp_path: Path) -> None:
    gate = run_gate(tmp_path, "many_flake8", "--tools", "flake8")
    assert gate.code == 1
    assert len(gate.report["findings"]) == 40
    notes = gate.annotations()
    assert len(notes) == 10
    first_files = {n.split(",", 1)[0].removeprefix("::error file=") for n in notes[:4]}
    assert first_files == {f"svc/pkg/mod{n}.py" for n in range(4)}  # one per file before repeats
    assert "and 30 more errors not annotated" in notes[-1]
    assert all("more errors" not in n for n in notes[:-1])
    assert "30 more errors were not annotated" in gate.summary
    assert gate.summary.count("| F841 |") == 40


def test_report_only_and_allowed_failures(tmp_path: Path) -> None:
    never = run_gate(tmp_path / "never", "many_flake8", "--tools", "flake8", "--fail-on", "never")
    assert never.code == 0 and output(never, "passed") == "false"
    allowed = run_gate(
        tmp_path / "allowed", "many_flake8", "--tools", "flake8,black", "--allow-failure", "flake8"
    )
    assert allowed.code == 0 and output(allowed, "passed") == "true"
    assert "(allowed)" in allowed.summary


def test_no_tests_is_its_own_outcome(tmp_path: Path) -> None:
    gate = run_gate(tmp_path, "no_tests", "--tools", "pytest")
    assert gate.code == 1
    pytest_run = gate.tool("pytest")
    assert (pytest_run["status"], pytest_run["exit_code"], pytest_run["findings"]) == ("no-tests", 5, 0)
    assert "collected no tests" in pytest_run["problem"]
    assert any("title=pytest%3A no-tests::pytest collected no tests" in n for n in gate.annotations())


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A project environment with none of the tools (and no pip)."""
    venv = tmp_path_factory.mktemp("bare") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    return str(venv / "bin" / "python")


def test_mypy_missing_with_installation_disabled(tmp_path: Path, bare_python: str) -> None:
    gate = run_gate(tmp_path, "clean", "--tools", "mypy", "--install-tools", "false", python=bare_python)
    assert gate.code == 1
    mypy = gate.tool("mypy")
    assert (mypy["status"], mypy["exit_code"], mypy["findings"]) == ("missing", None, 0)
    assert "mypy is not installed in the project's environment" in mypy["problem"]
    assert "install-tools: false" in mypy["problem"]
    assert "| mypy | ⛔ missing | 0 |" in gate.summary
    assert any(
        n.startswith("::error title=mypy%3A missing::mypy is not installed") for n in gate.annotations()
    )


def test_mypy_missing_and_its_install_failing_offline(tmp_path: Path, bare_python: str) -> None:
    offline = {"PIP_NO_INDEX": "1", "PIP_INDEX_URL": "http://127.0.0.1:9/simple"}
    gate = run_gate(tmp_path, "clean", "--tools", "mypy", python=bare_python, env=offline)
    mypy = gate.tool("mypy")
    assert gate.code == 1 and mypy["status"] == "missing"
    assert "installing mypy==2.4.1 failed" in mypy["problem"]  # the pin from gitops-ci.defaults.yml


def test_a_crashing_tool_shows_its_stderr_not_zero_findings(tmp_path: Path) -> None:
    gate = run_gate(tmp_path, "clean", "--tools", "flake8", "--flake8-args=--no-such-option")
    flake8 = gate.tool("flake8")
    assert gate.code == 1
    assert (flake8["status"], flake8["exit_code"]) == ("crashed", 2)
    assert "--no-such-option" in flake8["stderr_tail"]
    assert "| flake8 | 💥 crashed | 0 |" in gate.summary


def recording_python(tmp: Path) -> tuple[str, Path]:
    """A `python` that logs its niceness and arguments, then is this checkout's python."""
    log, wrapper = tmp / "calls.log", tmp / "python"
    wrapper.write_text(f'#!/bin/sh\necho "$(nice) $*" >> "{log}"\nexec "{PYTHON}" "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    return str(wrapper), log


def tool_calls(log: Path) -> dict[str, tuple[int, str]]:
    """Tool → (niceness, arguments after `-m TOOL`)."""
    calls = {}
    for line in log.read_text(encoding="utf-8").splitlines():
        nice, _, argv = line.partition(" ")
        if argv.startswith("-m "):
            tool, _, rest = argv[3:].partition(" ")
            calls[tool] = (int(nice), rest)
    return calls


def test_tools_that_spread_over_the_cores_yield_to_the_single_process_ones(tmp_path: Path) -> None:
    python, log = recording_python(tmp_path)
    base = os.nice(0)
    gate = run_gate(tmp_path, "clean", "--black-args", "--safe .", python=python)
    assert gate.code == 0, gate.stdout
    calls = tool_calls(log)
    lowered = min(base + SPREADING_NICE, 19) - base  # 19 is the lowest priority there is
    assert lowered > 0
    assert {tool: nice - base for tool, (nice, _) in calls.items()} == {
        "black": lowered,
        "flake8": lowered,
        "mypy": 0,
        "pytest": 0,
    }
    # black only checks, so it skips its safety pass; the user's `--safe` comes after and wins.
    assert calls["black"][1].startswith("--check --diff --no-color --fast --safe .")


def test_with_only_spreading_tools_nothing_is_lowered(tmp_path: Path) -> None:
    python, log = recording_python(tmp_path)
    base = os.nice(0)
    gate = run_gate(tmp_path / "t", "clean", "--tools", "black,flake8", python=python)
    assert gate.code == 0, gate.stdout
    assert {tool: nice - base for tool, (nice, _) in tool_calls(log).items()} == {"black": 0, "flake8": 0}


def test_coverage_min_without_pytest_cov_fails_pytest_and_says_what_to_add(tmp_path: Path) -> None:
    gate = run_gate(tmp_path, "clean", "--coverage-min", "80")
    assert gate.code == 1
    assert gate.tool("pytest")["status"] == "failed"
    (finding,) = [f for f in gate.report["findings"] if f["code"] == "coverage"]
    assert "pytest-cov is not installed" in finding["message"] and "add pytest-cov" in finding["message"]
    assert gate.report["failed_tools"] == ["pytest"]


LEAKY_TOKEN = "ghs_QGtokenSecretForTheReportTest0123456789tTOKEN5566bb"  # as in leaky/check_leak.py


def test_report_files_hold_no_secret_nor_a_shortened_piece_of_one(tmp_path: Path) -> None:
    """A failing test prints a known secret and compares it: pytest shows it whole in the diff
    and shortened ('ghs_QGtokenS...tTOKEN5566bb') in the assertion line (issue 18, point 2)."""
    gate = run_gate(
        tmp_path,
        "leaky",
        "--tools",
        "pytest",
        env={"GITHUB_TOKEN": LEAKY_TOKEN, "INPUT_PYTEST_ARGS": "-o junit_logging=all"},
    )
    report_dir = tmp_path / "runner-temp" / "gitops-ci-quality-gate"
    junit = (report_dir / "pytest-junit.xml").read_text()
    report_json = (report_dir / "quality-gate.json").read_text()

    assert gate.code == 1 and gate.tool("pytest")["status"] == "failed", gate.stderr
    assert "test_the_token_is_printed_and_compared" in junit and "token in use: ***" in junit
    assert "...***" in junit or "***...***" in junit, "pytest did not shorten the value"
    log = "\n".join(line for line in gate.stdout.splitlines() if not line.startswith("::add-mask::"))
    pieces = {LEAKY_TOKEN[i : i + 12] for i in range(len(LEAKY_TOKEN) - 11)}
    for where, text in (("junit", junit), ("json", report_json), ("log", log), ("summary", gate.summary)):
        assert not [p for p in pieces if p in text], f"a piece of the secret is in the {where}"
