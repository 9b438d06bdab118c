"""The channels, in one dict: adding a platform is one module and one line here. Its own
settings (a bot token, a signing secret) come with it: notify's inputs, the target's values
and the secrets to redact are all read from each channel's `SETTINGS`."""

from __future__ import annotations

import urllib.parse
from typing import TYPE_CHECKING

from gitops_ci.errors import UserError
from gitops_ci.engines.notify import discord, slack, teams, webhook

if TYPE_CHECKING:
    from gitops_ci.engines.notify.channel import Channel
    from gitops_ci.engines.notify.model import Target
    from gitops_ci.engines.notify.setting import Setting

CHANNELS: dict[str, Channel] = {
    "slack": slack,
    "teams": teams,
    "discord": discord,
    "webhook": webhook,
}

_HOSTS = (
    ("slack", ("hooks.slack.com",)),
    ("discord", ("discord.com", "discordapp.com")),
    # Workflows URLs: *.logic.azure.com (older), *.environment.api.powerplatform.com (newer).
    ("teams", ("logic.azure.com", "powerplatform.com", "webhook.office.com")),
)


def settings() -> tuple[Setting, ...]:
    """Every channel's own settings, in the order of notify's inputs: the generic webhook's
    first, then each platform's in the order above."""
    order = ["webhook", *(name for name in CHANNELS if name != "webhook")]
    return tuple(s for name in order for s in CHANNELS[name].SETTINGS)


def secrets(target: Target) -> list[str]:
    """The values of the target's secret settings, channel by channel."""
    return [target.value(s) for c in CHANNELS.values() for s in c.SETTINGS if s.secret]


def _addresses() -> list[tuple[str, Setting]]:
    """The settings that name a receiver without a webhook URL, with their channel."""
    return [(name, s) for name, c in CHANNELS.items() for s in c.SETTINGS if s.addresses]


def nowhere(target: Target) -> str:
    """Why channel `auto` has nowhere to send: no webhook URL nor any setting that names a
    receiver by itself (a bot token); "" when it has somewhere."""
    if target.webhook_url or any(target.value(s) for _, s in _addresses()):
        return ""
    return "no " + " or ".join(["webhook URL", *(s.addresses for _, s in _addresses())]) + " given"


def pick(name: str, target: Target) -> str:
    """The channel to use: the one named, or with `auto` the one the URL's host belongs to
    (without a URL, the one whose bot token is set)."""
    if name != "auto":
        return name
    if not target.webhook_url:
        for channel, setting in _addresses():
            if target.value(setting):
                return channel
        raise UserError(
            "channel 'auto' cannot choose a platform without a webhook URL",
            fix="pass --webhook-url (INPUT_WEBHOOK_URL), or name the channel: --channel "
            + "|".join(CHANNELS),
        )
    host = (urllib.parse.urlsplit(target.webhook_url).hostname or "").lower()
    for channel, domains in _HOSTS:
        if any(host == d or host.endswith("." + d) for d in domains):
            return channel
    return "webhook"
