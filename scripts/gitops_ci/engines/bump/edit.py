"""One file: parse the documents that mention a target, find their sites, retarget the
matching ones, splice, verify."""

from __future__ import annotations

import fnmatch
from typing import Iterable, Mapping, Protocol, Sequence

from ruamel.yaml.nodes import Node

from gitops_ci.engines.bump.files import needles
from gitops_ci.engines.bump.markers import BadMarker, find_markers
from gitops_ci.engines.bump.model import Change, FileEdit, Pin, Scope, Skipped, Target
from gitops_ci.engines.bump.reference import normalize_name
from gitops_ci.engines.bump.shapes import Document, find_sites
from gitops_ci.engines.bump.sites import Site, Workload
from gitops_ci.engines.bump.splice import Edits, Unsafe, apply_splices
from gitops_ci.engines.bump.verify import check
from gitops_ci.engines.bump.yamldoc import Part, YamlSyntaxError, compose_parts
from gitops_ci.record import Record, field


class FileResult(Record, frozen=False):
    file: str = ""
    changes: list[Change] = field(default_factory=list)
    pins: list[Pin] = field(default_factory=list)  # the places that pin a target, before the edit
    skipped: list[Skipped] = field(default_factory=list)
    edit: FileEdit | None = None
    matched: int = 0
    found: set[str] = field(default_factory=set)
    invalid: Invalid | None = None  # not YAML, yet mentions a target: the engine decides
    kinds: set[str] = field(default_factory=set)  # the kinds of the sites that pin a target


class Invalid(Record):
    """A file that is not valid YAML and mentions an image to pin."""

    file: str
    line: int
    problem: str


class Extra(Protocol):
    """More sites for a file, found with knowledge beyond the file (e.g. `argocd.Overrides`);
    its documents are then parsed whole, and its sites come first."""

    def sites(self, rel: str, text: str, docs: list[Node], targets: Sequence[Target]) -> Iterable[Site]: ...


def edit_file(
    rel: str, data: bytes, targets: Sequence[Target], scope: Scope, extra: Extra | None = None
) -> FileResult:
    result = FileResult(rel)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        result.skipped.append(Skipped(rel, "not UTF-8 text"))
        return result
    wanted, by_repo = _wanted(targets)
    parts = _parse(rel, text, [""] if extra else wanted, targets, result)
    if parts is None:
        return result
    docs = [doc for part in parts for doc in part.docs]
    edits = Edits(text)
    for site in _sites(rel, text, docs, targets, result, extra):
        _retarget(rel, site, by_repo, scope, edits, result)
    result.changes.sort(key=lambda change: change.line)
    if edits.splices:
        after = apply_splices(text, edits.splices)
        check(rel, parts, after, edits.splices, edits.expects)
        if after != text:
            result.edit = FileEdit(rel, data, after.encode("utf-8"))
    return result


_Wanted = tuple[list[str], Mapping[str, Target]]
_LAST: list[tuple[Sequence[Target], _Wanted]] = []  # the last targets seen, and what they gave


def _wanted(targets: Sequence[Target]) -> _Wanted:
    """What every file of a run needs of its targets, made once a run, not once a file (the
    scan hands every file the same sequence): the needles a document must hold, and the targets
    by normalised repository. Neither is to be changed."""
    if _LAST and _LAST[0][0] is targets:
        return _LAST[0][1]
    found = [n.decode() for n in needles(targets)], {normalize_name(t.repository): t for t in targets}
    _LAST[:] = [(targets, found)]
    return found


def repositories(rel: str, data: bytes, extra: Extra | None = None) -> set[str]:
    """The repositories every site of the file pins, each of its documents parsed (no target
    needed: promote --all compares two environments by them)."""
    result = FileResult(rel)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return set()
    parts = _parse(rel, text, [""], (), result)
    docs = [doc for part in parts or () for doc in part.docs]
    sites = _sites(rel, text, docs, (), result, extra) if docs else []
    return {repo for site in sites if (repo := site.repository())}


def _parse(
    rel: str, text: str, wanted: Sequence[str], targets: Sequence[Target], result: FileResult
) -> list[Part] | None:
    """The runs of documents that can pin a target, parsed; None when the file is skipped."""
    try:
        return compose_parts(text, wanted)
    except YamlSyntaxError as exc:
        where = f"line {exc.line}: " if exc.line else ""
        if "{{" in text:
            result.skipped.append(Skipped(rel, "a template with {{ }}, not YAML"))
        elif any(_mentions(text, t) for t in targets):
            result.invalid = Invalid(rel, exc.line, exc.problem)
        else:
            result.skipped.append(Skipped(rel, f"not valid YAML ({where}{exc.problem})"))
        return None


def _mentions(text: str, target: Target) -> bool:
    return target.repository in text or normalize_name(target.repository) in text


def _sites(
    rel: str, text: str, docs: list[Node], targets: Sequence[Target], result: FileResult, extra: Extra | None
) -> list[Site]:
    name = rel.rsplit("/", 1)[-1]
    sites: dict[int, Site] = {}
    for site in extra.sites(rel, text, docs, targets) if extra else ():
        sites.setdefault(id(site.anchor), site)
    for root in docs:
        for site in find_sites(Document.of(name, root, targets)):
            sites.setdefault(id(site.anchor), site)
    try:
        for marker in find_markers(text, docs):
            sites.setdefault(id(marker.anchor), marker)
    except BadMarker as exc:
        result.skipped.append(Skipped(rel, f"line {exc.line}: {exc.reason}"))
    return list(sites.values())


def _retarget(
    rel: str, site: Site, by_repo: Mapping[str, Target], scope: Scope, edits: Edits, result: FileResult
) -> None:
    repo = site.repository()
    target = by_repo.get(repo) if repo else None
    if target is None:
        if repo:
            result.found.add(repo)
        return
    if not in_scope(site, scope):
        return
    result.matched += 1
    result.kinds.add(site.kind)
    result.pins.append(Pin(rel, site.line, site.kind, target.repository, site.version()))
    saved = edits.save()
    try:
        notes = site.retarget(edits, target)
    except Unsafe as exc:
        edits.restore(saved)
        result.skipped.append(
            Skipped(rel, f"line {site.line}: pins {target.repository} but {exc}; not edited")
        )
        return
    result.changes.extend(Change(rel, n.line, site.kind, n.old, n.new, target.repository) for n in notes)


def in_scope(site: Site, scope: Scope) -> bool:
    """Workload selectors keep only container images of the selected workloads."""
    if not (scope.kinds or scope.names or scope.containers):
        return True
    return site.workload is not None and selected(site.workload, scope)


def selected(workload: Workload, scope: Scope) -> bool:
    return (
        _any(workload.kind.lower(), [k.lower() for k in scope.kinds])
        and _any(workload.name, scope.names)
        and _any(workload.container, scope.containers)
    )


def _any(value: str, patterns: Sequence[str]) -> bool:
    return not patterns or any(fnmatch.fnmatchcase(value, p) for p in patterns)
