"""Discord: a webhook with one embed; `allowed_mentions` lets only the configured roles ping.
https://discord.com/developers/docs/resources/webhook#execute-webhook"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gitops_ci.errors import UserError
from gitops_ci.engines.notify import limits
from gitops_ci.engines.notify.channel import JSON_HEADERS, Payload, Request
from gitops_ci.engines.notify.escape import discord_link, discord_text
from gitops_ci.engines.notify.setting import Setting

if TYPE_CHECKING:  # the message model loads with the engine's core, not with the settings
    from gitops_ci.engines.notify.model import Field, Message, Target

FOOTER = "gitops-ci"

SETTINGS: tuple[Setting, ...] = ()  # the webhook URL is all it needs


def check_mentions(mentions: tuple[str, ...]) -> None:
    for mention in mentions:
        if not (mention.isascii() and mention.isdigit()):
            raise UserError(
                f"input 'mention': {mention!r} is not a Discord role ID",
                fix="use the role's numeric ID (Server Settings → Roles → ⋯ → Copy Role ID)",
            )


def payload(message: Message, target: Target) -> Payload:
    body: Payload = {
        "embeds": [embed(message)],
        # Nothing in the text may ping anyone; only the roles configured to be mentioned.
        "allowed_mentions": {"parse": [], "roles": list(message.mentions)},
    }
    if message.mentions:
        body["content"] = " ".join(f"<@&{role}>" for role in message.mentions)[: limits.DISCORD_CONTENT]
    return body


def embed(message: Message) -> dict[str, Any]:
    title = limits.fit(f"{message.look.emoji} {message.title}", limits.DISCORD_TITLE, discord_text)
    fields = _fields(message.fields, limits.DISCORD_TOTAL - limits.size(title) - limits.size(FOOTER))
    used = limits.size(title) + limits.size(FOOTER) + sum(_field_size(f) for f in fields)
    room = min(limits.DISCORD_DESCRIPTION, limits.DISCORD_TOTAL - used)
    out: dict[str, Any] = {"title": title, "color": int(message.look.color.lstrip("#"), 16)}
    if message.run_url:
        out["url"] = message.run_url
    if message.text.strip():
        out["description"] = limits.fit(message.text, room, discord_text)
    if fields:
        out["fields"] = fields
    out["footer"] = {"text": FOOTER}
    return out


def _fields(fields: tuple[Field, ...], room: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for field in fields[: limits.DISCORD_FIELDS]:
        item = _field(field)
        if _field_size(item) > room:
            break
        room -= _field_size(item)
        out.append(item)
    return out


def _field(field: Field) -> dict[str, Any]:
    value = discord_link(field.url, field.value) if field.url else discord_text(field.value)
    if limits.size(value) > limits.DISCORD_FIELD_VALUE:
        value = limits.fit(field.value, limits.DISCORD_FIELD_VALUE, discord_text)
    name = limits.fit(field.name, limits.DISCORD_FIELD_NAME, discord_text)
    return {"name": name, "value": value, "inline": field.short}


def _field_size(field: dict[str, Any]) -> int:
    return limits.size(field["name"]) + limits.size(field["value"])


def missing(target: Target) -> str:
    return "" if target.webhook_url else "no Discord webhook URL given"


def request(target: Target, body: bytes) -> Request:
    return Request(target.webhook_url, JSON_HEADERS)
