"""Each platform's documented payload limits, and `fit`, which truncates with an ellipsis.

Lengths are counted in UTF-16 code units: never fewer than the characters a platform may
count, so a text that fits here fits there whichever way it counts (an emoji is two).
"""

from __future__ import annotations

import json
from typing import Callable

ELLIPSIS = "…"

# Slack Block Kit (https://api.slack.com/reference/block-kit/blocks)
SLACK_BLOCKS = 50
SLACK_HEADER_TEXT = 150
SLACK_SECTION_TEXT = 3000
SLACK_SECTION_FIELDS = 10
SLACK_FIELD_TEXT = 2000
SLACK_CONTEXT_ELEMENTS = 10
SLACK_FALLBACK_TEXT = 3000  # the top-level `text`; Slack cuts at 40,000, we keep notifications short

# Discord embeds (https://discord.com/developers/docs/resources/message#embed-object-embed-limits)
DISCORD_CONTENT = 2000
DISCORD_EMBEDS = 10
DISCORD_TITLE = 256
DISCORD_DESCRIPTION = 4096
DISCORD_FIELDS = 25
DISCORD_FIELD_NAME = 256
DISCORD_FIELD_VALUE = 1024
DISCORD_FOOTER = 2048
DISCORD_TOTAL = 6000  # title + description + field names and values + footer + author, all embeds

# Microsoft Teams: a message (the whole JSON body) must stay under 28 KB.
TEAMS_BYTES = 28_000


def size(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def json_bytes(text: str) -> int:
    """Bytes the text takes inside a UTF-8 JSON document (quotes, escapes and all)."""
    return len(json.dumps(text, ensure_ascii=False).encode("utf-8"))


def _same(text: str) -> str:
    return text


def fit(
    raw: str,
    limit: int,
    render: Callable[[str], str] = _same,
    measure: Callable[[str], int] = size,
) -> str:
    """`render(raw)` if it measures within `limit`; else the rendering of the longest prefix of
    `raw` followed by an ellipsis that does. Cutting the raw text, not its rendering, means an
    escape (`&amp;`) or a link is never cut in half."""
    whole = render(raw)
    if measure(whole) <= limit:
        return whole
    low, high = 0, len(raw)  # invariant: the prefix of length `low` fits
    while low < high:
        middle = (low + high + 1) // 2
        if measure(render(raw[:middle]) + ELLIPSIS) <= limit:
            low = middle
        else:
            high = middle - 1
    return render(raw[:low]) + ELLIPSIS if measure(render("") + ELLIPSIS) <= limit else ""
