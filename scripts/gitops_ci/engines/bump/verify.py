"""After editing, re-parse the new text and hold it to exactly the intended changes.

Only the runs of documents that hold an edit are parsed again: the other runs are the same
bytes as before, and a run parses alone as it does in the file (see `yamldoc.document_runs`).
"""

from __future__ import annotations

from typing import Iterator

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gitops_ci.engines.bump.splice import Expect, Splice
from gitops_ci.engines.bump.yamldoc import KeyPath, Part, compose_at

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


def check(
    file: str, parts: list[Part], after_text: str, splices: list[Splice], expects: list[Expect]
) -> None:
    """Every edited run of ``parts``, parsed from ``after_text``, says what it said before
    except exactly the ``expects``."""
    covered: set[int] = set()
    for part, start, end in edited_runs(parts, splices):
        before, paths = leaves(part.docs)
        covered |= paths.keys()
        after, _ = leaves(compose_at(after_text, start, end))
        want = expected(before, paths, expects)
        if after != want:
            differ = {p for p in after if after[p] != want.get(p)}
            wrong = sorted(str(p) for p in set(after) ^ set(want) | differ)
            raise VerificationError(
                f"{file}: the edit changed more or less than intended at {', '.join(wrong[:5])}"
            )
    if any(id(expect.node) not in covered for expect in expects):
        raise VerificationError(f"{file}: an edit lies outside the documents that were parsed")


def edited_runs(parts: list[Part], splices: list[Splice]) -> Iterator[tuple[Part, int, int]]:
    """Each part that holds a splice, with where it starts and ends once the splices are made."""
    owned: list[list[Splice]] = [[] for _ in parts]
    for splice in splices:
        owned[_owner(parts, splice.start)].append(splice)
    shift = 0
    for part, own in zip(parts, owned):
        growth = sum(len(s.text) - (s.end - s.start) for s in own)
        if own:
            yield part, part.start + shift, part.end + shift + growth
        shift += growth


def _owner(parts: list[Part], at: int) -> int:
    """The part a splice starting at ``at`` edits (an insertion at a part's very end, the end
    of a file without a final newline, belongs to that part)."""
    for index, part in enumerate(parts):
        if part.start <= at < part.end or at == part.end:
            return index
    raise VerificationError(f"an edit at offset {at} lies outside the documents that were parsed")
