"""Check a notify payload against each platform's documented limits, independently of the code
under test (the numbers are written out again here from the platforms' documentation).

`violations(channel, payload)` returns one line per broken limit; [] means valid.
Lengths are UTF-16 code units (an emoji counts two), the strictest way a platform counts.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import jsonschema

SCHEMAS = Path(__file__).resolve().parent / "adaptivecards"
TEAMS_MAX_BYTES = 28_000  # "28 KB" message size; we take the smaller reading


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _over(problems: list[str], where: str, text: Any, limit: int) -> None:
    if not isinstance(text, str):
        problems.append(f"{where}: not a string ({type(text).__name__})")
    elif units(text) > limit:
        problems.append(f"{where}: {units(text)} > {limit}")


def slack(payload: dict[str, Any]) -> list[str]:
    """https://api.slack.com/reference/block-kit/blocks"""
    problems: list[str] = []
    blocks = payload.get("blocks", [])
    if len(blocks) > 50:
        problems.append(f"blocks: {len(blocks)} > 50")
    _over(problems, "text", payload.get("text", ""), 40_000)
    for i, block in enumerate(blocks):
        _slack_block(problems, f"blocks[{i}]", block)
    return problems


def _slack_block(problems: list[str], where: str, block: dict[str, Any]) -> None:
    kind = block.get("type")
    if kind == "header":
        if block["text"].get("type") != "plain_text":
            problems.append(f"{where}: header text must be plain_text")
        _over(problems, f"{where}.text", block["text"]["text"], 150)
    elif kind == "section":
        if "text" not in block and "fields" not in block:
            problems.append(f"{where}: section needs text or fields")
        if "text" in block:
            _over(problems, f"{where}.text", block["text"]["text"], 3000)
        fields = block.get("fields", [])
        if len(fields) > 10:
            problems.append(f"{where}.fields: {len(fields)} > 10")
        for j, item in enumerate(fields):
            _over(problems, f"{where}.fields[{j}]", item["text"], 2000)
    elif kind == "context":
        if len(block["elements"]) > 10:
            problems.append(f"{where}.elements: {len(block['elements'])} > 10")
        for j, item in enumerate(block["elements"]):
            _over(problems, f"{where}.elements[{j}]", item["text"], 3000)
    else:
        problems.append(f"{where}: unexpected block type {kind!r}")


def discord(payload: dict[str, Any]) -> list[str]:
    """https://discord.com/developers/docs/resources/message#embed-object-embed-limits"""
    problems: list[str] = []
    _over(problems, "content", payload.get("content", ""), 2000)
    embeds = payload.get("embeds", [])
    if len(embeds) > 10:
        problems.append(f"embeds: {len(embeds)} > 10")
    total = sum(_discord_embed(problems, f"embeds[{i}]", e) for i, e in enumerate(embeds))
    if total > 6000:
        problems.append(f"embeds: {total} characters in all > 6000")
    mentions = payload.get("allowed_mentions")
    if not isinstance(mentions, dict) or mentions.get("parse") != []:
        problems.append("allowed_mentions.parse must be [] so no text can ping everyone, roles or users")
    return problems


def _discord_embed(problems: list[str], where: str, embed: dict[str, Any]) -> int:
    texts = {
        "title": (embed.get("title", ""), 256),
        "description": (embed.get("description", ""), 4096),
        "footer.text": (embed.get("footer", {}).get("text", ""), 2048),
        "author.name": (embed.get("author", {}).get("name", ""), 256),
    }
    fields = embed.get("fields", [])
    if len(fields) > 25:
        problems.append(f"{where}.fields: {len(fields)} > 25")
    for j, item in enumerate(fields):
        texts[f"fields[{j}].name"] = (item["name"], 256)
        texts[f"fields[{j}].value"] = (item["value"], 1024)
        if not item["name"] or not item["value"]:
            problems.append(f"{where}.fields[{j}]: name and value must not be empty")
    for name, (text, limit) in texts.items():
        _over(problems, f"{where}.{name}", text, limit)
    return sum(units(text) for text, _ in texts.values())


def teams(payload: dict[str, Any]) -> list[str]:
    """Workflows webhook envelope; card valid against the Adaptive Card schema it declares."""
    problems: list[str] = []
    size = len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    if size > TEAMS_MAX_BYTES:
        problems.append(f"message: {size} bytes > {TEAMS_MAX_BYTES}")
    if payload.get("type") != "message" or len(payload.get("attachments", [])) != 1:
        problems.append("envelope: want type=message with one attachment")
        return problems
    attachment = payload["attachments"][0]
    if attachment.get("contentType") != "application/vnd.microsoft.card.adaptive":
        problems.append(f"attachment contentType: {attachment.get('contentType')!r}")
    problems.extend(card_problems(attachment.get("content", {})))
    return problems


def card_problems(card: dict[str, Any]) -> list[str]:
    """Schema errors of an Adaptive Card. `msteams` (mention entities) is Teams' documented host
    extension, which the generic schema does not list: it is checked on its own and set aside."""
    problems = _msteams_problems(card)
    card = {k: v for k, v in card.items() if k != "msteams"}
    try:
        validator = _validator(str(card.get("version", "")))
    except FileNotFoundError:
        return [*problems, f"card version {card.get('version')!r}: no schema for it in {SCHEMAS}"]
    errors = [_deepest(e) for e in validator.iter_errors(card)]
    return [*problems, *(f"card {list(e.absolute_path)}: {e.message[:200]}" for e in errors)]


def _deepest(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """The card schema wraps everything in anyOf/allOf: show the sub-error that says what is wrong."""
    while error.context:
        error = jsonschema.exceptions.best_match(error.context) or error
    return error


def _msteams_problems(card: dict[str, Any]) -> list[str]:
    texts = json.dumps(card.get("body", []), ensure_ascii=False)
    problems = []
    for entity in card.get("msteams", {}).get("entities", []):
        if entity.get("type") != "mention" or not entity.get("mentioned", {}).get("id"):
            problems.append(f"msteams entity {entity!r}: want type mention with mentioned.id")
        elif json.dumps(entity["text"], ensure_ascii=False)[1:-1] not in texts:
            problems.append(f"msteams entity text {entity['text']!r} does not occur in the card")
    return problems


@lru_cache(maxsize=None)
def _validator(version: str) -> jsonschema.protocols.Validator:
    schema = json.loads((SCHEMAS / f"schema-{version}.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)  # type: ignore[no-any-return]


def webhook(payload: dict[str, Any]) -> list[str]:
    """Our own documented shape; no size limit."""
    want = {"schema", "status", "title", "text", "emoji", "color", "run_url", "fields", "mentions"}
    missing = want - set(payload)
    return [f"webhook payload lacks {sorted(missing)}"] if missing else []


CHECKS: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "slack": slack,
    "discord": discord,
    "teams": teams,
    "webhook": webhook,
}


def violations(channel: str, payload: dict[str, Any]) -> list[str]:
    """Every broken limit; the payload also survives a JSON round trip unchanged."""
    problems = CHECKS[channel](payload)
    text = json.dumps(payload, ensure_ascii=False)
    if json.loads(text) != payload:
        problems.append("payload does not survive a JSON round trip")
    return problems
