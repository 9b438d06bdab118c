"""A channel's own setting (a bot token, a signing secret): on its own, because every start of
notify reads the channels' settings to list its inputs, and needs none of the message model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from gitops_ci.inputs import parse_str


@dataclass(frozen=True)
class Setting:
    """A target setting a channel takes besides the webhook URL (its `SETTINGS`): notify has an
    input of each, by `name`; the target carries its value under `key`."""

    name: str  # the input's name, e.g. slack-token
    help: str
    default: str = ""
    secret: bool = False  # masked the moment it is read, and redacted from every text
    kind: Callable[..., str] = parse_str  # its grammar (gitops_ci.inputs)
    # What the value is when it names a receiver by itself, without a webhook URL ("Slack bot
    # token"): then channel `auto` picks this setting's channel.
    addresses: str = ""

    @property
    def key(self) -> str:
        return self.name.replace("-", "_")
