"""Byte-exact edits: replace one scalar's text, add or drop one `key: value` line.

Each edit also records what the re-parsed file must then say (an `Expect`), which
`verify.check()` holds the new text to.
"""

from __future__ import annotations

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode

from gitops_ci.engines.bump.yamldoc import editable, key_nodes, render, value_span
from gitops_ci.record import Record, field


class Splice(Record):
    start: int
    end: int
    text: str


class Expect(Record):
    """After the edit, `node` (a scalar) reads `value`; or, with `key`, the mapping `node`
    gains that key with `value`, or loses it when `value` is None."""

    node: Node
    value: str | None
    key: str | None = None


class Unsafe(Exception):
    """This place cannot be edited without touching more than its value; the reason says why."""


Saved = tuple[int, int, dict[tuple[int, int], str], set[tuple[int, str]]]


class Edits(Record, frozen=False):
    text: str
    splices: list[Splice] = field(default_factory=list)
    expects: list[Expect] = field(default_factory=list)
    claimed: dict[tuple[int, int], str] = field(default_factory=dict)
    dropped: set[tuple[int, str]] = field(default_factory=set)

    def save(self) -> Saved:
        return len(self.splices), len(self.expects), dict(self.claimed), set(self.dropped)

    def restore(self, saved: Saved) -> None:
        """Undo the edits made since `save()` (a site that failed half-way leaves no trace)."""
        del self.splices[saved[0] :]
        del self.expects[saved[1] :]
        self.claimed, self.dropped = dict(saved[2]), set(saved[3])

    @property
    def eol(self) -> str:
        return "\r\n" if "\r\n" in self.text else "\n"

    def set_scalar(self, node: ScalarNode, value: str) -> bool:
        """Point ``node`` at ``value``; False when it already reads so."""
        if node.value == value:
            return False
        reason = editable(self.text, node)
        if reason:
            raise Unsafe(f"the value is {reason}")
        span = value_span(self.text, node)
        style = node.style if node.style in ("'", '"') else None
        new = render(value, style)
        earlier = self.claimed.get((span.start, span.end))
        if earlier is not None:
            if earlier != new:
                raise Unsafe(f"two images want this value: {earlier} and {new}")
            return False
        self.claimed[(span.start, span.end)] = new
        self.splices.append(Splice(span.start, span.end, new))
        self.expects.append(Expect(node, value))
        return True

    def add_key(self, mapping: MappingNode, key: str, value: str) -> int:
        """A new `key: value` line at the end of a block mapping, indented like its keys;
        returns the (1-based) line the new key follows, plus one."""
        if mapping.flow_style or not mapping.value:
            raise Unsafe(f"`{key}:` is missing and the mapping is in flow style {{...}}; add the key by hand")
        first_key = mapping.value[0][0]
        kept = [v for k, v in mapping.value if (id(mapping), k.value) not in self.dropped]
        last_value = kept[-1] if kept else mapping.value[-1][1]
        if not isinstance(last_value, ScalarNode):
            raise Unsafe(f"`{key}:` is missing and the mapping does not end with a plain value")
        at = self._line_end(last_value.end_mark.index)
        indent = " " * int(first_key.start_mark.column)
        line = f"{self.eol}{indent}{key}: {render(value, None)}"
        self.splices.append(Splice(at, at, line))
        self.expects.append(Expect(mapping, value, key))
        return int(last_value.end_mark.line) + 2

    def drop_key(self, mapping: MappingNode, key: str) -> None:
        """Remove the whole `key: value` line (it must be a line of its own)."""
        key_node = key_nodes(mapping)[key]
        value = dict((k.value, v) for k, v in mapping.value if isinstance(k, ScalarNode))[key]
        start = self.text.rfind("\n", 0, key_node.start_mark.index) + 1
        if self.text[start : key_node.start_mark.index].strip() or mapping.flow_style:
            raise Unsafe(f"`{key}:` must be removed but does not stand on a line of its own")
        if value.end_mark.line != key_node.start_mark.line:
            raise Unsafe(f"`{key}:` must be removed but its value spans several lines")
        end = self._line_end(value.end_mark.index)
        end = end + len(self.eol) if self.text.startswith(self.eol, end) else end
        self.splices.append(Splice(start, end, ""))
        self.expects.append(Expect(mapping, None, key))
        self.dropped.add((id(mapping), key))

    def _line_end(self, index: int) -> int:
        end = self.text.find("\n", index)
        if end < 0:
            return len(self.text)
        return end - 1 if self.text[end - 1 : end] == "\r" else end


def apply_splices(text: str, splices: list[Splice]) -> str:
    """The text with every splice applied; overlapping splices are a bug."""
    out: list[str] = []
    cursor = 0
    for splice in sorted(splices, key=lambda s: (s.start, s.end)):
        if splice.start < cursor:
            raise AssertionError(f"overlapping edits at offset {splice.start}")
        out.append(text[cursor : splice.start])
        out.append(splice.text)
        cursor = splice.end
    out.append(text[cursor:])
    return "".join(out)
