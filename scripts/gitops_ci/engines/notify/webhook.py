"""Any webhook: the message model as JSON, optionally signed with HMAC-SHA256 over the raw body
(`X-Gitops-CI-Signature-256: sha256=<hex>`, as GitHub signs its own webhooks), so a receiver
holding the shared secret can check that the message is ours and unchanged."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gitops_ci.engines.notify.channel import JSON_HEADERS, Payload, Request
from gitops_ci.engines.notify.setting import Setting

if TYPE_CHECKING:  # the message model loads with the engine's core, not with the settings
    from gitops_ci.engines.notify.model import Message, Target

SCHEMA = "gitops-ci/notify/v1"
SIGNATURE_HEADER = "X-Gitops-CI-Signature-256"

SECRET = Setting(
    "webhook-secret",
    "shared secret: sign generic webhook bodies with HMAC-SHA256 (X-Gitops-CI-Signature-256)",
    secret=True,
)
SETTINGS: tuple[Setting, ...] = (SECRET,)


def check_mentions(mentions: tuple[str, ...]) -> None:
    """Any text: the receiver decides what a mention means."""


def payload(message: Message, target: Target) -> Payload:
    return {
        "schema": SCHEMA,
        "status": message.status,
        "title": message.title,
        "text": message.text,
        "emoji": message.look.emoji,
        "color": message.look.color,
        "run_url": message.run_url,
        "fields": [{"name": f.name, "value": f.value, "url": f.url} for f in message.fields],
        "mentions": list(message.mentions),
    }


def missing(target: Target) -> str:
    return "" if target.webhook_url else "no webhook URL given"


def request(target: Target, body: bytes) -> Request:
    headers = dict(JSON_HEADERS)
    if target.value(SECRET):
        headers[SIGNATURE_HEADER] = signature(target.value(SECRET), body)
    return Request(target.webhook_url, headers)


def signature(secret: str, body: bytes) -> str:
    import hashlib  # here: the channel's settings are read at every start of notify
    import hmac

    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
