"""quality-gate: black, flake8, mypy and pytest in parallel (issue: quality-gate).

The edge: parse the inputs into `Inputs`, run the pure core, then report through the console.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from gitops_ci.commands.base import JSON_OPTION, Command, Context, Values
from gitops_ci.errors import UserError
from gitops_ci.inputs import (
    Option,
    parse_bool,
    parse_choice,
    parse_list,
    parse_map,
    parse_percent,
    parse_subset,
    parse_words,
)
from gitops_ci.engines.quality_gate.tools import TOOLS

if TYPE_CHECKING:  # the engine loads when the gate runs: `--help` needs the tools' names only
    from gitops_ci.engines.quality_gate.model import Inputs, Result

SUITE_SCRIPTS = str(Path(__file__).resolve().parents[2])
LOGGED_FINDINGS = 200  # per tool, in the step log; all of them are in the reports


TOOL_SELECTION = parse_subset(tuple(TOOLS), what="tools")


ARG_OPTIONS = tuple(
    Option(
        f"{name}-args",
        (
            f"arguments for {name} (they replace its default `{shlex.join(tool.default_args)}`)"
            if tool.default_args
            else f"arguments for {name}"
        ),
        parse_words,
    )
    for name, tool in TOOLS.items()
)

COMMAND = Command(
    name="quality-gate",
    summary="run black, flake8, mypy and pytest concurrently and report findings",
    description="Runs the project's quality tools in parallel and turns their output into "
    "annotations, a summary table and reports.",
    options=(
        Option("working-directory", "the project to check", default="."),
        Option(
            "tools", "tools to run, comma or newline separated", TOOL_SELECTION, "black,flake8,mypy,pytest"
        ),
        *ARG_OPTIONS,
        Option(
            "install", "a command that installs the project first, e.g. `pip install -e .[dev]` (no shell)"
        ),
        Option(
            "python",
            "the project's Python interpreter, which runs the tools as `python -m TOOL` "
            "(default: `.venv/bin/python` in working-directory if present, else python3 on PATH)",
        ),
        Option(
            "install-tools", "install the pinned tool-versions of tools the project lacks", parse_bool, "true"
        ),
        Option(
            "tool-versions", "pinned versions for tools the gate installs, TOOL=VERSION per line", parse_map
        ),
        Option(
            "fail-on",
            "when the step fails: any tool failing, or never (report only)",
            parse_choice(("any", "never")),
            "any",
        ),
        Option("allow-failure", "tools whose failure does not fail the step", parse_list),
        Option(
            "coverage-min", "minimum pytest coverage percent (needs pytest-cov in the project)", parse_percent
        ),
        Option("annotations", "emit annotations on the changed lines", parse_bool, "true"),
        Option("report-dir", "where the JSON and JUnit reports go (default: a folder under RUNNER_TEMP)"),
        JSON_OPTION,
    ),
    handler=lambda ctx, values: handle(ctx, values),
    outputs=(
        ("passed", "true when every tool passed (tools in allow-failure aside)"),
        ("failed-tools", "the tools that failed, comma separated"),
        ("findings", "the number of findings per tool, as JSON"),
        ("report-json", "path of the JSON report of all findings"),
        ("junit-xml", "path of pytest's JUnit XML report"),
    ),
    icon="check-circle",
)


def handle(ctx: Context, values: Values) -> int:
    inputs = build_inputs(ctx, values)  # first: a bad input is refused before the engine loads
    from gitops_ci.engines.quality_gate import core, selection, summary
    from gitops_ci.engines.quality_gate.model import Services

    console = ctx.console
    services = Services(environ=tool_environment(ctx.environ), redactor=console.redactor, log=console.info)
    result = core.run(inputs, services)
    _log_runs(ctx, result)
    chosen = selection.select(result)
    if values["annotations"]:
        for note in chosen.annotations:
            console.annotate(note)
    console.summary(summary.render(result, chosen.omitted))
    console.set_outputs(
        {
            "passed": result.passed,
            "failed-tools": ",".join(result.failed_tools),
            "findings": result.counts(),
            "report-json": result.report_json,
            "junit-xml": result.junit_xml,
        }
    )
    console.result(core.report(result), _verdict(result))
    return 0 if result.passed or values["fail_on"] == "never" else 1


def build_inputs(ctx: Context, values: Values) -> Inputs:
    from gitops_ci.engines.quality_gate.model import Inputs

    workdir = os.path.abspath(os.path.join(ctx.cwd, values["working_directory"] or "."))
    if not os.path.isdir(workdir):
        raise UserError(
            f"working-directory {values['working_directory']!r} is not a directory",
            why=f"resolved to {workdir}",
            fix="point working-directory at the project's folder in the checkout",
        )
    unknown = [t for t in values["allow_failure"] if t not in TOOLS]
    if unknown:
        raise UserError(f"input 'allow-failure' names unknown tools: {', '.join(unknown)}")
    tools: tuple[str, ...] = values["tools"]
    return Inputs(
        working_directory=workdir,
        repo_root=repo_root(workdir, ctx.run.workspace),
        python=project_python(values["python"], workdir, ctx.environ),
        tools=tools,
        args={t: values[f"{t}_args"] for t in tools if values[f"{t}_args"]},
        install=values["install"] and parse_words(values["install"], name="install"),
        install_tools=values["install_tools"],
        tool_versions=values["tool_versions"],
        tools_cache=cache_dir(ctx),
        report_dir=report_dir(values["report_dir"], ctx),
        fail_on=values["fail_on"],
        allow_failure=frozenset(values["allow_failure"]),
        coverage_min=values["coverage_min"],
    )


def repo_root(workdir: str, workspace: str) -> str:
    """The nearest folder holding `.git`; paths relative to it attach to the pull request's diff."""
    for folder in (Path(workdir), *Path(workdir).parents):
        if (folder / ".git").exists():
            return str(folder)
    return workspace or workdir


def project_python(given: str, workdir: str, environ: Mapping[str, str]) -> str:
    import shutil

    candidates = [os.path.join(workdir, ".venv", "bin", "python")]
    if environ.get("VIRTUAL_ENV"):
        candidates.append(os.path.join(environ["VIRTUAL_ENV"], "bin", "python"))
    if given:
        found = shutil.which(given, path=environ.get("PATH")) or (given if os.path.isfile(given) else None)
    else:
        found = next((c for c in candidates if os.path.isfile(c)), None)
        found = found or shutil.which("python3", path=environ.get("PATH"))
    if not found:
        raise UserError(
            f"no Python interpreter found for the project ({given or 'python3'})",
            fix="add actions/setup-python before this step, or set the `python` input",
        )
    return os.path.abspath(found) if os.path.sep in found else found


def cache_dir(ctx: Context) -> str:
    base = ctx.run.tool_cache or ctx.run.runner_temp or ctx.environ.get("XDG_CACHE_HOME")
    return os.path.join(base or os.path.join(os.path.expanduser("~"), ".cache"), "gitops-ci")


def report_dir(given: str, ctx: Context) -> str:
    if given:
        return os.path.abspath(os.path.join(ctx.cwd, given))
    if ctx.run.runner_temp:
        return os.path.join(ctx.run.runner_temp, "gitops-ci-quality-gate")
    import tempfile

    return tempfile.mkdtemp(prefix="gitops-ci-quality-gate-")


def tool_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The caller's environment, minus the suite's own scripts folder on PYTHONPATH and the step's
    file commands: black, for one, writes its own outputs to $GITHUB_OUTPUT when it sees them."""
    from gitops_ci.context import STEP_FILES

    env = {k: v for k, v in environ.items() if k not in STEP_FILES}
    kept = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != SUITE_SCRIPTS]
    if kept:
        env["PYTHONPATH"] = os.pathsep.join(kept)
    else:
        env.pop("PYTHONPATH", None)
    return env


def _log_runs(ctx: Context, result: Result) -> None:
    for run in result.runs:
        title = f"{run.tool}: {run.status}, {len(run.findings)} findings, {run.duration:.1f} s"
        with ctx.console.group(title):
            if run.command:
                ctx.console.info(f"$ {run.command}")
            for text in (run.problem, run.stderr_tail):
                if text:
                    ctx.console.info(text)
            for f in run.findings[:LOGGED_FINDINGS]:
                ctx.console.info(f"{f.file}:{f.line}:{f.col}: {f.code} {f.message}")
            if len(run.findings) > LOGGED_FINDINGS:
                ctx.console.info(f"... {len(run.findings) - LOGGED_FINDINGS} more in {result.report_json}")


def _verdict(result: Result) -> str:
    from gitops_ci.engines.quality_gate.findings import FAILED, PASSED

    lines = []
    for run in result.runs:
        mark = "ok" if run.status == PASSED else ("FINDINGS" if run.status == FAILED else run.status.upper())
        allowed = " (allowed)" if run.allowed and run.status != PASSED else ""
        lines.append(
            f"{run.tool:<8} {mark:<9} {len(run.findings):>4} findings {run.duration:6.1f} s{allowed}"
        )
    head = (
        "quality-gate passed" if result.passed else "quality-gate failed: " + ", ".join(result.failed_tools)
    )
    return "\n".join([head, *lines, f"report: {result.report_json}"])
