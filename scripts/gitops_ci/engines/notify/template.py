"""Title and text templates: `{name}` placeholders filled from the run, nothing else.

Only plain names are replaced (no attribute or index lookups, unlike str.format), so a
template cannot reach into objects; unknown names are an error that lists the valid ones.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import TYPE_CHECKING, Mapping

from gitops_ci.errors import UserError

if TYPE_CHECKING:  # the defaults below are read by `--help`; the model loads with a message
    from gitops_ci.engines.notify.model import RunInfo

DEFAULT_TITLE = "{repository}: {workflow} {status_word}"
DEFAULT_TEXT = "{commit_message}"
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")


def variables(run: RunInfo, status: str) -> dict[str, str]:
    from gitops_ci.engines.notify.model import LOOKS

    values = {name: str(value) for name, value in asdict(run).items()}
    look = LOOKS[status]
    values.update(
        status=status,
        status_word=look.word,
        status_emoji=look.emoji,
        short_sha=run.sha[:7],
        commit_title=run.commit_message.split("\n", 1)[0],
    )
    return values


def render(template: str, values: Mapping[str, str], *, name: str) -> str:
    unknown = sorted({m for m in _PLACEHOLDER.findall(template) if m not in values})
    if unknown:
        raise UserError(
            f"input {name!r}: unknown placeholder {{{unknown[0]}}} in {template!r}",
            fix="use any of: " + ", ".join("{" + key + "}" for key in sorted(values)),
        )
    text = _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)
    return _tidy(text)


def _tidy(text: str) -> str:
    """Drop what empty placeholders leave behind (`: deploy` when there is no repository)."""
    first, sep, rest = text.strip().partition("\n")
    return " ".join(first.split()).lstrip(":-—| ") + sep + rest
