"""The command registry: adding a command is one module and one line here."""

from __future__ import annotations

from gitops_ci.commands import build_and_push, bump_manifest, history, notify, quality_gate, rollback
from gitops_ci.commands.base import Command

COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        quality_gate.COMMAND,
        build_and_push.COMMAND,
        bump_manifest.COMMAND,
        notify.COMMAND,
        history.COMMAND,
        rollback.COMMAND,
    )
}
