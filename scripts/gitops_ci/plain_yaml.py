"""A small exact reader for the plain shape a defaults file has, so that most runs need not load
ruamel.yaml (its import and first parse are ~18 ms of every start).

It reads block mappings and sequences nested by indentation, one-line flow collections of
scalars (`[a, b]`, `{key: value}`), plain, single- and double-quoted scalars and `#` comments,
and gives exactly what ruamel.yaml's safe loader (YAML 1.2) gives for them. Anything else (tabs,
anchors, tags, block scalars, multi-line scalars, escapes, a scalar that could read as a number,
date or special value, a duplicate key, a character the YAML reader refuses, ...) raises
`NotPlain`, and the caller parses the text with ruamel.yaml, which then also reports any error.
"""

from __future__ import annotations

import re


class NotPlain(Exception):
    """The text is not in the plain subset this reader knows exactly."""


# Characters the YAML reader refuses (ruamel.yaml's Reader: outside TAB, LF, CR, #x20-#x7E,
# #x85, #xA0-#xD7FF, #xE000-#xFFFD and beyond #xFFFF), plus those this reader leaves to the
# full parser: TAB, CR, the BOM and the other line breaks (#x85, #x2028, #x2029). (One
# character class over all of them costs half a millisecond to compile: the ASCII ones here,
# the rest looked up among the text's own characters.)
_REFUSED_ASCII = re.compile("[\x00-\x09\x0b-\x1f\x7f]")
_REFUSED_OTHER = frozenset("\ufeff\ufffe\uffff\u2028\u2029")
_KEY = re.compile(r"([A-Za-z0-9_][A-Za-z0-9_.-]*):(?: +|$)")
# A plain scalar's characters here: no indicator YAML might read otherwise (`#`, `,`, `[`, `]`,
# `{`, `}`, quotes, `&`, `*`, `!`, `|`, `>`, `%`, `@` and backquote at the start, ...).
_PLAIN = re.compile(r"[A-Za-z0-9_./@+=-]+(?:(?: |:(?=[A-Za-z0-9_./@+=-]))[A-Za-z0-9_./@+=-]+)*")
_FLOW_PLAIN = re.compile(r"[A-Za-z0-9_./@+=-]+")
MAX_DEPTH = 20  # a defaults file is three levels deep; deeper is left to the full parser
_NUMBERISH = "-+.0123456789"
_SPECIAL = {
    "true": True,
    "True": True,
    "TRUE": True,
    "false": False,
    "False": False,
    "FALSE": False,
    "~": None,
    "null": None,
    "Null": None,
    "NULL": None,
}


def load(text: str) -> object:
    """The document in ``text`` as ruamel.yaml's safe loader reads it; None for no document.
    Raises NotPlain for anything outside the subset."""
    if _refused(text):
        raise NotPlain("a character left to the full parser")
    lines = []
    for number, raw in enumerate(text.split("\n")):
        body = raw.lstrip(" ")
        if body.startswith("#") or not body.strip(" "):
            continue
        if raw.startswith(("---", "...", "%")):
            raise NotPlain(f"line {number + 1}: a document marker or directive")
        lines.append((len(raw) - len(body), body))
    if not lines:
        return None
    value, end = _block(lines, 0, lines[0][0])
    if end != len(lines):
        raise NotPlain("indentation this reader does not follow")
    return value


Lines = list[tuple[int, str]]


def _refused(text: str) -> bool:
    if _REFUSED_ASCII.search(text):
        return True
    return not text.isascii() and any(
        ch <= "\x9f" or "\ud800" <= ch <= "\udfff" or ch in _REFUSED_OTHER for ch in set(text) if ch > "\x7f"
    )


def _block(lines: Lines, start: int, indent: int, depth: int = 0) -> tuple[object, int]:
    """The mapping or sequence whose entries start at column ``indent`` from line ``start``."""
    if depth > MAX_DEPTH:
        raise NotPlain("nested deeper than a defaults file is")
    if lines[start][1].startswith("- ") or lines[start][1] == "-":
        return _sequence(lines, start, indent)
    return _mapping(lines, start, indent, depth)


def _mapping(lines: Lines, index: int, indent: int, depth: int) -> tuple[dict[str, object], int]:
    out: dict[str, object] = {}
    while index < len(lines) and lines[index][0] == indent:
        body = lines[index][1]
        match = _KEY.match(body)
        if match is None:
            raise NotPlain("not a `key: value` line")
        key = _scalar(match.group(1))
        if not isinstance(key, str) or key in out:
            raise NotPlain("a key that is not a string, or a duplicate key")
        rest = body[match.end() :]
        index += 1
        if rest and not rest.startswith("#"):
            out[key] = _inline(rest)
            _no_continuation(lines, index, indent)
        elif index < len(lines) and lines[index][0] > indent:
            out[key], index = _block(lines, index, lines[index][0], depth + 1)
        elif index < len(lines) and lines[index][0] == indent and lines[index][1].startswith("- "):
            out[key], index = _sequence(lines, index, indent, compact=True)  # `key:` then `- a` below it
        else:
            out[key] = None
    return out, _end_of_block(lines, index, indent)


def _sequence(lines: Lines, index: int, indent: int, compact: bool = False) -> tuple[list[object], int]:
    """A block sequence; ``compact``: written at its key's column, where the key's mapping goes on."""
    out: list[object] = []
    while index < len(lines) and lines[index][0] == indent and lines[index][1].startswith("- "):
        rest = lines[index][1][2:].lstrip(" ")
        if not rest or rest.startswith(("#", "- ")) or rest == "-":
            raise NotPlain("an empty or nested sequence entry")
        out.append(_inline(rest))
        index += 1
        _no_continuation(lines, index, indent)
    return out, index if compact else _end_of_block(lines, index, indent)


def _no_continuation(lines: Lines, index: int, indent: int) -> None:
    if index < len(lines) and lines[index][0] > indent:
        raise NotPlain("a value continued on the next line")


def _end_of_block(lines: Lines, index: int, indent: int) -> int:
    if index < len(lines) and lines[index][0] >= indent:
        raise NotPlain("a line this reader does not follow")
    return index


def _inline(text: str) -> object:
    """A value on the rest of a line: a flow collection, a quoted or a plain scalar, then an
    optional comment."""
    if text[0] in "[{":
        value, rest = _flow(text)
    elif text[0] in "'\"":
        value, rest = _quoted(text)
    else:
        plain, _, comment = text.partition(" #")
        plain = plain.rstrip(" ")
        if not _PLAIN.fullmatch(plain):
            raise NotPlain("a plain scalar with characters left to the full parser")
        return _scalar(plain)
    _after(rest)
    return value


def _after(rest: str) -> None:
    """What may follow a closed value on its line: nothing, or spaces and a comment."""
    stripped = rest.lstrip(" ")
    if stripped and not (stripped.startswith("#") and stripped != rest):
        raise NotPlain("text after a closed value")


def _quoted(text: str) -> tuple[str, str]:
    """A quoted scalar at the start of ``text`` (no escapes, one line) and the text after it."""
    quote = text[0]
    if quote == '"':
        end = text.find('"', 1)
        if end < 0 or "\\" in text[1:end]:
            raise NotPlain("an unclosed or escaped double-quoted scalar")
        return text[1:end], text[end + 1 :]
    index, parts = 1, []
    while True:
        end = text.find("'", index)
        if end < 0:
            raise NotPlain("an unclosed single-quoted scalar")
        parts.append(text[index:end])
        if text.startswith("''", end):
            parts.append("'")
            index = end + 2
            continue
        return "".join(parts), text[end + 1 :]


def _flow(text: str) -> tuple[object, str]:
    """`[a, b]` or `{k: v}` of scalars at the start of ``text`` and the text after it."""
    close = "]" if text[0] == "[" else "}"
    items: list[object] = []
    pairs: dict[str, object] = {}
    rest = text[1:].lstrip(" ")
    if rest.startswith(close):
        return ([] if close == "]" else {}), rest[1:]
    while True:
        if close == "}":
            match = _KEY.match(rest)
            key = _scalar(match.group(1)) if match else None
            if match is None or not isinstance(key, str) or key in pairs or not match.group(0).endswith(" "):
                raise NotPlain("a flow mapping entry this reader does not know")
            value, rest = _flow_scalar(rest[match.end() :])
            pairs[key] = value
        else:
            value, rest = _flow_scalar(rest)
            items.append(value)
        rest = rest.lstrip(" ")
        if rest.startswith(close):
            return (items if close == "]" else pairs), rest[1:]
        if not rest.startswith(", "):
            raise NotPlain("a flow collection this reader does not know")
        rest = rest[2:].lstrip(" ")


def _flow_scalar(text: str) -> tuple[object, str]:
    if text[:1] in ("'", '"'):
        return _quoted(text)
    match = _FLOW_PLAIN.match(text)
    if match is None:
        raise NotPlain("a flow entry this reader does not know")
    return _scalar(match.group(0)), text[match.end() :]


def _scalar(plain: str) -> object:
    """A plain scalar's value as YAML 1.2 resolves it; NotPlain where the resolution is more
    than a string, a whole decimal number, true/false or null."""
    if plain in _SPECIAL:
        return _SPECIAL[plain]
    if plain[0] in _NUMBERISH:
        if plain.isdigit() and (plain == "0" or plain[0] != "0"):  # a whole decimal number
            return int(plain)
        parts = plain.split(".")
        if len(parts) > 2 and all(part.isdigit() for part in parts):  # 1.2.3: no number or date in YAML 1.2
            return plain
        raise NotPlain("a plain scalar that may read as a number or a date")
    if plain[0] in "<=@":
        raise NotPlain("a merge key, a value indicator or a reserved indicator")
    return plain
