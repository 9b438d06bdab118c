"""Argo CD overrides: what an `Application` (or the `.argocd-source*.yaml` file of its path)
sets on top of a Helm chart's values is the pin that is deployed, so it is edited too.

An override names no repository by itself (`image.tag: 1.4.1`); it is linked to one through
the source's `path`: the chart's `values.yaml` and `helm.valueFiles` in the infra dir tell
which key paths pin which repository, and the overrides are layered on them as Argo CD does
(value files < `helm.values` < `helm.valuesObject` < `helm.parameters` < `.argocd-source`).
The files that may hold an override are edited again, after the scan, with these sites first.
"""

from __future__ import annotations

import bisect
import fnmatch
import os
import re
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence, cast

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gitops_ci.engines.bump.edit import FileResult, edit_file
from gitops_ci.engines.bump.files import TooLarge, discover, mentions, needles, read_bytes
from gitops_ci.engines.bump.model import Change, Scope, Skipped, Target, Version
from gitops_ci.engines.bump.reference import parse_reference
from gitops_ci.engines.bump.shapes import Document, _key_path_site
from gitops_ci.engines.bump.sites import FIELD_HOLDS, HelmMapSite, Note, RefSite, Site, Unowned, Workload
from gitops_ci.engines.bump.sites import _set, held, versions
from gitops_ci.engines.bump.splice import Edits, Expect, Splice, Unsafe, apply_splices
from gitops_ci.engines.bump.verify import check
from gitops_ci.engines.bump.yamldoc import Part, YamlSyntaxError, compose, entries, line_of, scalar_text
from gitops_ci.errors import UserError
from gitops_ci.record import Record, field

PARAMETER = "argocd-helm-parameter"
VALUES = "argocd-helm-values"
SOURCE_FILE = "argocd-source-file"
SOURCE_FILE_RE = re.compile(r"\.argocd-source(?:-[^/]+)?\.ya?ml")
HELM_KINDS = {"helm-values", "key-path", "marker"}
APPLICATION_NEEDLE = b"argoproj.io"
OVERRIDE_KINDS = {PARAMETER, VALUES, SOURCE_FILE}

Reveal = Callable[[Sequence[str]], None]  # makes folders of the infra dir present

Leaves = dict[str, Node]


def rescan(
    root: Path,
    files: Sequence[str],
    targets: Sequence[Target],
    scope: Scope,
    results: list[FileResult],
    reveal: Reveal | None = None,
) -> list[FileResult]:
    """``results`` with every file that may hold an override edited again, overrides included.

    ``reveal`` makes folders present in a sparse checkout (`--path`): the charts and value
    files the Applications in scope point to, and every folder when a chart in scope may be
    overridden by an Application outside it (which is reported, not edited)."""
    known = {result.file: result for result in results}
    overrides = Overrides(root)
    candidates = list(_candidates(root, files, targets, scope, known))
    linked = sorted({folder for rel, data in candidates for folder in linked_folders(rel, data)})
    if reveal is not None and linked:
        reveal(linked)
    for rel, data in candidates:
        known[rel] = edit_file(rel, data, targets, scope, overrides)
    in_scope = set(files)
    for rel, pins in sorted(overrides.file_pins.items()):
        if rel in in_scope:
            known[rel] = edit_file(rel, read_bytes(str(root / rel)), targets, scope, ValueFile(pins))
    charts = _charts(known) if scope.paths else set()
    if charts and reveal is not None:
        reveal(["."])
    for rel, skipped in _outside(root, in_scope, charts, targets, scope):
        known.setdefault(rel, FileResult(rel)).skipped.extend(skipped)
    return sorted(known.values(), key=lambda result: result.file)


def _charts(known: dict[str, FileResult]) -> set[str]:
    """The folders of the Helm values files that pin a target."""
    return {os.path.dirname(r.file) for r in known.values() if r.kinds & HELM_KINDS and r.matched}


def _candidates(
    root: Path, files: Sequence[str], targets: Sequence[Target], scope: Scope, known: dict[str, FileResult]
) -> Iterator[tuple[str, bytes]]:
    """`.argocd-source` files, and the Applications with a Helm source that may point at a chart
    pinning a target: those the scan read; when a chart that pins a target sits in a folder whose
    path does not name the image, those that name that folder; when the scope is narrowed (the
    charts may lie outside it), all of them. Only the last two read every file in scope again."""
    wanted = needles(targets)
    unnamed = tuple(folder.encode() for folder in _charts(known) if not mentions(folder.encode(), wanted))
    narrowed = bool(scope.paths or scope.environment)
    every = narrowed or bool(unnamed)  # every file in scope is read again
    for rel in files:
        # `in` before the pattern: this runs for every file in scope.
        source_file = ".argocd-source" in rel and SOURCE_FILE_RE.fullmatch(rel.rsplit("/", 1)[-1]) is not None
        if not (source_file or every or rel in known):
            continue
        data = read_bytes(str(root / rel))
        if source_file or (
            APPLICATION_NEEDLE in data
            and b"helm" in data
            and (rel in known or narrowed or any(folder in data for folder in unnamed))
        ):
            yield rel, data


def _outside(
    root: Path, in_scope: set[str], charts: set[str], targets: Sequence[Target], scope: Scope
) -> Iterator[tuple[str, list[Skipped]]]:
    """The overrides outside the path globs of a chart inside them: Argo CD deploys those values,
    not the chart's, so each is reported (a warning); they are not edited, the globs say where
    to edit. Every Application or `.argocd-source` file that names a chart's folder is read."""
    if not charts:
        return
    names = tuple(folder.encode() for folder in charts)
    for rel in discover(root, scope.replace(paths=())):
        name, folder = rel.rsplit("/", 1)[-1], os.path.dirname(rel)
        if rel in in_scope:
            continue
        source_file = SOURCE_FILE_RE.fullmatch(name) is not None and folder in charts
        try:
            data = read_bytes(str(root / rel), scope.max_file_bytes)
        except TooLarge:
            continue  # out of scope: not worth an error
        if source_file or (APPLICATION_NEEDLE in data and b"helm" in data and any(n in data for n in names)):
            result = edit_file(rel, data, targets, scope, Overrides(root))
            skipped = [_not_edited(change) for change in result.changes if change.kind in OVERRIDE_KINDS]
            if skipped:
                yield rel, skipped


def _not_edited(change: Change) -> Skipped:
    return Skipped(
        change.file,
        f"line {change.line}: overrides the chart's {change.repository} with {change.old}, outside --path: "
        "Argo CD deploys this value, not the chart's; add this file to --path to pin it; not edited",
    )


def linked_folders(rel: str, data: bytes) -> set[str]:
    """The folders an Application's Helm sources read (each source's path and the folders of
    its value files), or a `.argocd-source` file's own folder: what a sparse checkout needs."""
    folder = os.path.dirname(rel)
    if SOURCE_FILE_RE.fullmatch(rel.rsplit("/", 1)[-1]):
        return {folder or "."}
    try:
        docs = compose(data.decode("utf-8"))
    except (UnicodeDecodeError, YamlSyntaxError):
        return set()
    found: set[str] = set()
    for doc in docs:
        sources, _ = _sources(entries(entries(doc).get("spec")))
        for source in sources:
            helm = entries(source).get("helm")
            if not isinstance(helm, MappingNode):
                continue
            path = scalar_text(entries(source).get("path"))
            names = [scalar_text(f) or "" for f in _items(entries(helm).get("valueFiles"))]
            found |= {path or "."} if path is not None else set()
            for name in names:
                inside = (
                    name[1:].partition("/")[2] if name.startswith("$") else os.path.join(path or "", name)
                )
                found.add(os.path.dirname(os.path.normpath(inside.lstrip("/"))) or ".")
    return {os.path.normpath(f.strip("/")) or "." for f in found if not os.path.normpath(f).startswith("..")}


def _sources(spec: dict[str, Node]) -> tuple[list[Node | None], set[str]]:
    """An Application's sources (`source` and `sources`), and the names of their `ref`s."""
    sources = [spec.get("source")]
    many = spec.get("sources")
    sources += many.value if isinstance(many, SequenceNode) else []
    return sources, {ref for s in sources if (ref := scalar_text(entries(s).get("ref")))}


# -- the layers of values a Helm source sees ----------------------------------------------------


def flatten(node: Node | None, prefix: str = "") -> Leaves:
    """Every value under a mapping by its Helm key path (`a.b`, `a[0].b`, dots in keys as `\\.`)."""
    found: Leaves = {}
    stack: list[tuple[str, Node]] = [(prefix, node)] if node is not None else []
    while stack:
        path, item = stack.pop()
        if path:
            found[path] = item
        if isinstance(item, MappingNode):
            for key, value in item.value:
                if isinstance(key, ScalarNode):
                    name = str(key.value).replace(".", "\\.")
                    stack.append((f"{path}.{name}" if path else name, value))
        elif isinstance(item, SequenceNode):
            stack.extend((f"{path}[{i}]", value) for i, value in enumerate(item.value))
    return found


class Layer(Record, frozen=False):
    """One source of values: `leaves` by key path; `kind` None for the chart's files (read only)."""

    leaves: Leaves
    kind: str | None = None
    block: Block | None = None  # for `helm.values`: the string the leaves live in
    file: str = ""  # for a value file of the infra dir: its path


# A value file's key path that pins a repository named elsewhere: (repository, role).
FilePins = dict[str, dict[str, tuple[str, str]]]


class Overrides(Record, frozen=False):
    """The `edit.Extra` for Argo CD files: reads chart values from the infra dir (cached)."""

    root: Path
    cache: dict[Path, Leaves] = field(default_factory=dict)
    file_pins: FilePins = field(default_factory=dict)  # found while reading Applications

    def sites(self, rel: str, text: str, docs: list[Node], targets: Sequence[Target]) -> Iterator[Site]:
        name = rel.rsplit("/", 1)[-1]
        folder = os.path.dirname(rel)
        for root in docs:
            doc = Document.of(name, root, targets)
            if SOURCE_FILE_RE.fullmatch(name):
                yield from self._source_file(text, doc, folder)
            elif doc.kind == "Application" and "argoproj.io" in (
                scalar_text(entries(root).get("apiVersion")) or ""
            ):
                yield from self._application(text, doc)

    def _source_file(self, text: str, doc: Document, folder: str) -> Iterator[Site]:
        fields = entries(doc.root)
        images = entries(fields.get("kustomize")).get("images")
        for item in images.value if isinstance(images, SequenceNode) else ():
            if isinstance(item, ScalarNode):
                yield RefSite(SOURCE_FILE, item, assign=True)
        helm = fields.get("helm")
        if isinstance(helm, MappingNode):
            layers = self._chart(folder, ())
            yield from _helm_sites(text, doc, helm, layers, SOURCE_FILE, self.file_pins)

    def _application(self, text: str, doc: Document) -> Iterator[Site]:
        sources, refs = _sources(entries(entries(doc.root).get("spec")))
        for source in sources:
            helm = entries(source).get("helm")
            if isinstance(helm, MappingNode):
                path = scalar_text(entries(source).get("path"))
                files = [scalar_text(f) or "" for f in _items(entries(helm).get("valueFiles"))]
                layers = self._chart(path, files, refs) if path is not None else self._refs(files, refs)
                yield from _helm_sites(text, doc, helm, layers, None, self.file_pins)

    def _chart(
        self, path: str | None, files: Sequence[str], refs: frozenset[str] | set[str] = frozenset()
    ) -> list[Layer]:
        """The chart's `values.yaml` then each value file, as read-only layers."""
        folder = self._inside(path or "")
        if folder is None:
            return self._refs(files, refs)
        paths = [self._inside(os.path.join(path or "", "values.yaml"))]
        for name in files:
            paths.append(self._ref_path(name, refs) or self._inside(os.path.join(path or "", name)))
        return [self._layer(p) for p in paths if p is not None]

    def _refs(self, files: Sequence[str], refs: frozenset[str] | set[str]) -> list[Layer]:
        paths = [self._ref_path(name, refs) for name in files]
        return [self._layer(p) for p in paths if p is not None]

    def _layer(self, path: Path) -> Layer:
        return Layer(self._read(path), file=path.relative_to(self.root).as_posix())

    def _ref_path(self, name: str, refs: frozenset[str] | set[str]) -> Path | None:
        """`$ref/path` of a multi-source Application: a file from the root of the ref source's
        repository, read when it exists in the infra dir."""
        if not name.startswith("$"):
            return None
        ref, _, rest = name[1:].partition("/")
        if ref not in refs:
            return None
        return self._inside(rest)

    def _inside(self, rel: str) -> Path | None:
        path = (self.root / rel.lstrip("/")).resolve()
        return path if path.is_relative_to(self.root) and path.exists() else None

    def _read(self, path: Path | None) -> Leaves:
        if path is None or not path.is_file():
            return {}
        if path not in self.cache:
            try:
                docs = compose(path.read_bytes().decode("utf-8"))
            except (UnicodeDecodeError, YamlSyntaxError):
                docs = []
            self.cache[path] = flatten(docs[0]) if docs else {}
        return self.cache[path]


def _items(node: Node | None) -> list[Node]:
    return list(node.value) if isinstance(node, SequenceNode) else []


def _helm_sites(
    text: str, doc: Document, helm: MappingNode, layers: list[Layer], kind: str | None, pins: FilePins
) -> Iterator[Site]:
    fields = entries(helm)
    values = fields.get("values")
    if isinstance(values, ScalarNode):
        block = Block.of(text, values)
        if block is not None:
            layers.append(Layer(flatten(block.docs[0]) if block.docs else {}, kind or VALUES, block))
    layers.append(Layer(flatten(fields.get("valuesObject")), kind or VALUES))
    layers.append(Layer(_parameters(fields.get("parameters")), kind or PARAMETER))
    view = View.of(layers)
    for layer in layers:
        for path, pin in _file_pins(layer, view):
            pins.setdefault(layer.file, {}).setdefault(path, pin)
    yield from _sites_of(doc, layers, view)


def _parameters(node: Node | None) -> Leaves:
    found: Leaves = {}
    for item in _items(node):
        name, value = scalar_text(entries(item).get("name")), entries(item).get("value")
        if name and isinstance(value, ScalarNode):
            found[name] = value
    return found


class View(Record, frozen=False):
    """The values a source ends up with (`merged`), those of the chart's files alone, and the
    key paths some override sets."""

    merged: dict[str, str] = field(default_factory=dict)
    chart: dict[str, str] = field(default_factory=dict)
    overridden: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, layers: list[Layer]) -> View:
        view = cls()
        for layer in layers:
            texts = {p: v for p, n in layer.leaves.items() if (v := scalar_text(n)) is not None}
            view.merged.update(texts)
            if layer.kind is None:
                view.chart.update(texts)
            else:
                view.overridden |= texts.keys()
        return view


def _sites_of(doc: Document, layers: list[Layer], view: View) -> Iterator[Site]:
    for layer in layers:
        if layer.kind is None:
            continue
        sites = list(_layer_sites(doc, layer, view))
        yield from (BlockSite(s, layer.block) for s in sites) if layer.block else sites


def _layer_sites(doc: Document, layer: Layer, view: View) -> Iterator[Site]:
    assert layer.kind is not None
    merged = view.merged
    fields: set[str] = set()
    for base in _groups(merged):
        repo = _repository(merged, base)
        fields |= {f"{base}.{k}" for k in ("repository", "name", "registry", "tag", "digest")}
        node = layer.leaves.get(base)
        if repo is None:
            continue
        if isinstance(node, MappingNode) and "repository" in entries(node):
            yield HelmMapSite(node, kind=layer.kind)
            continue
        named = [layer.leaves.get(f"{base}.{key}") for key in ("repository", "name")]
        node = next((n for n in named if isinstance(n, ScalarNode)), None)
        if node and f"{base}.tag" not in view.overridden and _repository(view.chart, base) != repo:
            yield Field(node, repo, "untagged", layer.kind)
        role = "tag" if f"{base}.digest" in merged else "tag@digest"
        for key, key_role in (("tag", role), ("digest", "digest")):
            value = layer.leaves.get(f"{base}.{key}")
            if isinstance(value, ScalarNode):
                yield Field(value, repo, key_role, layer.kind)
    for path, node in layer.leaves.items():
        if path in fields or not isinstance(node, ScalarNode):
            continue
        for target in doc.targets:
            if any(_matches(path, pattern) for pattern in target.key_paths):
                yield from (_with_kind(site, layer.kind) for site in _key_path_site(node, target))
        ref = parse_reference(scalar_text(node) or "")
        if ref is not None and (ref.tag or ref.digest) and ("/" in ref.name or ref.tag):
            yield RefSite(layer.kind, node)


def _groups(merged: dict[str, str]) -> list[str]:
    """The key paths of image maps: `X` for each `X.repository` (or `X.name`)."""
    return sorted({path.rsplit(".", 1)[0] for path in merged if _names_repository(path, merged[path])})


def _file_pins(layer: Layer, view: View) -> Iterator[tuple[str, tuple[str, str]]]:
    """The tag and digest a value file sets for an image map whose repository it leaves to
    another layer (the chart's `values.yaml`, an override): those values pin that image too."""
    if layer.kind is not None or not layer.file:
        return
    for base in _groups(view.merged):
        repo = _repository(view.merged, base)
        if repo is None or repo != _repository(view.chart, base):
            continue  # no image, or one an override names: its tag is the override's business
        if f"{base}.repository" in layer.leaves or f"{base}.name" in layer.leaves:
            continue  # the file names the image itself: an ordinary Helm values site
        role = "tag" if f"{base}.digest" in view.merged else "tag@digest"
        for key, key_role in (("tag", role), ("digest", "digest")):
            if isinstance(layer.leaves.get(f"{base}.{key}"), ScalarNode):
                yield f"{base}.{key}", (repo, key_role)


class ValueFile(Record):
    """The `edit.Extra` for a value file that Applications layer on a chart (see `_file_pins`)."""

    pins: dict[str, tuple[str, str]]

    def sites(self, rel: str, text: str, docs: list[Node], targets: Sequence[Target]) -> Iterator[Site]:
        leaves = flatten(docs[0]) if docs else {}
        for path, (repo, role) in self.pins.items():
            node = leaves.get(path)
            if isinstance(node, ScalarNode):
                yield Field(node, repo, role, "helm-values")


def _names_repository(path: str, value: str) -> bool:
    """`X.repository`, or `X.name` holding a repository path (argocd-image-updater's default)."""
    return "." in path and (
        path.endswith(".repository")
        or (path.endswith(".name") and "/" in value and _repository_of(value, None) is not None)
    )


def _with_kind(site: Site, kind: str) -> Site:
    """The same site reported as ``kind`` (every site class is a frozen record with `kind`)."""
    changed: Site = cast(Any, site).replace(kind=kind)
    return changed


def _repository(merged: dict[str, str], base: str) -> str | None:
    repo = merged.get(f"{base}.repository", merged.get(f"{base}.name"))
    return _repository_of(repo, merged.get(f"{base}.registry"))


def _repository_of(repo: str | None, registry: str | None) -> str | None:
    ref = parse_reference(f"{registry}/{repo}" if registry and repo else repo or "")
    return ref.normalized if ref and not ref.tag and not ref.digest else None


def _matches(path: str, pattern: str) -> bool:
    parts, steps = pattern.split("."), re.split(r"(?<!\\)\.", path)
    return len(parts) == len(steps) and all(fnmatch.fnmatchcase(s, p) for s, p in zip(steps, parts))


# -- the sites --------------------------------------------------------------------------------------


class Field(Unowned, Record):
    """A tag or digest an override sets for a repository named elsewhere (chart or override)."""

    anchor: ScalarNode
    pinned: str  # normalised repository
    role: str  # tag | tag@digest | digest | untagged (the repository, with no tag override)
    kind: str

    def repository(self) -> str | None:
        return self.pinned

    def retarget(self, edits: Edits, target: Target) -> list[Note]:
        tag, digest = versions(target)
        if self.role == "untagged":
            raise Unsafe(
                "sets no tag beside the repository, so the tag comes from the chart's values, "
                "which pin another image; add a tag override next to it"
            )
        if self.role == "digest":
            return _set(edits, self.anchor, digest or "")
        if self.role == "tag@digest" and digest:
            if not tag:
                raise Unsafe("the chart has no digest key to pin a digest-only reference")
            return _set(edits, self.anchor, f"{tag}@{digest}")
        return _set(edits, self.anchor, tag) if tag else []

    def version(self) -> Version:
        return held(str(self.anchor.value), FIELD_HOLDS.get(self.role, ()))


class Block(Record, frozen=False):
    """The YAML document inside a `helm.values: |` string, with where each of its lines sits
    in the file; `reason` says why it cannot be edited in place, if so."""

    outer: ScalarNode
    inner: str
    docs: list[Node]
    starts: list[int]  # the inner text's line starts
    outer_starts: list[int]  # the same lines' first content character in the file
    first_line: int  # the 1-based file line of the inner text's first line
    edits: Edits
    eol: str
    indent: int
    reason: str = ""

    @classmethod
    def of(cls, text: str, node: ScalarNode) -> Block | None:
        inner = str(node.value)
        try:
            docs = compose(inner)
        except YamlSyntaxError:
            return None
        lines = inner.split("\n")
        starts = [0]
        for line in lines[:-1]:
            starts.append(starts[-1] + len(line) + 1)
        eol = "\r\n" if "\r\n" in text else "\n"
        block = cls(node, inner, docs, starts, [], line_of(node) + 1, Edits(inner), eol, 0)
        block.reason = block._map(text, lines)
        return block

    def _map(self, text: str, lines: list[str]) -> str:
        """Fill `outer_starts`; the reason the string cannot be edited in place, or ""."""
        if self.outer.style != "|":
            styles = {">": "a folded (>) string", "'": "a quoted string", '"': "a quoted string"}
            return styles.get(str(self.outer.style), "a plain string")
        at = text.find("\n", self.outer.start_mark.index) + 1
        for line in lines:
            end = text.find("\n", at) if at else -1
            outer = text[at : end if end >= 0 else len(text)].rstrip("\r") if at else ""
            if line:
                indent = len(outer) - len(line)
                if indent < 0 or outer[indent:] != line or outer[:indent].strip(" "):
                    return "a string whose lines cannot be found in the file"
                if self.indent and indent != self.indent:
                    return "a string whose lines cannot be found in the file"
                self.indent = indent
            self.outer_starts.append(at + self.indent if at else len(text))
            at = end + 1 if end >= 0 else 0
        return ""

    def offset(self, index: int) -> int:
        line = bisect.bisect_right(self.starts, index) - 1
        return self.outer_starts[line] + index - self.starts[line]


class BlockSite(Record):
    """A site of the document inside `helm.values`, edited there and spliced into the file."""

    inner: Site
    block: Block

    @property
    def kind(self) -> str:
        return self.inner.kind

    @property
    def anchor(self) -> Node:
        return self.inner.anchor

    @property
    def line(self) -> int:
        return self.block.first_line + self.inner.line - 1

    @property
    def workload(self) -> Workload | None:
        return None

    def repository(self) -> str | None:
        return self.inner.repository()

    def version(self) -> Version:
        return self.inner.version()

    def retarget(self, edits: Edits, target: Target) -> list[Note]:
        block = self.block
        if block.reason:
            raise UserError(
                f"line {line_of(block.outer)}: helm.values pins {target.repository} but is {block.reason}",
                why="gitops-ci edits only the bytes of a value and never re-serialises a string",
                fix="write helm.values as a literal block (`values: |`) or move it to helm.valuesObject",
            )
        saved = block.edits.save()
        try:
            notes = self.inner.retarget(block.edits, target)
            after = apply_splices(block.inner, block.edits.splices)
            check(
                "helm.values",
                [Part(0, len(block.inner), block.docs)],
                after,
                block.edits.splices,
                block.edits.expects,
            )
        except Unsafe:
            block.edits.restore(saved)
            raise
        pad = block.eol + " " * block.indent
        for splice in block.edits.splices[saved[0] :]:
            edits.splices.append(
                Splice(block.offset(splice.start), block.offset(splice.end), splice.text.replace("\n", pad))
            )
        edits.expects.append(Expect(block.outer, after))
        return [Note(block.first_line + note.line - 1, note.old, note.new) for note in notes]
