"""Table tests for the small rules: templates, escaping, channel choice, Retry-After, fitting."""

from __future__ import annotations

import pytest
from testing import notify_cases

from gitops_ci.errors import UserError
from gitops_ci.doors.http import Reply, retry_after
from gitops_ci.engines.notify import core as deliver, escape, limits, channels as registry, template
from gitops_ci.engines.notify.model import Target


def test_template_fills_placeholders_and_rejects_unknown_ones() -> None:
    values = template.variables(notify_cases.RUN, "failure")
    assert (
        template.render("{status_emoji} {repository}@{short_sha}", values, name="title")
        == "❌ acme/shop-api@3f2a9c1"
    )
    with pytest.raises(UserError, match=r"unknown placeholder \{nope\}.*") as caught:
        template.render("{nope} {repository.__class__}", values, name="title")
    assert "{commit_title}" in caught.value.fix


def test_default_title_drops_what_empty_values_leave() -> None:
    values = template.variables(notify_cases.RUN.__class__(), "success")
    assert template.render(template.DEFAULT_TITLE, values, name="title") == "succeeded"


@pytest.mark.parametrize(
    "url,channel",
    [
        ("https://hooks.slack.com/services/T0/B0/x", "slack"),
        ("https://discord.com/api/webhooks/1/x", "discord"),
        ("https://prod-12.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke", "teams"),
        ("https://default1.environment.api.powerplatform.com:443/powerautomate/automations/direct", "teams"),
        ("https://example.com/hooks/slack.com", "webhook"),
        ("https://notdiscord.com/x", "webhook"),
    ],
)
def test_auto_picks_the_channel_from_the_host(url: str, channel: str) -> None:
    assert registry.pick("auto", Target(webhook_url=url)) == channel


def test_auto_with_a_bot_token_is_slack_and_without_anything_an_error() -> None:
    assert registry.pick("auto", Target(settings={"slack_token": "xoxb-1"})) == "slack"
    with pytest.raises(UserError, match="cannot choose"):
        registry.pick("auto", Target())


def test_slack_link_label_and_url_cannot_break_out() -> None:
    link = escape.slack_link("https://x.example/a|b>c", "feat/<!channel>|x")
    assert link == "<https://x.example/a%7Cb%3Ec|feat/&lt;!channel&gt;|x>"


def test_discord_text_escapes_markdown_and_breaks_mass_mentions() -> None:
    assert (
        escape.discord_text("[a](b) @everyone @Here <@1>")
        == "\\[a\\](b) @\u200beveryone @\u200bHere \\<@1\\>"
    )


@pytest.mark.parametrize(
    "headers,body,wait",
    [
        ({"Retry-After": "2"}, "", 2.0),
        ({"retry-after": "0.5"}, "", 0.5),
        ({}, '{"message": "You are being rate limited.", "retry_after": 0.25, "global": false}', 0.25),
        ({}, "rate limited", None),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, "", 0.0),
    ],
)
def test_retry_after_from_header_or_body(headers: dict[str, str], body: str, wait: float | None) -> None:
    assert retry_after(Reply(429, headers, body)) == wait


def test_fit_never_cuts_an_escape_in_half() -> None:
    fitted = limits.fit("&&&&&&", 12, escape.slack_text)
    assert fitted == "&amp;&amp;…"
    assert limits.fit("short", 10) == "short"
    assert limits.size("🚀") == 2


def test_bad_mentions_fail_on_every_run_with_a_hint() -> None:
    with pytest.raises(UserError, match="not a Slack user or user-group ID"):
        deliver.run(notify_cases.inputs("slack", "success", mentions=("@jane",)), notify_cases.services())
    with pytest.raises(UserError, match="not a Discord role ID"):
        deliver.run(
            notify_cases.inputs("discord", "success", mentions=("everyone",)), notify_cases.services()
        )


def test_webhook_url_pieces_are_secrets() -> None:
    target = Target(webhook_url="https://hooks.example/services/T0/B0/SECRETtoken?sig=abcdefgh123")
    secrets = deliver.secret_texts(target)
    assert "/services/T0/B0/SECRETtoken" in secrets and "sig=abcdefgh123" in secrets
