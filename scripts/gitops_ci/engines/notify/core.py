"""The core of notify: inputs in, result out. It builds the message and the channel's request;
the HTTP client comes in `Services`, made by the command. No environment, no printing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from gitops_ci.doors.http import Http
from gitops_ci.engines.notify import message, channels as registry
from gitops_ci.engines.notify.channel import encode
from gitops_ci.engines.notify.model import Inputs, Result, Target
from gitops_ci.secrets import url_secrets


@dataclass(frozen=True)
class Services:
    # The HTTP client for a POST to this URL: its retry policy, its proxy, the run's redactor.
    http: Callable[[str], Http]


def run(inputs: Inputs, services: Services) -> Result:
    target = inputs.target
    nowhere = "" if inputs.dry_run or inputs.channel != "auto" else registry.nowhere(target)
    if nowhere:
        return Result("auto", {}, False, reason=nowhere)
    name = registry.pick(inputs.channel, target)
    channel = registry.CHANNELS[name]
    channel.check_mentions(inputs.mentions)
    payload = channel.payload(message.build(inputs), target)
    if inputs.dry_run:
        return Result(name, payload, False, dry_run=True)
    missing = channel.missing(target)
    if missing:
        return Result(name, payload, False, reason=missing)
    body = encode(payload)
    request = channel.request(target, body)
    outcome = services.http(request.url).post(request.url, body, request.headers, request.refusal)
    return Result(name, payload, outcome.delivered, outcome.attempts, outcome.status_code, outcome.reason)


def secret_texts(target: Target) -> list[str]:
    """The secrets of a target, with every secret part of a webhook URL on its own (error texts
    show a URL in pieces, a failing server may echo any of them): see `secrets.url_secrets`."""
    texts = [target.webhook_url, *registry.secrets(target), *url_secrets(target.webhook_url)]
    return [t for t in texts if t]
