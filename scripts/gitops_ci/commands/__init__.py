"""The command registry: adding a command is one module and one line in MODULES (then
`python -m gitops_ci_dev.render` regenerates the catalog and the action files).

A run imports only the command it runs: a build does not pay for the bump engine, the gate or
the notifier. `catalog` (generated) knows every command's input names without importing them,
for the defaults file's check."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # each command module imports it; `gitops-ci --version` needs none of them
    from gitops_ci.commands.base import Command

# Command name → its module under gitops_ci.commands, in the order `--help` lists them.
MODULES = {
    "quality-gate": "quality_gate",
    "build-and-push": "build_and_push",
    "bump-manifest": "bump_manifest",
    "verify-deployment": "verify_deployment",
    "notify": "notify",
    "history": "history",
    "rollback": "rollback",
    "promote": "promote",
    "plan": "plan",
}

# The commands loaded so far (tests may register their own).
COMMANDS: dict[str, Command] = {}


def load(name: str) -> Command | None:
    """The command called `name`, importing its module on first use; None if there is none."""
    if name not in COMMANDS and name in MODULES:
        COMMANDS[name] = importlib.import_module(f"gitops_ci.commands.{MODULES[name]}").COMMAND
    return COMMANDS.get(name)


def load_all() -> dict[str, Command]:
    """Every command, in MODULES order (then any registered by hand)."""
    for name in MODULES:
        load(name)
    return {**{name: COMMANDS[name] for name in MODULES}, **COMMANDS}
