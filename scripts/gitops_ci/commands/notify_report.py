"""What notify shows: outputs, summary, the result; a warning or error when not delivered."""

from __future__ import annotations

import json

from gitops_ci.engines.notify.model import Result
from gitops_ci.doors.runner import Console


def report(console: Console, result: Result, *, fail_on_error: bool) -> int:
    console.set_outputs(
        {
            "delivered": result.delivered,
            "status-code": "" if result.status_code is None else str(result.status_code),
            "attempts": str(result.attempts),
            "channel": result.channel,
            "payload": result.payload,
        }
    )
    failed = not (result.delivered or result.dry_run)
    if failed:
        message = problem(result)
        if fail_on_error:
            console.error(message)
        else:
            console.warning(message + " (fail-on-error is false, so the step goes on)")
    console.summary(summary(result))
    console.result(document(result, failed and fail_on_error), text(result))
    return 1 if failed and fail_on_error else 0


def problem(result: Result) -> str:
    tries = (
        f" after {result.attempts} attempt{'s' if result.attempts != 1 else ''}" if result.attempts else ""
    )
    return f"notify: the {result.channel} message was not delivered{tries}: {result.reason}"


def summary(result: Result) -> str:
    if result.dry_run:
        return f"### notify\nDry run: the {result.channel} payload was built and not sent.\n"
    if result.delivered:
        return f"### notify\n✅ Delivered to {result.channel} (HTTP {result.status_code}).\n"
    return f"### notify\n⚠️ Not delivered to {result.channel}: {result.reason}\n"


def document(result: Result, failed: bool) -> dict[str, object]:
    return {
        "ok": not failed,
        "channel": result.channel,
        "dry_run": result.dry_run,
        "delivered": result.delivered,
        "status_code": result.status_code,
        "attempts": result.attempts,
        "reason": result.reason,
        "payload": result.payload,
    }


def text(result: Result) -> str:
    if result.dry_run:
        return json.dumps(result.payload, indent=2, ensure_ascii=False)
    if result.delivered:
        plural = "s" if result.attempts != 1 else ""
        code, tries = result.status_code, f"{result.attempts} attempt{plural}"
        return f"notify: delivered to {result.channel} (HTTP {code}, {tries})"
    return ""
