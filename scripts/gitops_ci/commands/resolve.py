"""A command's values: flag > INPUT_<NAME> > the fork's defaults file > built-in default, each
parsed by its option's grammar; every secret (or secret part) is masked before it is parsed."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from gitops_ci import defaults
from gitops_ci.commands import COMMANDS, catalog
from gitops_ci.commands.base import Command
from gitops_ci.doors.runner import Console
from gitops_ci.inputs import Option, defaults_text, resolve, scrub


def resolve_inputs(
    command: Command, flags: Mapping[str, Any], environ: Mapping[str, str], console: Console
) -> dict[str, Any]:
    path = defaults.default_path(environ)
    if flags.get("defaults_file"):
        path = Path(flags["defaults_file"])
    required = bool(flags.get("defaults_file") or environ.get(defaults.ENV_OVERRIDE))
    # Every command's input names, from the generated catalog (importing each command would cost
    # a build the bump engine's start-up), and from any command registered at run time.
    known = {**catalog.INPUTS, **{c.name: c.input_names for c in COMMANDS.values()}}
    secret_keys = catalog.SECRETS | {o.name for c in COMMANDS.values() for o in c.options if o.secret}
    sections = defaults.load(path, known, required=required, secret_keys=secret_keys)
    command_defaults = defaults.for_command(sections, command.name)
    values: dict[str, Any] = {}
    for option in command.options:
        raw = flags.get(option.dest)
        for text in _secret_texts(option, raw, environ, command_defaults):
            console.mask(text)
        values[option.dest] = resolve(option, raw, environ, command_defaults).value
    return values


def _secret_texts(
    option: Option, raw: Any, environ: Mapping[str, str], command_defaults: Mapping[str, object]
) -> list[str]:
    """What to mask of an option before it is parsed: the whole value of a secret, the secret
    parts of one that has some (from every place the value can come from)."""
    if not (option.secret or option.secret_parts):
        return []
    texts = [environ.get(name, "") for name in option.env_names]
    if isinstance(raw, str):
        texts.append(raw)
    if option.name in command_defaults:
        texts.append(defaults_text(command_defaults[option.name]))
    texts = [scrub(t) for t in texts if t]
    if option.secret_parts is None:
        return texts
    return [part for text in texts for part in option.secret_parts(text)] + (texts if option.secret else [])
