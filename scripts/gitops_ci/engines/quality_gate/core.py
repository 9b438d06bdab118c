"""The gate's core: `run(inputs, services) -> Result`. It never reads os.environ and never prints."""

from __future__ import annotations

import json
import os
import shlex
from dataclasses import replace
from typing import Any, Mapping, Sequence

from gitops_ci.doors import proc
from gitops_ci.errors import UserError
from gitops_ci.engines.quality_gate import coverage, environment
from gitops_ci.engines.quality_gate.findings import CRASHED, FAILED, MISSING, PASSED, Finding, Outcome
from gitops_ci.engines.quality_gate.model import Inputs, Result, Services, ToolRun
from gitops_ci.engines.quality_gate.tools import TOOLS
from gitops_ci.engines.quality_gate.tools.base import Tool
from gitops_ci.engines.quality_gate.tools.pytest_junit import junit_path
from gitops_ci.secrets import Redactor

REPORT_NAME = "quality-gate.json"
# The CPU priority (nice) of tools that spread over every core (black, flake8) while single-process
# tools (mypy, pytest) run: those set the gate's critical path, so they get a core each first and
# the others fill the time they leave idle. The lowest priority: at 10, by the kernel's weights, two
# of their processes sharing a core with pytest would still take about a fifth of it.
SPREADING_NICE = 19


def run(inputs: Inputs, services: Services) -> Result:
    redactor = services.redactor
    started = services.clock()
    os.makedirs(inputs.report_dir, exist_ok=True)
    if inputs.install:
        _install_project(inputs, services)
    tools = [TOOLS[name] for name in inputs.tools]
    envs, missing, found = _tool_environments(inputs, tools, services)
    cov = coverage.plan(inputs, "pytest_cov" in found)
    ready = [t for t in tools if t.name in envs]
    nice = SPREADING_NICE if any(not t.spreads for t in ready) else 0
    jobs = [_job(inputs, t, envs[t.name], cov.args if t.name == "pytest" else (), nice) for t in ready]
    done = dict(zip((t.name for t in ready), proc.run_concurrently(jobs, redactor=redactor)))
    # Reports are uploaded as artifacts: output like the log, so no secret a test printed stays in them.
    for path in (junit_path(inputs.report_dir), cov.report):
        _redact_file(path, redactor)
    runs = []
    for tool in tools:
        if tool.name in missing:
            runs.append(_missing(tool, missing[tool.name], inputs))
        else:
            runs.append(_interpret(tool, done[tool.name], inputs, redactor))
    runs, percent = cov.apply(runs, inputs)
    result = Result(
        tuple(runs),
        os.path.join(inputs.report_dir, REPORT_NAME),
        junit_path(inputs.report_dir) if "pytest" in envs else "",
        services.clock() - started,
        percent,
    )
    with open(result.report_json, "w", encoding="utf-8") as handle:
        handle.write(redactor.redact(json.dumps(report(result), indent=2)) + "\n")
    return result


def _redact_file(path: str, redactor: Redactor) -> None:
    """Rewrite a report a tool wrote with every secret (and fragment of one) masked."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except FileNotFoundError:
        return
    clean = redactor.redact(text)
    if clean != text:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(clean)


def _install_project(inputs: Inputs, services: Services) -> None:
    proc.run(
        inputs.install,
        redactor=services.redactor,
        log=services.log,
        cwd=inputs.working_directory,
        env=services.environ,
        timeout=inputs.timeout,
        fix="fix the `install` input (it runs first, in `working-directory`, without a shell)",
    )


def _tool_environments(
    inputs: Inputs, tools: Sequence[Tool], services: Services
) -> tuple[dict[str, dict[str, str]], dict[str, str], frozenset[str]]:
    """Per tool, the environment to run it with; or, for tools we cannot run, why not. Also the
    modules the project's environment has."""
    wanted = [t.module for t in tools] + (["pytest_cov"] if inputs.coverage_min is not None else [])
    redactor = services.redactor
    found = environment.probe(
        inputs.python, wanted, cwd=inputs.working_directory, env=services.environ, redactor=redactor
    )
    base = dict(services.environ)
    envs = {t.name: base for t in tools if t.module in found.found}
    absent = [t for t in tools if t.module not in found.found]
    if not absent:
        return envs, {}, found.found
    where = f"the project's environment ({inputs.python})"
    if not inputs.install_tools:
        why = f"{{}} is not installed in {where}, and installing tools is disabled (install-tools: false)"
        return envs, {t.name: why.format(t.name) for t in absent}, found.found
    reqs = environment.requirements([t.package for t in absent], inputs.tool_versions)
    got = environment.install(
        inputs.python,
        found.tag,
        reqs,
        cache=inputs.tools_cache,
        env=base,
        redactor=redactor,
        log=services.log,
    )
    if got.problem:
        return (
            envs,
            {t.name: f"{t.name} is not installed in {where}; {got.problem}" for t in absent},
            found.found,
        )
    envs.update({t.name: environment.with_path(base, got.path) for t in absent})
    return envs, {}, found.found


def _job(inputs: Inputs, tool: Tool, env: Mapping[str, str], extra: Sequence[str], nice: int) -> proc.Job:
    args = [*tool.gate_args, *inputs.args.get(tool.name, tool.default_args), *extra]
    argv = [inputs.python, "-m", tool.module, *tool.command(args, inputs.report_dir)]
    return proc.Job(
        tuple(argv),
        cwd=inputs.working_directory,
        env=env,
        timeout=inputs.timeout,
        nice=nice if tool.spreads else 0,
    )


def _missing(tool: Tool, problem: str, inputs: Inputs) -> ToolRun:
    return ToolRun(
        tool.name, MISSING, (), 0.0, None, problem=problem, allowed=tool.name in inputs.allow_failure
    )


def _interpret(tool: Tool, done: proc.Completed | UserError, inputs: Inputs, redactor: Redactor) -> ToolRun:
    allowed = tool.name in inputs.allow_failure
    if isinstance(done, UserError):  # it could not start, or it timed out
        return ToolRun(tool.name, CRASHED, (), 0.0, None, problem=redactor.redact(str(done)), allowed=allowed)
    try:
        outcome = tool.interpret(done, inputs.report_dir)
    except Exception as exc:  # noqa: BLE001 - output we cannot read is the tool's crash, not ours
        outcome = Outcome(CRASHED, problem=f"its output could not be read ({type(exc).__name__}: {exc})")
    findings = tuple(_rebase(f, inputs) for f in outcome.findings)
    tail = "" if outcome.status in (PASSED, FAILED) else redactor.redact(proc.output_tail(done))
    return ToolRun(
        tool.name,
        outcome.status,
        findings,
        done.duration,
        done.returncode,
        command=shlex.join(redactor.redact_args(done.args)),
        detail=redactor.redact(outcome.detail),
        problem=outcome.problem,
        stderr_tail=tail,
        allowed=allowed,
    )


def _rebase(finding: Finding, inputs: Inputs) -> Finding:
    """Paths relative to the repository root, so annotations attach to the pull request's diff."""
    if not finding.file:
        return finding
    absolute = os.path.normpath(os.path.join(inputs.working_directory, finding.file))
    relative = os.path.relpath(absolute, inputs.repo_root)
    if relative.startswith(".."):
        return replace(finding, file=absolute.replace(os.sep, "/"))
    return replace(finding, file=relative.replace(os.sep, "/"))


def report(result: Result) -> dict[str, Any]:
    """The JSON report (also the `--json` document)."""
    return {
        "passed": result.passed,
        "failed_tools": list(result.failed_tools),
        "findings_count": result.counts(),
        "coverage": result.coverage,
        "wall_time": round(result.wall_time, 3),
        "report_json": result.report_json,
        "junit_xml": result.junit_xml,
        "tools": [_tool_report(r) for r in result.runs],
        "findings": [f.to_json() for f in result.findings],
    }


def _tool_report(run: ToolRun) -> dict[str, Any]:
    return {
        "tool": run.tool,
        "status": run.status,
        "allowed_failure": run.allowed,
        "exit_code": run.exit_code,
        "duration": round(run.duration, 3),
        "findings": len(run.findings),
        "command": run.command,
        "problem": run.problem,
        "stderr_tail": run.stderr_tail,
    }
