"""The step summary: a table of tools, then a collapsible block per failing tool, within 1 MiB."""

from __future__ import annotations

import html
import re
import string
from typing import Iterable, Mapping

from gitops_ci.context import SUMMARY_CAP
from gitops_ci.engines.quality_gate.selection import PER_STEP
from gitops_ci.engines.quality_gate.findings import CRASHED, FAILED, MISSING, NO_TESTS, PASSED, Finding
from gitops_ci.engines.quality_gate.model import Result, ToolRun

# Room for the runner's truncation note and anything else the step appends.
BUDGET = SUMMARY_CAP - 16 * 1024
FENCE = re.compile(r"^```+[a-z]*\n$")
ICON = {PASSED: "✅", FAILED: "❌", NO_TESTS: "⚠️", MISSING: "⛔", CRASHED: "💥"}


def render(result: Result, omitted: Mapping[str, int], budget: int = BUDGET) -> str:
    parts = [_head(result, omitted)]
    used = _size(parts[0])
    for run in result.runs:
        if run.status == PASSED and not run.findings:
            continue
        block = _block(run, budget - used)
        if not block:
            parts.append(f"\n_{run.tool}: details left out to stay within GitHub's summary size limit._\n")
            break
        parts.append(block)
        used += _size(block)
    return "".join(parts)


def _head(result: Result, omitted: Mapping[str, int]) -> str:
    verdict = "✅ passed" if result.passed else "❌ failed: " + ", ".join(result.failed_tools)
    lines = [f"## quality-gate {verdict}", "", "| tool | status | findings | time |", "|---|---|---:|---:|"]
    for run in result.runs:
        status = f"{ICON.get(run.status, '')} {run.status}" + (" (allowed)" if run.allowed else "")
        lines.append(f"| {run.tool} | {status} | {len(run.findings)} | {run.duration:.1f} s |")
    if result.coverage is not None:
        lines += ["", f"Coverage: {result.coverage:.1f}%"]
    for level, count in omitted.items():
        lines += [
            "",
            f"> **Note:** {count} more {level}s were not annotated (GitHub shows {PER_STEP} per step); "
            "every finding is listed below and in the JSON report.",
        ]
    return "\n".join(lines) + "\n"


def _block(run: ToolRun, room: int) -> str:
    """`<details>` with the tool's problem, findings and diff, cut to fit ``room`` bytes."""
    count = f"{len(run.findings)} finding" + ("" if len(run.findings) == 1 else "s")
    opening = f"\n<details><summary><b>{run.tool}</b>: {run.status}, {count}</summary>\n\n"
    closing = "\n</details>\n"
    body = list(_problem(run)) + list(_findings(run.findings)) + list(_fenced(run.detail, "diff"))
    out, used, total = [opening], _size(opening) + _size(closing) + 200, len(body)
    if used > room:
        return ""
    fence = ""  # the fence of the code block we are in, to close it if we cut inside it
    for index, piece in enumerate(body):
        if used + _size(piece) > room:
            out.append(f"{fence}\n" if fence else "")
            out.append(f"\n_… cut here to fit the summary size limit ({total - index} more lines)._\n")
            break
        out.append(piece)
        used += _size(piece)
        if FENCE.match(piece):
            marker = piece.strip().rstrip(string.ascii_lowercase)
            fence = "" if marker == fence else (fence or marker)
    out.append(closing)
    return "".join(out)


def _problem(run: ToolRun) -> Iterable[str]:
    if run.problem:
        yield _cell_text(run.problem) + "\n\n"
    if run.stderr_tail:
        yield from _fenced(run.stderr_tail, "text")


def _findings(findings: tuple[Finding, ...]) -> Iterable[str]:
    if not findings:
        return
    yield "| file | line | code | message |\n|---|---:|---|---|\n"
    for f in findings:
        where = _cell_text(f.file) if f.file else ""
        yield f"| {where} | {f.line or ''} | {_cell_text(f.code)} | {_cell_text(f.message)} |\n"
    yield "\n"


def _fenced(text: str, language: str) -> Iterable[str]:
    """A code block as one piece per line; the fence is longer than any backtick run inside."""
    if not text.strip():
        return
    fence = "`" * max(3, 1 + max((len(m) for m in re.findall(r"`+", text)), default=0))
    yield f"{fence}{language}\n"
    for line in text.rstrip("\n").splitlines():
        yield line + "\n"
    yield f"{fence}\n"


def _cell_text(text: str) -> str:
    return html.escape(text).replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def _size(text: str) -> int:
    return len(text.encode("utf-8"))
