"""GitHub's `paths:` filter patterns (the workflow syntax's filter pattern cheat sheet), so that a
service's `paths` mean what they would mean in `on.push.paths`.

`*` matches any run of characters but `/`; `**` any run, `/` included (and `**/` any number of
folders, none too: `docs/**/*.md` matches `docs/README.md`); `?` and `+` make the character before
them optional or repeatable; `[a-z0-9]` matches one character listed or in a range; a backslash
makes the next character literal. A pattern starting with `!` excludes. In a list the last
pattern that matches a path decides, so `[app/**, '!app/docs/**', app/docs/api.md]` takes
`app/docs/api.md` back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WILDCARDS = ("[^/]*", "(?:.*/)?", ".*")
_RANGE_CLASSES = ("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789")


class GlobError(ValueError):
    """A pattern that is not a filter pattern; the message says what is wrong in it."""


@dataclass(frozen=True)
class Pattern:
    text: str  # as written, `!` included
    exclude: bool
    regex: re.Pattern[str]
    prefix: str = ""  # what every path it matches starts with (the literal text before a wildcard)

    def matches(self, path: str) -> bool:
        return self.regex.fullmatch(path) is not None


def compile_pattern(text: str) -> Pattern:
    exclude = text.startswith("!")
    body = text[1:] if exclude else text
    if not body:
        raise GlobError("the pattern is empty" + (" after `!`" if exclude else ""))
    if body.startswith("/"):
        raise GlobError("patterns are relative to the repository's root and do not start with `/`")
    return Pattern(text, exclude, re.compile(_translate(body), re.DOTALL), _prefix(body))


def _prefix(body: str) -> str:
    """The literal start of a pattern: up to its first wildcard or `[`, less a character that a
    `?` or `+` after it makes optional or repeatable."""
    out: list[str] = []
    index = 0
    while index < len(body) and body[index] not in "*[":
        char = body[index]
        if char in "?+":
            out = out[:-1]
            break
        if char == "\\":
            if index + 1 == len(body):
                break
            index += 1
            char = body[index]
        out.append(char)
        index += 1
    return "".join(out)


def _translate(body: str) -> str:
    atoms: list[str] = []  # one regex per pattern character (or wildcard), so `?` and `+` can bind
    index = 0
    while index < len(body):
        char = body[index]
        if char == "*":
            end = index
            while end < len(body) and body[end] == "*":
                end += 1
            if end - index == 1:
                atoms.append("[^/]*")
            elif end < len(body) and body[end] == "/":
                atoms.append("(?:.*/)?")  # `**/`: any folders, or none
                end += 1
            else:
                atoms.append(".*")
            index = end
            continue
        if char in "?+":
            if not atoms or atoms[-1] in _WILDCARDS:
                where = "at the start" if not atoms else "after a wildcard"
                raise GlobError(f"`{char}` {where} repeats nothing (write `\\{char}` for the character)")
            atoms[-1] = f"(?:{atoms[-1]}){char}"
        elif char == "[":
            atom, index = _bracket(body, index)
            atoms.append(atom)
            continue
        elif char == "\\":
            if index + 1 == len(body):
                raise GlobError("it ends with a `\\` that escapes nothing")
            index += 1
            atoms.append(re.escape(body[index]))
        else:
            atoms.append(re.escape(char))
        index += 1
    return "".join(atoms)


def _bracket(body: str, start: int) -> tuple[str, int]:
    """`[...]` at `start`: its regex and the index after its `]`."""
    end = body.find("]", start + 1)
    if end < 0:
        raise GlobError(f"the `[` at character {start + 1} is never closed")
    inside = body[start + 1 : end]
    if not inside:
        raise GlobError(f"`[]` at character {start + 1} lists no character")
    parts: list[str] = []
    index = 0
    while index < len(inside):
        char = inside[index]
        if char == "/":
            raise GlobError("a `[...]` cannot match `/`")
        if index + 2 < len(inside) and inside[index + 1] == "-":
            low, high = char, inside[index + 2]
            if not any(low in c and high in c and c.index(low) <= c.index(high) for c in _RANGE_CLASSES):
                raise GlobError(f"the range `{low}-{high}` is not within a-z, A-Z or 0-9, low to high")
            parts.append(f"{low}-{high}")
            index += 3
            continue
        parts.append(re.escape(char))
        index += 1
    return "[" + "".join(parts) + "]", end + 1


def literal(path: str) -> str:
    """The pattern that matches `path` and nothing else."""
    return re.sub(r"([\\*?+\[!])", r"\\\1", path)


@dataclass(frozen=True)
class Filter:
    """A `paths:` list: the last pattern that matches a path decides whether it is taken."""

    patterns: tuple[Pattern, ...]
    # Every path a pattern that includes can match starts with one of these (None: any path can):
    # most paths of a big diff are passed over by one `startswith`, not a regex per pattern.
    starts: tuple[str, ...] | None = None

    @staticmethod
    def of(patterns: tuple[Pattern, ...]) -> Filter:
        starts = tuple(p.prefix for p in patterns if not p.exclude)
        return Filter(patterns, None if "" in starts else starts)

    def selects(self, path: str) -> bool:
        if self.starts is not None and not path.startswith(self.starts):
            return False
        for pattern in reversed(self.patterns):
            if pattern.matches(path):
                return not pattern.exclude
        return False


def selects(patterns: tuple[Pattern, ...], path: str) -> bool:
    """Whether the list `patterns` takes `path`."""
    return Filter.of(patterns).selects(path)
