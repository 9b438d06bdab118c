"""What every command is made of: options, and a function from resolved inputs to an exit code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from gitops_ci.inputs import Option, parse_bool
from gitops_ci.runner import Console


@dataclass(frozen=True)
class Context:
    console: Console
    environ: Mapping[str, str]
    cwd: str


Values = Mapping[str, Any]
Handler = Callable[[Context, Values], int]


@dataclass(frozen=True)
class Command:
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
