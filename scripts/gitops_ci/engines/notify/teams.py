"""Microsoft Teams through a Workflows (Power Automate) webhook: an Adaptive Card in the
`message`/`attachments` envelope that the "Post to a channel when a webhook request is received"
template expects. Office 365 connector cards (MessageCard) are retired and not sent.
https://learn.microsoft.com/connectors/teams/#microsoft-teams-webhook"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from gitops_ci.errors import UserError
from gitops_ci.engines.notify import limits
from gitops_ci.engines.notify.channel import JSON_HEADERS, Payload, Request, encode
from gitops_ci.engines.notify.escape import teams_link, teams_text
from gitops_ci.engines.notify.setting import Setting

if TYPE_CHECKING:  # the message model loads with the engine's core, not with the settings
    from gitops_ci.engines.notify.model import Field, Message, Target

CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.4"
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
TITLE_MAX = 300
FACT_MAX = 1000
_MENTIONABLE = re.compile(r"[^\s<>@]+@[^\s<>@]+|[0-9a-fA-F-]{36}|29:[\w-]+")

SETTINGS: tuple[Setting, ...] = ()  # the webhook URL is all it needs


def check_mentions(mentions: tuple[str, ...]) -> None:
    for mention in mentions:
        if not _MENTIONABLE.fullmatch(mention):
            raise UserError(
                f"input 'mention': {mention!r} is not a Teams user (UPN e-mail or Entra object ID)",
                fix="use the person's sign-in address, e.g. jane@example.com",
            )


def payload(message: Message, target: Target) -> Payload:
    if not message.text.strip():
        return _envelope(card(message, text=None))
    room = limits.TEAMS_BYTES - len(encode(_envelope(card(message, text="")))) + limits.json_bytes("")
    return _envelope(card(message, text=limits.fit(message.text, room, teams_text, limits.json_bytes)))


def _envelope(content: dict[str, Any]) -> Payload:
    attachment = {"contentType": CARD_TYPE, "contentUrl": None, "content": content}
    return {"type": "message", "attachments": [attachment]}


def card(message: Message, *, text: str | None) -> dict[str, Any]:
    look = message.look
    title = limits.fit(f"{look.emoji} {message.title}", TITLE_MAX, teams_text)
    heading = {"type": "TextBlock", "text": title, "size": "Medium", "weight": "Bolder", "wrap": True}
    body: list[dict[str, Any]] = [{**heading, "color": look.teams_color}]
    if text is not None:
        body.append({"type": "TextBlock", "text": text, "wrap": True})
    if message.fields:
        body.append({"type": "FactSet", "facts": [_fact(f) for f in message.fields]})
    if message.mentions:
        names = " ".join(f"<at>{m}</at>" for m in message.mentions)
        body.append({"type": "TextBlock", "text": names, "wrap": True})
    out: dict[str, Any] = {"$schema": CARD_SCHEMA, "type": "AdaptiveCard", "version": CARD_VERSION}
    out["body"] = body
    if message.run_url:
        out["actions"] = [{"type": "Action.OpenUrl", "title": "View workflow run", "url": message.run_url}]
    if message.mentions:
        out["msteams"] = {"entities": [_entity(m) for m in message.mentions]}
    return out


def _fact(field: Field) -> dict[str, str]:
    value = teams_link(field.url, field.value) if field.url else teams_text(field.value)
    if limits.size(value) > FACT_MAX:
        value = limits.fit(field.value, FACT_MAX, teams_text)
    return {"title": field.name, "value": value}


def _entity(mention: str) -> dict[str, Any]:
    """Teams' own card extension for a mention: the `<at>` text must match exactly."""
    return {"type": "mention", "text": f"<at>{mention}</at>", "mentioned": {"id": mention, "name": mention}}


def missing(target: Target) -> str:
    return "" if target.webhook_url else "no Teams Workflows webhook URL given"


def request(target: Target, body: bytes) -> Request:
    return Request(target.webhook_url, JSON_HEADERS)
