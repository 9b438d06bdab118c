"""What every command is made of: options, and a function from resolved inputs to an exit code."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Mapping

from gitops_ci.inputs import Option, parse_bool
from gitops_ci.record import Record

if TYPE_CHECKING:  # a run makes them (main.dispatch); a `--help` needs neither
    from gitops_ci.context import RunContext
    from gitops_ci.doors.runner import Console


class Context(Record):
    """What a command gets besides its inputs: the screen, the run context (read once, in
    `main`) and the working directory."""

    console: Console
    run: RunContext
    cwd: str

    @property
    def environ(self) -> Mapping[str, str]:
        """The whole environment, for the children the doors start."""
        return self.run.environ


Values = Mapping[str, Any]
Handler = Callable[[Context, Values], int]


class Command(Record):
    name: str
    summary: str
    description: str
    options: tuple[Option, ...]
    handler: Handler
    outputs: tuple[tuple[str, str], ...] = ()  # (name, description) for action.yml
    icon: str = "box"  # action.yml branding

    @property
    def input_names(self) -> frozenset[str]:
        return frozenset(o.name for o in self.options if not o.flag_only)


JSON_OPTION = Option("json", "print one JSON document with the result", parse_bool, "false", flag_only=True)
