"""The fast composer (bump/fastyaml.py) against ruamel.yaml's: on every document it accepts, the
very same nodes (type, tag, value, style, flow style and both marks of every node); on
anything ruamel.yaml rejects, and on YAML outside its subset, it gives up (None)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import Node, ScalarNode

from gitops_ci.engines.bump import fastyaml, yamldoc
from testing.bump_cases import FIXTURES

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples"


def shape(node: Node) -> list[tuple[Any, ...]]:
    """Everything the engine reads of a node tree, in document order."""
    out: list[tuple[Any, ...]] = []
    stack = [node]
    while stack:
        item = stack.pop()
        start, end = item.start_mark, item.end_mark
        value = item.value if isinstance(item, ScalarNode) else len(item.value)
        out.append(
            (
                type(item).__name__,
                item.tag,
                value,
                getattr(item, "style", None),
                getattr(item, "flow_style", None),
                (start.index, start.line, start.column),
                (end.index, end.line, end.column),
                item.anchor,
            )
        )
        if not isinstance(item, ScalarNode):
            for entry in reversed(item.value):
                stack.extend(reversed(entry) if isinstance(entry, tuple) else (entry,))
    return out


def ruamel(text: str) -> list[Node] | None:
    """ruamel.yaml's documents, or None when it rejects the text."""
    try:
        return [doc for doc in yamldoc.loader().compose_all(text) if doc is not None]
    except YAMLError:
        return None


def agrees(text: str) -> bool:
    """The fast composer gave up, or made exactly ruamel.yaml's nodes."""
    fast = fastyaml.compose(text)
    if fast is None:
        return True
    reference = ruamel(text)
    assert reference is not None, f"accepted what ruamel.yaml rejects: {text!r}"
    assert [shape(d) for d in fast] == [shape(d) for d in reference], text
    return True


def _documents() -> list[tuple[str, str]]:
    found = []
    for root in (FIXTURES, EXAMPLES):
        for path in sorted(root.rglob("*.y*ml")):
            text = path.read_text(encoding="utf-8", errors="replace")
            for start, end in yamldoc.document_runs(text):
                found.append((f"{path.relative_to(ROOT)}@{start}", text[start:end]))
    return found


DOCUMENTS = _documents()


def test_every_fixture_and_example_document_gets_ruamels_nodes_or_falls_back() -> None:
    accepted = [name for name, text in DOCUMENTS if agrees(text) and fastyaml.compose(text) is not None]
    assert len(accepted) >= 0.8 * len(DOCUMENTS)  # the subset is what manifests are written in


MANIFEST = """\
# svc1: workload and service
apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc1
  labels: {app: svc1, "tier": 'web'}
  annotations:
    app.kubernetes.io/part-of: shop  # trailing comment
spec:
  replicas: 2

  template:
    spec:
      initContainers:
        - name: migrate
          image: 'ghcr.io/acme/svc1:1.0.0'
          args: [migrate, --all, "x y", [nested], {}]
      containers:
      - name: svc1
        image: ghcr.io/acme/svc1@sha256:0123  # main
        env:
          - name: EMPTY
            value:
          -
          - ""
        ports: []
---
"""


@pytest.mark.parametrize(
    "text",
    [
        MANIFEST.removesuffix("---\n"),
        "---\nkind: Pod\n",
        "--- # a comment\na: 1\n\n# tail",
        "a:\nb: 1\n",
        "a:   # c\nb: 1",
        "- \n- x\n-\n",
        "a:\n- x\n- y\nb:\n  - z\n",
        "k: -1\nj: --x\nt: true\nn: null\nf: 1.10\nd: 2024-01-01\no: 0o17\ny: yes\ntilde: ~\n",
        "a: it's\nb: a#b\nc: a  b\nd: x:y\ne: 'q''s'\n",
        "",
        "# only a comment\n",
        "  a: indented root\n  b: 2\n",
    ],
)
def test_the_documents_it_takes_are_ruamels_node_for_node(text: str) -> None:
    assert fastyaml.compose(text) is not None
    assert agrees(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\nb: *x\n",  # anchors, aliases
        "a: !!str 1\n",  # tags
        "a: |\n  block\n",  # block scalars
        "a: plain\n  continued\n",  # a multi-line plain scalar
        "a: 'multi\n  line'\n",
        'a: "esc\\"aped"\n',
        "a:\tb\n",  # a tab
        "a: b\r\n",  # CRLF
        "\ufeffa: b\n",  # a BOM
        "%YAML 1.1\n---\na: b\n",  # a directive
        "a: 1\n---\nb: 2\n",  # two documents
        "a: 1\n...\n",
        "a: b: c\n",  # an error
        "a: [1, 2\n",  # a flow collection over lines (here an error)
        "a: 'x' y\n",
        "? complex\n: key\n",
        "a:\n    b: 1\n  c: 2\n",  # bad indentation
        "a: 1\n- b\n",
        "key: café\n",  # non-ASCII
        "a: x\n   # deeper comment\nb: y\n",
        "{a: 1}\n",  # a flow document
        "plain document\n",
        "a: 1\nb: 2\na: 3\n",  # a key twice: ruamel.yaml's nodes, for yamldoc's error
        "m: {a: 1, 'a': 2}\n",
    ],
)
def test_outside_the_subset_it_gives_up(text: str) -> None:
    assert fastyaml.compose(text) is None


# -- generated documents: plausible manifests, drawn with tricky keys, values and layout ----------
NAMES = st.from_regex(r"[a-z0-9_][a-z0-9_./-]{0,6}", fullmatch=True)  # keys as manifests spell them
KEYS = st.one_of(
    *[NAMES] * 12,  # one_of draws its strategies alike: most keys are plain names
    st.sampled_from(["true", "1", "null", "~", "1.5", "on", "<<", "a b", "'q'"]),
    st.text(alphabet="ab_.-/09:", min_size=1, max_size=5),
)
# Mostly values a manifest holds (names, versions, references, numbers, words), some with any indicator.
WORDS = st.one_of(
    *[st.text(alphabet="ab1-_./:@", max_size=8)] * 4,
    st.text(alphabet="ab1 -_./:@#'\"", max_size=8),
    st.sampled_from(
        ["true", "null", "~", "1.10", "0x1f", "1e3", "-", "--x", ".inf", "2024-01-01", "x:1", "a b"]
    ),
    st.text(alphabet="ab1 -_.:/#'\"~@&*!|>%?,[]{}=", max_size=8),
)
TREES = st.recursive(
    WORDS,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(KEYS, children, max_size=4)),
    max_leaves=14,
)


def scalar(value: str, data: st.DataObject) -> str:
    style = data.draw(st.sampled_from(["plain", "plain", "single", "double"]))
    if style == "single":
        return "'" + value.replace("'", "''") + "'"
    if style == "double":
        return '"' + value + '"'
    return value


def flow(value: Any, data: st.DataObject) -> str:
    space = data.draw(st.sampled_from(["", " "]))
    if isinstance(value, dict):
        pairs = [f"{key}: {flow(item, data)}" for key, item in value.items()]
        return "{" + space + ("," + space).join(pairs) + space + "}"
    if isinstance(value, list):
        return "[" + space + ("," + space).join(flow(item, data) for item in value) + space + "]"
    return scalar(value, data)


def block(value: Any, indent: int, data: st.DataObject) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            lines += _extra(data, indent)
            lines += _entry(f"{pad}{key}:", item, indent, data, mapping=True)
    elif isinstance(value, list):
        for item in value:
            lines += _extra(data, indent)
            lines += _entry(f"{pad}-", item, indent, data, mapping=False)
    else:
        lines.append(pad + scalar(value, data))
    return lines


def _entry(head: str, item: Any, indent: int, data: st.DataObject, *, mapping: bool) -> list[str]:
    comment = data.draw(st.sampled_from(["", "", " # note", "  #x", " "]))
    nested = isinstance(item, (dict, list)) and item and not data.draw(st.booleans())
    if not nested:
        return [f"{head} {flow(item, data)}{comment}"]
    step = data.draw(st.sampled_from([2, 4] + ([0] if mapping and isinstance(item, list) else [])))
    if not mapping and isinstance(item, dict) and data.draw(st.booleans()):
        inner = block(item, indent + 2, data)  # `- key: value`, the rest under it
        return [f"{head} {inner[0].lstrip(' ')}", *inner[1:]]
    return [head + comment, *block(item, indent + step, data)]


def _extra(data: st.DataObject, indent: int) -> list[str]:
    return data.draw(st.sampled_from([[], [], [""], [" " * indent + "# c"], ["#"], ["   "]]))


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tree=st.one_of(st.dictionaries(KEYS, TREES, min_size=1, max_size=5), st.lists(TREES, min_size=1)),
    data=st.data(),
)
def test_generated_documents_get_ruamels_nodes_or_fall_back(tree: Any, data: st.DataObject) -> None:
    start = data.draw(st.sampled_from(["", "---\n", "# head\n", "--- # c\n\n"]))
    end = data.draw(st.sampled_from(["\n", "", "\n\n# tail\n", "\n  \n"]))
    text = start + "\n".join(block(tree, data.draw(st.sampled_from([0, 0, 2])), data)) + end
    assert agrees(text)


LINES = [
    "a:",
    "a: b",
    "- x",
    "-",
    "  - y",
    "  b: c",
    "    c: 'd'",
    "# c",
    "",
    "  ",
    "key: [a, b]",
    "key: {x: y}",
    '- "q"',
    "- k: v",
    "  - k: v",
    "    k2: v2",
    "---",
    "b:   # c",
    "c: -1",
    "d: x # y",
    "e: :",
    "f: a: b",
    "  continued",
]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(LINES), max_size=10), st.sampled_from(["\n", ""]))
def test_line_soup_gets_ruamels_nodes_or_falls_back(lines: list[str], end: str) -> None:
    """Lines of the subset in any order: mostly not YAML, or YAML of odd shapes."""
    assert agrees("\n".join(lines) + end)


@pytest.mark.parametrize("text", ["a: 1\nb: 2\na: 3\n", "m: {a: 1, 'a': 2}\n", "- x: 1\n  x: 2\n"])
def test_a_key_twice_is_still_the_engines_error(text: str) -> None:
    with pytest.raises(yamldoc.YamlSyntaxError, match="duplicate key"):
        yamldoc.compose(text)
