"""The limits checker catches every documented limit, and the builders stay within them for any
text (hypothesis) and for the hostile commit message."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from testing import notify_cases, notify_limits

from gitops_ci.engines.notify import core as deliver
from gitops_ci.engines.notify.channels import CHANNELS

GOLDEN = Path(__file__).resolve().parent / "golden"


def golden(channel: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((GOLDEN / f"{channel}-failure.json").read_text(encoding="utf-8"))
    return payload


def _slack_blocks(p: dict[str, Any]) -> None:
    p["blocks"] = p["blocks"] * 11


def _slack_header(p: dict[str, Any]) -> None:
    p["blocks"][0]["text"]["text"] = "h" * 151


def _slack_section(p: dict[str, Any]) -> None:
    p["blocks"][1]["text"]["text"] = "s" * 3001


def _slack_fields(p: dict[str, Any]) -> None:
    p["blocks"][2]["fields"] = p["blocks"][2]["fields"] * 2


def _slack_field(p: dict[str, Any]) -> None:
    p["blocks"][2]["fields"][0]["text"] = "f" * 2001


def _discord_content(p: dict[str, Any]) -> None:
    p["content"] = "c" * 2001


def _discord_description(p: dict[str, Any]) -> None:
    p["embeds"][0]["description"] = "d" * 4097


def _discord_fields(p: dict[str, Any]) -> None:
    p["embeds"][0]["fields"] = p["embeds"][0]["fields"] * 3


def _discord_field(p: dict[str, Any]) -> None:
    p["embeds"][0]["fields"][0]["value"] = "v" * 1025


def _discord_total(p: dict[str, Any]) -> None:
    p["embeds"][0]["description"] = "d" * 4000
    for field in p["embeds"][0]["fields"]:
        field["value"] = "v" * 250


def _discord_mass_mention(p: dict[str, Any]) -> None:
    p["allowed_mentions"] = {"parse": ["everyone"]}


def _teams_size(p: dict[str, Any]) -> None:
    p["attachments"][0]["content"]["body"][1]["text"] = "t" * 28_000


def _teams_schema(p: dict[str, Any]) -> None:
    p["attachments"][0]["content"]["body"][0]["size"] = "Gigantic"


def _teams_unknown_element(p: dict[str, Any]) -> None:
    p["attachments"][0]["content"]["body"].append({"type": "Marquee", "text": "x"})


def _teams_mention_entity(p: dict[str, Any]) -> None:
    p["attachments"][0]["content"]["msteams"]["entities"][0]["text"] = "<at>nobody</at>"


BREAKS: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("slack", _slack_blocks, "blocks: 55 > 50"),
    ("slack", _slack_header, "blocks[0].text: 151 > 150"),
    ("slack", _slack_section, "blocks[1].text: 3001 > 3000"),
    ("slack", _slack_fields, "blocks[2].fields: 20 > 10"),
    ("slack", _slack_field, "blocks[2].fields[0]: 2001 > 2000"),
    ("discord", _discord_content, "content: 2001 > 2000"),
    ("discord", _discord_description, "embeds[0].description: 4097 > 4096"),
    ("discord", _discord_fields, "embeds[0].fields: 30 > 25"),
    ("discord", _discord_field, "embeds[0].fields[0].value: 1025 > 1024"),
    ("discord", _discord_total, "characters in all > 6000"),
    ("discord", _discord_mass_mention, "allowed_mentions.parse must be []"),
    ("teams", _teams_size, "bytes > 28000"),
    ("teams", _teams_schema, "card ['body', 0]"),
    ("teams", _teams_unknown_element, "card"),
    ("teams", _teams_mention_entity, "does not occur in the card"),
]


@pytest.mark.parametrize("channel,breaker,expected", BREAKS, ids=[b[1].__name__ for b in BREAKS])
def test_the_checker_reports_each_broken_limit(
    channel: str, breaker: Callable[[dict[str, Any]], None], expected: str
) -> None:
    payload = copy.deepcopy(golden(channel))
    assert notify_limits.violations(channel, payload) == []
    breaker(payload)
    problems = notify_limits.violations(channel, payload)
    assert any(expected in problem for problem in problems), problems


def test_a_card_version_without_a_schema_is_reported() -> None:
    payload = golden("teams")
    payload["attachments"][0]["content"]["version"] = "9.9"
    assert any("no schema for it" in p for p in notify_limits.violations("teams", payload))


@pytest.mark.parametrize("channel", sorted(CHANNELS))
@pytest.mark.parametrize("status", ["success", "failure"])
def test_hostile_commit_message_gives_valid_payloads_within_limits(channel: str, status: str) -> None:
    run = replace(notify_cases.RUN, commit_message=notify_cases.HOSTILE, ref_name='feat/"quo>te"<!here>')
    payload = deliver.run(notify_cases.inputs(channel, status, run=run), notify_cases.services()).payload
    assert notify_limits.violations(channel, payload) == []
    encoded = json.dumps(payload, ensure_ascii=False)
    assert json.loads(encoded) == payload


def _texts(payload: Any) -> list[str]:
    if isinstance(payload, dict):
        return [t for value in payload.values() for t in _texts(value)]
    if isinstance(payload, list):
        return [t for value in payload for t in _texts(value)]
    return [payload] if isinstance(payload, str) else []


def test_hostile_text_cannot_mention_or_link_in_slack() -> None:
    run = replace(notify_cases.RUN, commit_message=notify_cases.HOSTILE)
    payload = deliver.run(notify_cases.inputs("slack", "failure", run=run), notify_cases.services()).payload
    text = "\n".join(_texts(payload))
    assert "<!channel>" not in text and "<!here>" not in text and "<https://evil" not in text
    assert "&lt;!channel&gt;" in text and "&lt;https://evil.example|click me&gt;" in text
    # The only live mentions are the configured ones, in their own section.
    live = [t for t in _texts(payload["blocks"]) if "<@" in t or "<!" in t]
    assert live == ["<@U024BE7LH> <!subteam^S0614TZR7>"]
    section = payload["blocks"][1]["text"]["text"]
    assert section.endswith("…") and "</script>" not in section


def test_hostile_text_cannot_ping_in_discord() -> None:
    run = replace(notify_cases.RUN, commit_message=notify_cases.HOSTILE)
    payload = deliver.run(
        notify_cases.inputs("discord", "success", run=run, mentions=()), notify_cases.services()
    ).payload
    assert payload["allowed_mentions"] == {"parse": [], "roles": []}
    assert "content" not in payload
    description = payload["embeds"][0]["description"]
    assert "@everyone" not in description and "@here" not in description
    assert "@\u200beveryone" in description and "\\[login\\]" in description
    assert description.endswith("…")


def test_hostile_text_is_truncated_to_fit_the_teams_size_limit() -> None:
    run = replace(notify_cases.RUN, commit_message=notify_cases.HOSTILE * 3)
    payload = deliver.run(notify_cases.inputs("teams", "failure", run=run), notify_cases.services()).payload
    text = payload["attachments"][0]["content"]["body"][1]["text"]
    assert text.endswith("…") and "](" not in text
    size = len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())
    assert 27_000 < size <= notify_limits.TEAMS_MAX_BYTES


@settings(max_examples=40, deadline=None)
@given(title=st.text(max_size=400), text=st.text(max_size=7000), ref=st.text(max_size=300))
def test_any_text_gives_payloads_within_limits(title: str, text: str, ref: str) -> None:
    run = replace(notify_cases.RUN, commit_message=text, ref_name=ref)
    for channel in CHANNELS:
        inputs = notify_cases.inputs(channel, "failure", run=run, title=title.replace("{", "(") or "t")
        payload = deliver.run(inputs, notify_cases.services()).payload
        assert notify_limits.violations(channel, payload) == [], channel
