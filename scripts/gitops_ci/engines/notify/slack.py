"""Slack: an incoming webhook, or a bot token with chat.postMessage (channel, optional thread).
Block Kit: https://api.slack.com/reference/block-kit/blocks"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from gitops_ci.errors import UserError
from gitops_ci.engines.notify import limits
from gitops_ci.engines.notify.channel import JSON_HEADERS, Payload, Request
from gitops_ci.engines.notify.escape import slack_link, slack_text
from gitops_ci.engines.notify.setting import Setting
from gitops_ci.inputs import parse_http_url

if TYPE_CHECKING:
    from gitops_ci.engines.notify.model import Field, Message, Target
    from gitops_ci.doors.http import Reply


def _stripped(text: str, *, name: str = "value") -> str:
    return text.strip()


TOKEN = Setting(
    "slack-token",
    "Slack bot token (xoxb-…): post with chat.postMessage instead of a webhook",
    secret=True,
    kind=_stripped,
    addresses="Slack bot token",
)
CHANNEL = Setting("slack-channel", "Slack channel ID or name for the bot token")
THREAD_TS = Setting("slack-thread-ts", "Slack thread timestamp to reply in")
API_URL = Setting("slack-api-url", "Slack Web API base URL", "https://slack.com/api", kind=parse_http_url)
SETTINGS: tuple[Setting, ...] = (TOKEN, CHANNEL, THREAD_TS, API_URL)

_USER = re.compile(r"[UW][A-Z0-9]{2,}")
_GROUP = re.compile(r"S[A-Z0-9]{2,}")
_SPECIAL = ("here", "channel", "everyone")


def check_mentions(mentions: tuple[str, ...]) -> None:
    for mention in mentions:
        _mention(mention)


def _mention(mention: str) -> str:
    if _USER.fullmatch(mention):
        return f"<@{mention}>"
    if _GROUP.fullmatch(mention):
        return f"<!subteam^{mention}>"
    if mention in _SPECIAL:
        return f"<!{mention}>"
    raise UserError(
        f"input 'mention': {mention!r} is not a Slack user or user-group ID",
        fix="use member IDs (U0123ABCD), user-group IDs (S0123ABCD) or here/channel; "
        "a profile's ⋮ menu shows 'Copy member ID'",
    )


def payload(message: Message, target: Target) -> Payload:
    body: Payload = {
        "text": limits.fit(f"{message.look.emoji} {message.title}", limits.SLACK_FALLBACK_TEXT, slack_text),
        "blocks": blocks(message)[: limits.SLACK_BLOCKS],
    }
    if target.value(TOKEN):
        body["channel"] = target.value(CHANNEL)
        if target.value(THREAD_TS):
            body["thread_ts"] = target.value(THREAD_TS)
        body["unfurl_links"] = False
    return body


def blocks(message: Message) -> list[dict[str, Any]]:
    header = limits.fit(f"{message.look.emoji} {message.title}", limits.SLACK_HEADER_TEXT)
    out: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": header}}]
    if message.text.strip():
        out.append(_section(limits.fit(message.text, limits.SLACK_SECTION_TEXT, slack_text)))
    fields = [_field(f) for f in message.fields]
    for start in range(0, len(fields), limits.SLACK_SECTION_FIELDS):
        out.append({"type": "section", "fields": fields[start : start + limits.SLACK_SECTION_FIELDS]})
    if message.mentions:
        out.append(_section(" ".join(_mention(m) for m in message.mentions)))
    if message.run_url:
        link = slack_link(message.run_url, "View workflow run")
        out.append({"type": "context", "elements": [{"type": "mrkdwn", "text": link + " · gitops-ci"}]})
    return out


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _field(field: Field) -> dict[str, str]:
    head = f"*{slack_text(field.name)}*\n"
    room = limits.SLACK_FIELD_TEXT - limits.size(head)
    value = slack_link(field.url, field.value) if field.url else slack_text(field.value)
    if limits.size(value) > room:  # too long to link whole: show the text alone
        value = limits.fit(field.value, room, slack_text)
    return {"type": "mrkdwn", "text": head + value}


def missing(target: Target) -> str:
    if target.value(TOKEN):
        return "" if target.value(CHANNEL) else "a Slack bot token needs a channel: set slack-channel"
    return "" if target.webhook_url else "no Slack webhook URL or bot token given"


def request(target: Target, body: bytes) -> Request:
    if not target.value(TOKEN):
        return Request(target.webhook_url, JSON_HEADERS)
    url = target.value(API_URL).rstrip("/") + "/chat.postMessage"
    headers = {**JSON_HEADERS, "Authorization": f"Bearer {target.value(TOKEN)}"}
    return Request(url, headers, _api_refusal)


def _api_refusal(reply: Reply) -> str | None:
    """The Web API answers 200 even on failure; `ok` tells. https://api.slack.com/web#responses"""
    try:
        data = json.loads(reply.text)
    except ValueError:
        return "Slack API answered with something that is not JSON"
    if isinstance(data, dict) and data.get("ok") is True:
        return None
    error = data.get("error", "unknown_error") if isinstance(data, dict) else "unknown_error"
    return f"Slack API refused the message: {error}"
