"""Golden payloads: the exact JSON each channel sends for a success and a failure, and each one
within its platform's documented limits (the Teams card against the Adaptive Card schema)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from testing import notify_cases, notify_limits

from gitops_ci.engines.notify import core as deliver
from gitops_ci.engines.notify.channels import CHANNELS

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = "GITOPS_CI_UPDATE_GOLDEN"  # set to 1 to rewrite the files, then review the diff
CASES = [(channel, status) for channel in CHANNELS for status in ("success", "failure")]


def dump(payload: dict[str, object]) -> str:
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("channel,status", CASES)
def test_payload_matches_golden_file(channel: str, status: str) -> None:
    result = deliver.run(notify_cases.inputs(channel, status), notify_cases.services())
    path = GOLDEN / f"{channel}-{status}.json"
    if os.environ.get(UPDATE) == "1":
        path.write_text(dump(result.payload), encoding="utf-8")
    assert (result.channel, result.dry_run, result.delivered) == (channel, True, False)
    assert dump(result.payload) == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("channel,status", CASES)
def test_golden_payload_is_within_the_platform_limits(channel: str, status: str) -> None:
    payload = json.loads((GOLDEN / f"{channel}-{status}.json").read_text(encoding="utf-8"))
    assert notify_limits.violations(channel, payload) == []


def test_teams_card_declares_the_schema_version_it_is_checked_against() -> None:
    card = json.loads((GOLDEN / "teams-success.json").read_text(encoding="utf-8"))["attachments"][0][
        "content"
    ]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    assert (notify_limits.SCHEMAS / f"schema-{card['version']}.json").is_file()


def test_mentions_appear_only_on_failure() -> None:
    success = json.loads((GOLDEN / "slack-success.json").read_text(encoding="utf-8"))
    failure = json.loads((GOLDEN / "slack-failure.json").read_text(encoding="utf-8"))
    assert "<@U024BE7LH>" not in json.dumps(success)
    assert "<@U024BE7LH> <!subteam^S0614TZR7>" in json.dumps(failure)
    discord = json.loads((GOLDEN / "discord-failure.json").read_text(encoding="utf-8"))
    assert discord["content"] == "<@&123456789012345678>"
    assert discord["allowed_mentions"] == {"parse": [], "roles": ["123456789012345678"]}
    teams = json.loads((GOLDEN / "teams-failure.json").read_text(encoding="utf-8"))
    entities = teams["attachments"][0]["content"]["msteams"]["entities"]
    assert entities == [
        {
            "type": "mention",
            "text": "<at>jane@example.com</at>",
            "mentioned": {"id": "jane@example.com", "name": "jane@example.com"},
        }
    ]


def test_status_sets_colour_and_emoji() -> None:
    for status, colour, emoji in (("success", 0x2EB67D, "✅"), ("failure", 0xE01E5A, "❌")):
        embed = json.loads((GOLDEN / f"discord-{status}.json").read_text(encoding="utf-8"))["embeds"][0]
        assert embed["color"] == colour and embed["title"].startswith(emoji)
    cancelled = deliver.run(notify_cases.inputs("teams", "cancelled"), notify_cases.services()).payload
    heading = cancelled["attachments"][0]["content"]["body"][0]
    assert heading["text"].startswith("⚪") and heading["color"] == "Default"
