"""Choose the annotations: GitHub shows at most 10 errors and 10 warnings per step."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable, Sequence

from gitops_ci.annotation import Annotation
from gitops_ci.engines.quality_gate.findings import ERROR, FAILED, PASSED, WARNING, Finding
from gitops_ci.engines.quality_gate.model import Result, ToolRun

PER_STEP = 10  # https://docs.github.com/en/rest/checks/runs (annotations per step, per level)


@dataclass(frozen=True)
class Selection:
    annotations: tuple[Annotation, ...]
    omitted: dict[str, int]  # per level, how many did not fit


def select(result: Result, limit: int = PER_STEP) -> Selection:
    """Tool problems first, then findings: one per file before a file's second one."""
    chosen: list[Annotation] = []
    omitted: dict[str, int] = {}
    problems = [_problem(r) for r in result.runs if r.status not in (PASSED, FAILED)]
    for level in (ERROR, WARNING):
        candidates = [a for a in problems if a.level == level]
        candidates += [_finding(f) for f in spread(f for f in result.findings if f.severity == level)]
        picked, extra = candidates[:limit], len(candidates) - limit
        if extra > 0:
            picked[-1] = replace(picked[-1], message=picked[-1].message + more_note(extra, level))
            omitted[level] = extra
        chosen.extend(picked)
    return Selection(tuple(chosen), omitted)


def spread(findings: Iterable[Finding]) -> list[Finding]:
    """Round by round: each file's first finding, then each file's second, and so on."""
    per_file: dict[str, list[Finding]] = {}
    for finding in findings:
        per_file.setdefault(finding.file, []).append(finding)
    queues = list(per_file.values())
    ordered: list[Finding] = []
    depth = 0
    while any(len(q) > depth for q in queues):
        ordered.extend(q[depth] for q in queues if len(q) > depth)
        depth += 1
    return ordered


def more_note(count: int, level: str) -> str:
    noun = level + ("s" if count != 1 else "")
    return (
        f"\n(and {count} more {noun} not annotated: GitHub shows {PER_STEP} per step; "
        "all are in the job summary and the JSON report)"
    )


def _finding(finding: Finding) -> Annotation:
    title = f"{finding.tool} {finding.code}".strip()
    return Annotation(
        finding.severity,
        finding.message,
        file=finding.file or None,
        line=finding.line or None,
        col=finding.col or None,
        title=title,
    )


def _problem(run: ToolRun) -> Annotation:
    level = WARNING if run.allowed else ERROR
    tail = f"\n{run.stderr_tail}" if run.stderr_tail else ""
    return Annotation(level, f"{run.problem}{tail}", title=f"{run.tool}: {run.status}")


def levels(annotations: Sequence[Annotation]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for note in annotations:
        counts[note.level] = counts.get(note.level, 0) + 1
    return counts
