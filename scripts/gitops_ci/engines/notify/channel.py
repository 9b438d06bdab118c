"""What every notification channel provides; the channels are listed in `channels.CHANNELS`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Protocol

if TYPE_CHECKING:  # the channels' settings are read at every start; the rest when a message goes
    from gitops_ci.doors.http import Refusal, Reply
    from gitops_ci.engines.notify.model import Message, Target
    from gitops_ci.engines.notify.setting import Setting

Payload = dict[str, Any]


def _accept(reply: Reply) -> str | None:
    return None


@dataclass(frozen=True)
class Request:
    url: str
    headers: Mapping[str, str]
    refusal: Refusal = field(default=_accept)  # a 2xx answer that still means "not delivered"


class Channel(Protocol):
    # The channel's own target settings (a bot token, a signing secret), each an input of notify.
    SETTINGS: tuple[Setting, ...]

    def check_mentions(self, mentions: tuple[str, ...]) -> None:
        """Raise a UserError for an ID this platform cannot mention (checked on every run,
        not only on the failure that would use it)."""

    def payload(self, message: Message, target: Target) -> Payload:
        """The platform's JSON body, within its documented limits by construction."""

    def missing(self, target: Target) -> str:
        """Why the target cannot receive a message (no URL, no token), or ""."""

    def request(self, target: Target, body: bytes) -> Request:
        """Where and how to POST the encoded payload."""


def encode(payload: Payload) -> bytes:
    """The exact bytes sent (and signed): compact UTF-8 JSON."""
    # "replace": text that slipped past `inputs.scrub` must not lose the whole message.
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace")


JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "gitops-ci-notify"}
