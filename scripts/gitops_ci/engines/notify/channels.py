"""The channels, in one dict: adding a platform is one module and one line here."""

from __future__ import annotations

import urllib.parse

from gitops_ci.errors import UserError
from gitops_ci.engines.notify import discord, slack, teams, webhook
from gitops_ci.engines.notify.channel import Channel
from gitops_ci.engines.notify.model import Target

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


def pick(name: str, target: Target) -> str:
    """The channel to use: the one named, or with `auto` the one the URL's host belongs to."""
    if name != "auto":
        return name
    if target.slack_token and not target.webhook_url:
        return "slack"
    if not target.webhook_url:
        raise UserError(
            "channel 'auto' cannot choose a platform without a webhook URL",
            fix="pass --webhook-url (INPUT_WEBHOOK_URL), "
            "or name the channel: --channel slack|teams|discord|webhook",
        )
    host = (urllib.parse.urlsplit(target.webhook_url).hostname or "").lower()
    for channel, domains in _HOSTS:
        if any(host == d or host.endswith("." + d) for d in domains):
            return channel
    return "webhook"
