"""Untrusted text (commit messages, PR titles, branch names) made inert for each platform."""

from __future__ import annotations

import re
import urllib.parse

ZERO_WIDTH_SPACE = "\u200b"
_DISCORD_MARKDOWN = re.compile(r"([\\*_~`|<>\[\]])")
_DISCORD_MASS_MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)


def slack_text(text: str) -> str:
    """Slack's three control characters, so text cannot mention `<!channel>` or forge a link.
    https://api.slack.com/reference/surfaces/formatting#escaping"""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_link(url: str, label: str) -> str:
    return f"<{slack_text(_quote_url(url, '|'))}|{slack_text(label)}>"


def discord_text(text: str) -> str:
    """Markdown escaped (no forged masked links or `<@id>` mentions) and `@everyone`/`@here`
    broken with a zero-width space. `allowed_mentions` is what really stops pings; this also
    keeps them from looking like one."""
    escaped = _DISCORD_MARKDOWN.sub(r"\\\1", text)
    return _DISCORD_MASS_MENTION.sub(lambda m: "@" + ZERO_WIDTH_SPACE + m.group(1), escaped)


def discord_link(url: str, label: str) -> str:
    return f"[{discord_text(label)}]({_quote_url(url, '()')})"


def teams_text(text: str) -> str:
    """Adaptive Cards render no HTML, and a Teams mention needs a matching `msteams` entity, so
    only markdown link syntax needs breaking: an invisible space between `]` and `(`."""
    return text.replace("](", "]" + ZERO_WIDTH_SPACE + "(")


def teams_link(url: str, label: str) -> str:
    label = label.replace("[", "(").replace("]", ")")
    return f"[{label}]({_quote_url(url, '()')})"


def _quote_url(url: str, extra: str) -> str:
    """Percent-encode spaces, angle brackets and the link syntax's own delimiters."""
    unsafe = ' <>"' + extra
    return "".join(urllib.parse.quote(c) if c in unsafe or ord(c) < 32 else c for c in url)
