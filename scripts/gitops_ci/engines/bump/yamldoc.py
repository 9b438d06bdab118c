"""YAML documents as node trees with source offsets, and the text of one scalar value.

The composer's marks give character offsets into the decoded text (a BOM and both bytes of a
CRLF count), so an edit is a splice of the original string; nothing is ever re-dumped.

A multi-document file is cut into runs of whole documents, and only the runs that mention an
image are parsed (the pure-Python parser is most of the engine's time); their marks are moved
to where the run sits in the file.
"""

from __future__ import annotations

import re
import threading
from typing import Any, Iterator, Sequence

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.parser import Parser
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scanner import Scanner

from gitops_ci.engines.bump import fastyaml
from gitops_ci.record import Record

STR_TAG = "tag:yaml.org,2002:str"
_RESOLVERS = (VersionedResolver(version=(1, 2)), VersionedResolver(version=(1, 1)))
_PLAIN_UNSAFE_START = set("&*!|>'\"%@`{}[],?:-#")

KeyPath = tuple[object, ...]

# The infra repo is input the pipeline does not control (Argo CD's repo-server was hardened
# against the same): nesting stays well below Python's recursion limit (the composer recurses
# about three frames a level), and aliases may not expand a document past a budget, so a
# "billion laughs" file fails at once instead of hanging the walk.
MAX_DEPTH = 200
ALIAS_BUDGET_PER_NODE = 100
ALIAS_BUDGET_FLOOR = 200_000


class YamlSyntaxError(Exception):
    """The text is not YAML; `line` is 1-based (0 when unknown)."""

    def __init__(self, problem: str, line: int) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line


# ruamel.yaml's scanner, parser and composer find each other through properties that look the
# loader up again on every token and event (`sys._getframe`, `hasattr`): about a tenth of the parse.
# These subclasses keep the references as plain attributes; the parse itself is unchanged.
class _Scanner(Scanner):
    """Also: the parser asks `check_token`/`peek_token` several times per token, and each asked
    `need_more_tokens()` again, a walk of the possible simple keys. Its answer can only change
    when a token is taken (fetching happens only in that loop; the reader moves only there),
    and the loop's first run has already dropped the stale keys, so once it ends the scanner
    is `settled` until the next `get_token`: the same tokens, a tenth less time. And
    `flow_level`, asked twice per character of a plain scalar, is a number kept beside the
    stack of open flow collections instead of a property that measures it."""

    reader: Any = None
    settled = False
    flow_level = 0  # len(self.flow_context), set where it changes

    def __init__(self, loader: Any = None) -> None:
        self.reader = loader.reader
        super().__init__(loader)

    def reset_scanner(self) -> None:
        self.settled, self.flow_level = False, 0
        super().reset_scanner()

    def fetch_flow_collection_start(self, TokenClass: Any, to_push: str) -> None:
        super().fetch_flow_collection_start(TokenClass, to_push)
        self.flow_level = len(self.flow_context)

    def fetch_flow_collection_end(self, TokenClass: Any) -> None:
        super().fetch_flow_collection_end(TokenClass)
        self.flow_level = len(self.flow_context)

    def _settle(self) -> None:
        while self.need_more_tokens():
            self.fetch_more_tokens()
        self.settled = True

    def check_token(self, *choices: Any) -> bool:
        if not self.settled:
            self._settle()
        if self.tokens:
            if not choices:
                return True
            for choice in choices:
                if isinstance(self.tokens[0], choice):
                    return True
        return False

    def peek_token(self) -> Any:
        if not self.settled:
            self._settle()
        return self.tokens[0] if self.tokens else None

    def get_token(self) -> Any:
        if not self.settled:
            self._settle()
        self.settled = False
        if self.tokens:
            self.tokens_taken += 1
            return self.tokens.pop(0)
        return None


class _Parser(Parser):
    scanner: Any = None
    resolver: Any = None

    def __init__(self, loader: Any) -> None:
        self.scanner, self.resolver = loader.scanner, loader.resolver
        super().__init__(loader)


class _Composer(Composer):
    parser: Any = None
    resolver: Any = None
    depth = 0

    def __init__(self, loader: Any = None) -> None:
        self.parser, self.resolver = loader.parser, loader.resolver
        super().__init__(loader)

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                mark = self.parser.peek_event().start_mark
                raise YamlSyntaxError(
                    f"nested more than {MAX_DEPTH} levels deep (no manifest needs that)", mark.line + 1
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def loader() -> YAML:
    """A safe, pure-Python ruamel.yaml loader with the attribute-holding parts."""
    yaml = YAML(typ="safe", pure=True)
    yaml.Scanner, yaml.Parser, yaml.Composer = _Scanner, _Parser, _Composer
    return yaml


# One loader per thread, reused from text to text as ruamel.yaml means a YAML instance to be
# (it resets its reader, scanner and parser after each stream): a new one costs about as much
# as parsing a short document. A text that fails to parse takes its loader along with it.
_LOADERS = threading.local()


def compose(text: str) -> list[Node]:
    """Every document of ``text`` as a node tree (empty documents are dropped); nesting,
    alias expansion and duplicate keys checked."""
    docs = fastyaml.compose(text)  # the plain block YAML of most manifests, node for node the same
    if docs is not None:
        return docs  # no alias, no key twice: checked as it was read
    docs = _compose(text)
    for doc in docs:
        check_document(doc, aliases="*" in text)
    return docs


def _compose(text: str) -> list[Node]:
    """ruamel.yaml's composer: every document of ``text``, or the syntax error."""
    yaml = getattr(_LOADERS, "yaml", None) or loader()
    _LOADERS.yaml = None  # in use until this text is parsed
    try:
        docs = [doc for doc in yaml.compose_all(text) if doc is not None]
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise YamlSyntaxError(problem or "invalid YAML", mark.line + 1 if mark else 0) from None
    except YAMLError as exc:
        raise YamlSyntaxError(str(exc).strip() or "invalid YAML", 0) from None
    _LOADERS.yaml = yaml
    return docs


def check_document(doc: Node, *, aliases: bool = True) -> None:
    """No mapping holds a key twice (Kubernetes and kubectl refuse that too), and aliases do
    not expand the document past its budget (``aliases=False``: its text has no `*`, so no
    node is used twice and the walk is its nodes, within any budget)."""
    nodes = 0
    for node in walk([doc], keys=False):
        nodes += 1
        if isinstance(node, MappingNode):
            _check_unique_keys(node)
    if not aliases:
        return
    budget = ALIAS_BUDGET_PER_NODE * nodes + ALIAS_BUDGET_FLOOR
    size = expanded_size(doc, budget)
    if size > budget:
        raise YamlSyntaxError(
            f"its aliases expand this document to more than {budget:,} nodes, from {nodes:,} written "
            "(an alias bomb?)",
            line_of(doc),
        )


def _check_unique_keys(node: MappingNode) -> None:
    first: dict[str, ScalarNode] = {}
    for key, _ in node.value:
        if not isinstance(key, ScalarNode) or key.value == "<<":
            continue
        seen = first.setdefault(str(key.value), key)
        if seen is not key:
            raise YamlSyntaxError(
                f"duplicate key {key.value!r} (first at line {line_of(seen)}, again at line {line_of(key)})",
                line_of(key),
            )


def expanded_size(root: Node, limit: int) -> int:
    """How many nodes a walk that follows every alias where it is used visits (a recursive
    alias counts once), computed over the distinct nodes only; stops counting past ``limit``."""
    sizes: dict[int, int] = {}
    open_: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            total = 1 + sum(sizes.get(id(child), 1) for child in _children(node))
            sizes[id(node)] = min(limit + 1, total)
            open_.discard(id(node))
        elif id(node) not in sizes and id(node) not in open_:
            open_.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))
    return sizes[id(root)]


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


# A `---` marker line at column 0 starts a document wherever it stands: a block or plain scalar
# ends there, and a quoted scalar or flow collection open across it is a syntax error. Cutting
# right before it gives runs of whole documents that parse alone exactly as in the file, the
# way kubectl splits a stream.
_CUT = re.compile(r"\n(?=---(?:[ \t\r\n]|\Z))")
# Directives (`%YAML 1.1`) may change how a later document reads; line breaks other than LF
# and CRLF are counted differently by the scanner. Files with either are parsed whole.
_WHOLE = re.compile("^\ufeff?%|\r(?!\n)|[\x85\u2028\u2029]", re.M)


class Part(Record):
    """Characters [start, end) of a file: whole documents, with their nodes (marks into the file)."""

    start: int
    end: int
    docs: list[Node]


def document_runs(text: str) -> list[tuple[int, int]]:
    """[start, end) of each run of whole documents, cut before every `---` line."""
    if "\n---" not in text or _WHOLE.search(text):
        return [(0, len(text))]
    bounds = [0, *(match.end() for match in _CUT.finditer(text)), len(text)]
    return list(zip(bounds, bounds[1:]))


def compose_parts(text: str, wanted: Sequence[str]) -> list[Part]:
    """The runs of ``text`` that contain one of the ``wanted`` strings, parsed."""
    return [
        Part(start, end, compose_at(text, start, end))
        for start, end in document_runs(text)
        if any(text.find(needle, start, end) >= 0 for needle in wanted)
    ]


def compose_at(text: str, start: int, end: int) -> list[Node]:
    """The documents of ``text[start:end]`` (whole documents), marks as offsets into ``text``."""
    if start == 0 and end == len(text):
        return compose(text)
    line = text.count("\n", 0, start)
    try:
        docs = compose(text[start:end])
    except YamlSyntaxError as exc:
        raise YamlSyntaxError(exc.problem, exc.line + line if exc.line else 0) from None
    _shift(docs, start, line)
    return docs


def walk(docs: list[Node], *, keys: bool = True) -> Iterator[Node]:
    """Every node of ``docs`` once (an alias's target is visited once); mapping keys too
    unless ``keys`` is false."""
    seen: set[int] = set()
    stack = list(docs)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if isinstance(node, MappingNode):
            for key, value in node.value:
                stack.extend((key, value) if keys else (value,))
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)


def _shift(docs: list[Node], index: int, line: int) -> None:
    """Move every mark by ``index`` characters and ``line`` lines (a run starts a line, so
    columns stay); marks shared between nodes move once."""
    moved: set[int] = set()
    for node in walk(docs):
        for mark in (node.start_mark, node.end_mark):
            if id(mark) not in moved:
                moved.add(id(mark))
                mark.index += index
                mark.line += line


def entries(node: Node | None) -> dict[str, Node]:
    """A mapping's values by scalar key (other keys are ignored); empty for other nodes."""
    if not isinstance(node, MappingNode):
        return {}
    return {key.value: value for key, value in node.value if isinstance(key, ScalarNode)}


def key_nodes(node: MappingNode) -> dict[str, ScalarNode]:
    return {key.value: key for key, _ in node.value if isinstance(key, ScalarNode)}


def scalar_text(node: Node | None) -> str | None:
    if isinstance(node, ScalarNode) and node.style not in ("|", ">"):
        return str(node.value)
    return None


def mappings(root: Node) -> Iterator[tuple[KeyPath, MappingNode]]:
    """Every mapping under ``root`` with its key path; an alias is visited where it is used."""
    stack: list[tuple[KeyPath, Node, frozenset[int]]] = [((), root, frozenset())]
    while stack:
        path, node, seen = stack.pop()
        if id(node) in seen:
            continue
        inner = seen | {id(node)}
        if isinstance(node, MappingNode):
            yield path, node
            for key, value in reversed(node.value):
                name = key.value if isinstance(key, ScalarNode) else "?"
                stack.append(((*path, name), value, inner))
        elif isinstance(node, SequenceNode):
            for index, item in reversed(list(enumerate(node.value))):
                stack.append(((*path, index), item, inner))


class Span(Record):
    """Where a scalar's own text sits (after any `&anchor` or `!tag`), and its style."""

    start: int
    end: int
    style: str | None


def value_span(text: str, node: ScalarNode) -> Span:
    start, end = node.start_mark.index, node.end_mark.index
    while start < end and text[start] in "&!":
        while start < end and text[start] not in " \t\r\n":
            start += 1
        while start < end and text[start] in " \t\r\n":
            start += 1
    return Span(start, end, node.style)


def editable(text: str, node: ScalarNode) -> str | None:
    """Why this scalar cannot be spliced safely, or None when it can."""
    if node.style in ("|", ">"):
        return "a block scalar (| or >)"
    span = value_span(text, node)
    if "\n" in text[span.start : span.end] or "\r" in text[span.start : span.end]:
        return "a value that spans several lines"
    return None


def render(value: str, style: str | None) -> str:
    """``value`` written in the old scalar's quote style; a plain value YAML would read as a
    number, boolean, null or date (`1.10`, `true`) is double-quoted so it stays a string."""
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    if style == '"' or not plain_is_string(value):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value


def plain_is_string(value: str) -> bool:
    if not value or value[0] in _PLAIN_UNSAFE_START or value != value.strip():
        return False
    if ": " in value or " #" in value or "\n" in value:
        return False
    return all(r.resolve(ScalarNode, value, (True, False)) == STR_TAG for r in _RESOLVERS)


def line_of(node: Node) -> int:
    return int(node.start_mark.line) + 1
