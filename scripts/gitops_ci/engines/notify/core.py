"""The pure core of notify: inputs in, result out. No environment, no printing."""

from __future__ import annotations

from gitops_ci.doors.http import Http
from gitops_ci.engines.notify import message, channels as registry
from gitops_ci.engines.notify.channel import encode
from gitops_ci.engines.notify.model import NotifyInputs, NotifyResult, Target
from gitops_ci.secrets import Redactor, url_secrets


def run(inputs: NotifyInputs) -> NotifyResult:
    target = inputs.target
    if not inputs.dry_run and inputs.channel == "auto" and not (target.webhook_url or target.slack_token):
        return NotifyResult("auto", {}, False, reason="no webhook URL or Slack bot token given")
    name = registry.pick(inputs.channel, target)
    channel = registry.CHANNELS[name]
    channel.check_mentions(inputs.mentions)
    payload = channel.payload(message.build(inputs), target)
    if inputs.dry_run:
        return NotifyResult(name, payload, False, dry_run=True)
    missing = channel.missing(target)
    if missing:
        return NotifyResult(name, payload, False, reason=missing)
    body = encode(payload)
    request = channel.request(target, body)
    http = Http(inputs.policy, redactor(target), dict(inputs.proxies))
    outcome = http.post(request.url, body, request.headers, request.refusal)
    return NotifyResult(
        name, payload, outcome.delivered, outcome.attempts, outcome.status_code, outcome.reason
    )


def redactor(target: Target) -> Redactor:
    return Redactor(secret_texts(target))


def secret_texts(target: Target) -> list[str]:
    """The secrets of a target, with every secret part of a webhook URL on its own (error texts
    show a URL in pieces, a failing server may echo any of them): see `secrets.url_secrets`."""
    texts = [target.webhook_url, target.slack_token, target.hmac_secret, *url_secrets(target.webhook_url)]
    return [t for t in texts if t]
