"""What verify-deployment shows: outputs, the summary table with links, the result text."""

from __future__ import annotations

from typing import Any

from gitops_ci.doors.runner import Console
from gitops_ci.engines.verify.model import AppReport, Result


def outcome(result: Result) -> str:
    """One line for notify: "healthy in 42 s", or why not."""
    if result.healthy:
        return f"healthy in {result.duration:.0f} s"
    return result.problem


def app_document(report: AppReport) -> dict[str, Any]:
    state = report.state
    return {
        "name": state.name,
        "sync": state.sync,
        "health": state.health,
        "revision": ",".join(state.revisions),
        "operation": state.phase,
        "healthy": report.healthy,
        "url": state.url,
        "message": report.verdict.message,
    }


def document(result: Result) -> dict[str, Any]:
    return {
        "ok": result.healthy,
        "healthy": result.healthy,
        "synced": result.synced,
        "duration": result.duration,
        "message": outcome(result),
        "applications": [app_document(r) for r in result.apps],
    }


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|") or "–"


def summary(result: Result, revision: str) -> str:
    icon = "✅" if result.healthy else "❌"
    lines = [f"### verify-deployment\n{icon} `{revision[:12]}`: {_cell(outcome(result))}", ""]
    lines += ["| Application | Sync | Health | Revision | Operation |", "|---|---|---|---|---|"]
    for report in result.apps:
        state = report.state
        name = f"[{_cell(state.name)}]({state.url})" if state.url else _cell(state.name)
        cells = [name, _cell(state.sync), _cell(state.health)]
        cells += [f"`{_cell(','.join(r[:12] for r in state.revisions))}`", _cell(state.phase)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def text(result: Result) -> str:
    rows = [f"{'APPLICATION':<24} {'SYNC':<10} {'HEALTH':<12} {'REVISION':<12} URL"]
    for report in result.apps:
        state = report.state
        revision = ",".join(r[:12] for r in state.revisions) or "-"
        rows.append(
            f"{state.name:<24} {state.sync or '-':<10} {state.health or '-':<12} {revision:<12} {state.url}"
        )
    return "\n".join([*rows, f"verify-deployment: {outcome(result)}"])


def report(console: Console, result: Result, revision: str) -> int:
    doc = document(result)
    console.set_outputs(
        {
            "healthy": result.healthy,
            "synced": result.synced,
            "duration": f"{result.duration:.0f}",
            "applications": doc["applications"],
            "message": doc["message"],
        }
    )
    if not result.healthy:
        console.error(f"verify-deployment: {result.problem}")
    console.summary(summary(result, revision))
    console.result(doc, text(result))
    return 0 if result.healthy else 1
