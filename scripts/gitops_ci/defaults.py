"""The fork's defaults file, `gitops-ci.defaults.yml` at the suite's root.

An organisation forks the suite and edits this one file instead of four action.yml files.
Its top-level keys are `all` (applies to every command) and the command names; under each,
the command's input names. Unknown keys are an error that lists the valid ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from gitops_ci.errors import UserError

FILE_NAME = "gitops-ci.defaults.yml"
ENV_OVERRIDE = "GITOPS_CI_DEFAULTS"
SUITE_ROOT = Path(__file__).resolve().parents[2]

Sections = dict[str, dict[str, object]]


def default_path(environ: Mapping[str, str]) -> Path:
    override = environ.get(ENV_OVERRIDE, "")
    return Path(override) if override else SUITE_ROOT / FILE_NAME


def load(
    path: Path,
    known: Mapping[str, frozenset[str]],
    *,
    required: bool = False,
    secret_keys: frozenset[str] = frozenset(),
) -> Sections:
    """Read and validate the defaults file; a missing file means no defaults."""
    if not path.is_file():
        if required:
            raise UserError(
                f"defaults file {path} does not exist",
                fix=f"create it, or unset {ENV_OVERRIDE} to use the suite's own {FILE_NAME}",
            )
        return {}
    text = _read(path)
    if not text.strip():
        return {}  # nothing to parse: skip loading the YAML library
    from gitops_ci import plain_yaml

    try:
        data = plain_yaml.load(text)  # the plain shape a defaults file has, read exactly as below
    except plain_yaml.NotPlain:
        data = _parse(path, text)
    return validate(data, known, source=str(path), secret_keys=secret_keys)


def _parse(path: Path, text: str) -> Any:
    """The file through the YAML library: any shape, and its errors at their line."""
    from ruamel.yaml import YAML  # here, not at the top: every command starts through this module
    from ruamel.yaml.error import YAMLError

    try:
        return YAML(typ="safe", pure=True).load(text)
    except (YAMLError, RecursionError) as exc:
        why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc).strip()
        raise UserError(
            f"defaults file {path} is not valid YAML",
            why=why,
            fix="fix the YAML syntax at the line shown",
        ) from None


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(
            f"defaults file {path} is not UTF-8 text",
            why=f"byte {exc.start} is not UTF-8 ({exc.reason})",
            fix="save the file as UTF-8",
        ) from None
    except OSError as exc:
        raise UserError(f"cannot read the defaults file {path}", why=exc.strerror or str(exc)) from None


def validate(
    data: Any,
    known: Mapping[str, frozenset[str]],
    *,
    source: str,
    secret_keys: frozenset[str] = frozenset(),
) -> Sections:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UserError(
            f"defaults file {source} must be a mapping of sections, not {type(data).__name__}",
            fix="start with `all:` or a command name, e.g. `bump-manifest:`",
        )
    every = frozenset().union(*known.values()) if known else frozenset()
    sections: Sections = {}
    for section, values in data.items():
        valid = every if section == "all" else known.get(str(section))
        if valid is None:
            raise UserError(
                f"defaults file {source}: unknown section {section!r}",
                fix="valid sections: " + ", ".join(["all", *sorted(known)]),
            )
        if values is None:
            values = {}
        if not isinstance(values, dict):
            raise UserError(
                f"defaults file {source}: section {section!r} must map input names to values",
            )
        for key in values:
            if key in secret_keys:
                raise UserError(
                    f"defaults file {source}: {key!r} in section {section!r} is a secret and must not "
                    "be written in a committed file",
                    fix=f"remove it, and pass it from the workflow instead: `{key}: ${{{{ secrets.NAME }}}}`",
                )
            if key not in valid:
                raise UserError(
                    f"defaults file {source}: unknown key {key!r} in section {section!r}",
                    fix="valid keys there: " + ", ".join(sorted(valid)),
                )
        sections[str(section)] = {str(k): v for k, v in values.items()}
    return sections


def for_command(sections: Sections, command: str) -> dict[str, object]:
    """The defaults that apply to one command: its own section over `all`."""
    merged = dict(sections.get("all", {}))
    merged.update(sections.get(command, {}))
    return merged
