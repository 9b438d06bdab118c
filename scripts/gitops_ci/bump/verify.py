"""After editing, re-parse the new text and hold it to exactly the intended changes."""

from __future__ import annotations

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gitops_ci.bump.splice import Expect
from gitops_ci.bump.yamldoc import KeyPath, compose

Leaves = dict[KeyPath, str]


class VerificationError(AssertionError):
    """The edited text does not say what the edits meant it to: a bug, never written."""


def leaves(docs: list[Node]) -> tuple[Leaves, dict[int, list[KeyPath]]]:
    """Every scalar by its key path (document index first), and every node's paths."""
    found: Leaves = {}
    paths: dict[int, list[KeyPath]] = {}
    stack: list[tuple[KeyPath, Node, frozenset[int]]] = [((i,), d, frozenset()) for i, d in enumerate(docs)]
    while stack:
        path, node, seen = stack.pop()
        if id(node) in seen:
            found[path] = "<recursive alias>"
            continue
        paths.setdefault(id(node), []).append(path)
        inner = seen | {id(node)}
        if isinstance(node, ScalarNode):
            tag = str(node.tag or "")
            found[path] = f"{tag}={node.value}" if tag.startswith("!") else str(node.value)
        elif not node.value:
            found[path] = "{}" if isinstance(node, MappingNode) else "[]"
        elif isinstance(node, MappingNode):
            stack.extend(((*path, _key(k)), v, inner) for k, v in node.value)
        elif isinstance(node, SequenceNode):
            stack.extend(((*path, i), v, inner) for i, v in enumerate(node.value))
    return found, paths


def _key(node: Node) -> object:
    return node.value if isinstance(node, ScalarNode) else f"<{node.start_mark.index}>"


def expected(before: Leaves, paths: dict[int, list[KeyPath]], expects: list[Expect]) -> Leaves:
    result = dict(before)
    for expect in expects:
        for path in paths.get(id(expect.node), []):
            if expect.key is None:
                result[path] = expect.value or ""
            elif expect.value is None:
                result.pop(path + (expect.key,), None)
            else:
                result[path + (expect.key,)] = expect.value
    return result


def check(file: str, before_docs: list[Node], after_text: str, expects: list[Expect]) -> None:
    before, paths = leaves(before_docs)
    after, _ = leaves(compose(after_text))
    want = expected(before, paths, expects)
    if after != want:
        wrong = sorted(str(p) for p in set(after) ^ set(want) | {p for p in after if after[p] != want.get(p)})
        raise VerificationError(
            f"{file}: the edit changed more or less than intended at {', '.join(wrong[:5])}"
        )
