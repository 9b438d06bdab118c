"""A fast composer for the plain block YAML most manifests are written in, producing exactly
the nodes (values, tags, styles, marks) ruamel.yaml's composer produces for the same text.

ruamel.yaml's pure-Python parser looks at every character through several layers of calls;
it is most of an edit's time, and a bump of many images parses hundreds of files twice (the
edit, then its verification). This one reads a line at a time with a few regular expressions.
It takes only what it is sure of: block mappings with plain keys, block sequences (indented or
not), plain and quoted one-line scalars, one-line flow collections, comments and blank lines,
one document. Anything else (anchors, aliases, tags, block scalars, multi-line scalars,
escapes, tabs, directives, non-ASCII text, several documents, an unusual indentation or any
error, a duplicate key) makes it give up, and the text is parsed by ruamel.yaml as before:
`compose` returns None. What it returns needs no more checks: it has no alias, and no mapping
holds a key twice. tests/unit/bump/test_bump_fastyaml.py holds it to ruamel.yaml's nodes on
generated and real documents.
"""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.error import StringMark
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver

# Printable ASCII and newlines only: no tab, CR, BOM, control or non-ASCII character (the
# reader's checks and the scanner's line breaks and columns stay ruamel.yaml's business).
_OUTSIDE = re.compile(r"[^\x20-\x7e\n]")
# A plain key followed by `:` and a space or the end of the line.
_KEY = re.compile(r"([A-Za-z0-9_][A-Za-z0-9_./-]*):(?= |$)")
# A plain scalar's first character: not an indicator (`-` only when a non-space follows).
_PLAIN_START = re.compile(r"[^-?:,\[\]{}#&*!|>'\"%@` ]|-[^ ]")
# In a flow collection: one word (no space), not starting with an indicator.
_FLOW_PLAIN = re.compile(r"(?:[^-?:,\[\]{}#&*!|>'\"%@` ]|-[^ ,\[\]{}])(?:[^ ,\[\]{}:]|:(?=[^ ,\[\]{}]))*")
_DOC_START = re.compile(r"---(?: +#.*| *)$")
MAX_DEPTH = 50  # deeper documents are left to ruamel.yaml (and its depth limit)

_RESOLVER = VersionedResolver(version=(1, 2))  # what the safe loader resolves with, no %YAML given
_MAP_TAG = _RESOLVER.resolve(MappingNode, None, (True, False))
_SEQ_TAG = _RESOLVER.resolve(SequenceNode, None, (True, False))
_STR_TAG = _RESOLVER.resolve(ScalarNode, "", (False, True))
_NULL_TAG = _RESOLVER.resolve(ScalarNode, "", (True, False))
_TAGS: dict[str, Any] = {}  # a plain value's tag, as resolved once (keys and values repeat a lot)


class Unsupported(Exception):
    """The text is outside what this composer takes: ruamel.yaml parses it."""


def compose(text: str) -> list[Node] | None:
    """The documents of ``text`` as ruamel.yaml's composer makes them (empty ones dropped), or
    None when the text is outside the supported subset."""
    if _OUTSIDE.search(text):
        return None
    try:
        return _Composer(text).documents()
    except Unsupported:
        return None


class _Composer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.split("\n")
        self.starts = [0] * len(self.lines)
        offset = 0
        for number, line in enumerate(self.lines):
            self.starts[number] = offset
            offset += len(line) + 1
        # Each line's indentation, or -1 for a blank line (`raw`) or a blank or comment line.
        self.raw = [len(line) - len(line.lstrip(" ")) if line.strip(" ") else -1 for line in self.lines]
        self.indents = [-1 if r < 0 or line[r] == "#" else r for r, line in zip(self.raw, self.lines)]

    # -- marks ------------------------------------------------------------------------------
    def mark(self, line: int, column: int) -> StringMark:
        index = self.starts[line] + column
        return StringMark("<unicode string>", index, line, column, self.text, index)

    def end_of_stream(self) -> StringMark:
        last = len(self.lines) - 1
        return self.mark(last, len(self.lines[last]))

    def next_line(self, line: int) -> int:
        """The first content line from ``line`` on (len(lines) when there is none)."""
        while line < len(self.lines) and self.indents[line] < 0:
            line += 1
        return line

    def token_mark(self, line: int) -> StringMark:
        """The mark of a content line's first character, or of the end of the stream."""
        return self.end_of_stream() if line == len(self.lines) else self.mark(line, self.indents[line])

    # -- documents --------------------------------------------------------------------------
    def documents(self) -> list[Node]:
        line = self.next_line(0)
        if line == len(self.lines):
            return []  # no document at all
        if self.lines[line].startswith("-") and _DOC_START.match(self.lines[line]):
            line = self.next_line(line + 1)
            if line == len(self.lines):
                raise Unsupported("an explicit empty document")  # ruamel.yaml: a null scalar
        first = self.lines[line]
        if first.startswith(("---", "...", "%")):
            raise Unsupported("a directive, a second document or a document end")
        node, line = self.block(line, self.indents[line], 0)
        if self.next_line(line) != len(self.lines):
            raise Unsupported("text after the document")
        return [node]

    def block(self, line: int, column: int, depth: int) -> tuple[Node, int]:
        """The block collection whose first entry starts at ``line``, ``column``."""
        if depth > MAX_DEPTH:
            raise Unsupported("deeply nested")
        rest = self.lines[line][column:]
        if rest == "-" or rest.startswith("- "):
            return self.sequence(line, column, depth)
        return self.mapping(line, column, depth)

    def mapping(self, line: int, column: int, depth: int) -> tuple[Node, int]:
        """A block mapping with keys at ``column``; its first key may follow a `- ` on its line."""
        node = MappingNode(_MAP_TAG, [], self.mark(line, column), None, flow_style=False)
        seen: set[str] = set()
        while True:
            match = _KEY.match(self.lines[line], column)
            if match is None:
                raise Unsupported("not a plain key")
            if match.group(1) in seen:
                raise Unsupported("a duplicate key")  # ruamel.yaml's nodes, then yamldoc's error
            seen.add(match.group(1))
            key = self.plain(line, column, match.group(1))
            after = min(match.end() + 1, len(self.lines[line]))  # past the `: `
            value, line = self.value(line, after, column, depth, in_mapping=True)
            node.value.append((key, value))
            line = self.next_line(line)
            if line == len(self.lines) or self.indents[line] < column:
                node.end_mark = self.token_mark(line)
                return node, line
            if self.indents[line] != column:
                raise Unsupported("unusual indentation")

    def sequence(self, line: int, column: int, depth: int) -> tuple[Node, int]:
        """A block sequence with its `-` at ``column`` (or an indentless one, in a mapping)."""
        node = SequenceNode(_SEQ_TAG, [], self.mark(line, column), None, flow_style=False)
        while True:
            text = self.lines[line]
            if not (text[column:] == "-" or text.startswith("- ", column)):
                node.end_mark = self.mark(line, column)  # a key of the mapping that holds it
                return node, line
            item, line = self.value(line, column + 1, column, depth, in_mapping=False)
            node.value.append(item)
            line = self.next_line(line)
            if line == len(self.lines) or self.indents[line] < column:
                node.end_mark = self.token_mark(line)
                return node, line
            if self.indents[line] != column:
                raise Unsupported("unusual indentation")

    def value(self, line: int, at: int, column: int, depth: int, *, in_mapping: bool) -> tuple[Node, int]:
        """The value after a key's `:` or an entry's `-` (``at``: the column after it); the
        line after it."""
        text = self.lines[line]
        start = at
        while start < len(text) and text[start] == " ":
            start += 1
        if start == len(text) or text[start] == "#":  # `#` after a space: a comment
            return self.nested(line, at, column, depth, in_mapping=in_mapping)
        if not in_mapping and _KEY.match(text, start):
            node, after = self.mapping(line, start, depth + 1)  # `- key: value`
            return node, after
        node, end = self.inline(line, start, depth)
        self.line_end(text, end)
        if self.deeper(line + 1, column):
            raise Unsupported("a value continued on the next lines")
        return node, line + 1

    def deeper(self, line: int, column: int) -> bool:
        """Whether the next line that is not blank (a comment too) is indented deeper than
        ``column``: a multi-line scalar, or an error ruamel.yaml should report."""
        raw = self.raw
        while line < len(raw):
            if raw[line] >= 0:
                return raw[line] > column
            line += 1
        return False

    def nested(self, line: int, at: int, column: int, depth: int, *, in_mapping: bool) -> tuple[Node, int]:
        """No value on the indicator's line: a block collection on the next lines, or null."""
        following = self.next_line(line + 1)
        if following < len(self.lines):
            indent = self.indents[following]
            rest = self.lines[following][indent:]
            dash = rest == "-" or rest.startswith("- ")
            if indent > column or (in_mapping and indent == column and dash):
                return self.block(following, indent, depth + 1)
        # An empty value: where the next token starts; an empty entry: right after its `-`.
        mark = self.token_mark(following) if in_mapping else self.mark(line, at)
        return ScalarNode(_NULL_TAG, "", mark, mark), following

    def line_end(self, text: str, end: int) -> None:
        """After a value: spaces, then nothing or a comment (after at least one space)."""
        rest = text[end:]
        stripped = rest.lstrip(" ")
        if stripped and not (stripped.startswith("#") and len(stripped) < len(rest)):
            raise Unsupported("more after the value")

    # -- scalars and flow collections --------------------------------------------------------
    def plain(self, line: int, column: int, value: str) -> ScalarNode:
        tag = _TAGS.get(value)
        if tag is None:
            tag = _RESOLVER.resolve(ScalarNode, value, (True, False))
            if len(_TAGS) < 50_000:
                _TAGS[value] = tag
        return ScalarNode(tag, value, self.mark(line, column), self.mark(line, column + len(value)))

    def inline(self, line: int, start: int, depth: int) -> tuple[Node, int]:
        """A one-line value in block context at ``start``: the node and the column after it."""
        text = self.lines[line]
        first = text[start]
        if first in "'\"":
            return self.quoted(line, start)
        if first in "[{":
            return self.flow(line, start, depth + 1)
        if not _PLAIN_START.match(text, start):
            raise Unsupported("an indicator")
        end = _plain_end(text, start)
        value = text[start:end]
        if ": " in value or value.endswith(":"):
            raise Unsupported("a `: ` in a plain value")
        return self.plain(line, start, value), end

    def quoted(self, line: int, start: int) -> tuple[ScalarNode, int]:
        text = self.lines[line]
        quote = text[start]
        if quote == '"':
            close = text.find('"', start + 1)
            if close < 0 or "\\" in text[start:close]:
                raise Unsupported("an escape or a multi-line string")
            value = text[start + 1 : close]
        else:
            close = start + 1
            while True:
                close = text.find("'", close)
                if close < 0:
                    raise Unsupported("a multi-line string")
                if text.startswith("''", close):
                    close += 2
                    continue
                break
            value = text[start + 1 : close].replace("''", "'")
        end = close + 1
        node = ScalarNode(_STR_TAG, value, self.mark(line, start), self.mark(line, end), style=quote)
        return node, end

    def flow(self, line: int, start: int, depth: int) -> tuple[Node, int]:
        """A flow sequence or mapping that closes on its line."""
        if depth > MAX_DEPTH:
            raise Unsupported("deeply nested")
        text = self.lines[line]
        mapping = text[start] == "{"
        node: Any = (MappingNode if mapping else SequenceNode)(
            _MAP_TAG if mapping else _SEQ_TAG, [], self.mark(line, start), None, flow_style=True
        )
        close = "}" if mapping else "]"
        seen: set[str] = set()
        at = _skip(text, start + 1)
        while True:
            if at >= len(text):
                raise Unsupported("a multi-line flow collection")
            if text[at] == close:
                node.end_mark = self.mark(line, at + 1)
                return node, at + 1
            item, at = self.flow_item(line, at, depth)
            at = _skip(text, at)
            if mapping:
                if not text.startswith(": ", at) or not isinstance(item, ScalarNode):
                    raise Unsupported("not a `key: value` pair")
                if item.value in seen:
                    raise Unsupported("a duplicate key")
                seen.add(item.value)
                value, at = self.flow_item(line, _skip(text, at + 2), depth)
                node.value.append((item, value))
                at = _skip(text, at)
            else:
                node.value.append(item)
            if at < len(text) and text[at] == ",":
                at = _skip(text, at + 1)
            elif at >= len(text) or text[at] != close:
                raise Unsupported("a flow collection not in the subset")

    def flow_item(self, line: int, at: int, depth: int) -> tuple[Node, int]:
        text = self.lines[line]
        if at >= len(text):
            raise Unsupported("a multi-line flow collection")
        if text[at] in "'\"":
            return self.quoted(line, at)
        if text[at] in "[{":
            return self.flow(line, at, depth + 1)
        match = _FLOW_PLAIN.match(text, at)
        if match is None:
            raise Unsupported("not a one-word flow scalar")
        if "#" in match.group() or ":" in match.group():
            raise Unsupported("a `#` or `:` in a flow scalar")
        return self.plain(line, at, match.group()), match.end()


def _plain_end(text: str, start: int) -> int:
    """Where a plain scalar in block context that starts at ``start`` ends: before ` #` (a
    comment) or the end of the line, trailing spaces left out."""
    comment = text.find(" #", start)
    end = len(text) if comment < 0 else comment
    return len(text[start:end].rstrip(" ")) + start


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at] == " ":
        at += 1
    return at
