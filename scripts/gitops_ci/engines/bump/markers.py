"""Marker comments: `# {"gitops-ci": "REPO"}` after a value pins it, for fields no shape
covers. `REPO:tag`, `REPO:digest` and `REPO:name` pin only that part, as Flux's
`$imagepolicy` markers do."""

from __future__ import annotations

import re
from typing import Iterator

from ruamel.yaml.nodes import Node, ScalarNode

from gitops_ci.engines.bump.reference import NAME_RE
from gitops_ci.engines.bump.sites import FieldSite
from gitops_ci.engines.bump.yamldoc import walk

MARKER_RE = re.compile(r'#\s*\{\s*"gitops-ci"\s*:\s*"(?P<value>[^"\n]*)"\s*\}')
ROLES = {"tag": "tag", "digest": "digest", "name": "name"}
NEEDLE = b'"gitops-ci"'


class BadMarker(Exception):
    """A marker that names no valid repository, or sits on a line with no value."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


def find_markers(text: str, docs: list[Node]) -> Iterator[FieldSite]:
    if '"gitops-ci"' not in text:
        return
    by_line = _scalars_by_line(docs)
    for match in MARKER_RE.finditer(text):
        line = text.count("\n", 0, match.start())
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1)
        repo, role = _split(match.group("value"), line + 1)
        before = [n for n in by_line.get(line, []) if n.end_mark.column <= column]
        if not before:
            raise BadMarker(line + 1, "the marker comment is not on a line with a value")
        yield FieldSite(max(before, key=lambda n: n.start_mark.column), repo, role)


def _split(value: str, line: int) -> tuple[str, str]:
    repo, sep, suffix = value.rpartition(":")
    if sep and suffix in ROLES:
        value, role = repo, ROLES[suffix]
    else:
        role = "ref"
    if NAME_RE.fullmatch(value) is None:
        raise BadMarker(line, f"the marker names {value!r}, which is not an image repository")
    return value, role


def _scalars_by_line(docs: list[Node]) -> dict[int, list[ScalarNode]]:
    found: dict[int, list[ScalarNode]] = {}
    for node in walk(docs, keys=False):
        if isinstance(node, ScalarNode) and node.start_mark.line == node.end_mark.line:
            found.setdefault(node.start_mark.line, []).append(node)
    return found
