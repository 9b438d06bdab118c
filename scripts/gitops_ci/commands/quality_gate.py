"""quality-gate: black, flake8, mypy and pytest in parallel (issue: quality-gate)."""

from __future__ import annotations

from gitops_ci.commands.base import JSON_OPTION, Command
from gitops_ci.commands.pending import not_implemented
from gitops_ci.inputs import Option, parse_bool, parse_choice, parse_list

COMMAND = Command(
    name="quality-gate",
    summary="run black, flake8, mypy and pytest concurrently and report findings",
    description="Runs the project's quality tools in parallel and turns their output into "
    "annotations, a summary table and reports.",
    options=(
        Option("working-directory", "the project to check", default="."),
        Option("tools", "tools to run, comma or newline separated", parse_list, "black,flake8,mypy,pytest"),
        Option("install", "a command that installs the project first, e.g. `pip install -e .[dev]`"),
        Option("fail-on", "when the step fails", parse_choice(("any", "never")), "any"),
        Option("allow-failure", "tools whose failure does not fail the step", parse_list),
        Option("tool-versions", "pinned tool versions, TOOL=VERSION per line", parse_list),
        Option("coverage-min", "minimum pytest coverage percent (needs pytest-cov)"),
        Option("annotations", "emit annotations on the changed lines", parse_bool, "true"),
        JSON_OPTION,
    ),
    handler=not_implemented("quality-gate"),
)
