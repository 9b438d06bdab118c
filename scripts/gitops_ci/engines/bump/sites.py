"""The places that pin an image, one class per shape. Each names the repository it pins and
turns a Target into edits of its own values only (raising `Unsafe` when it cannot)."""

from __future__ import annotations

from typing import Protocol

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode

from gitops_ci.engines.bump.model import Target, Version
from gitops_ci.engines.bump.reference import normalize_name, parse_reference
from gitops_ci.engines.bump.splice import Edits, Unsafe
from gitops_ci.engines.bump.yamldoc import entries, line_of, scalar_text
from gitops_ci.record import Record


class Workload(Record):
    kind: str
    name: str
    container: str


class Note(Record):
    """One value changed: its line, old and new text."""

    line: int
    old: str
    new: str


class Site(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def anchor(self) -> Node:
        """The node this site is about; one site per node."""

    @property
    def line(self) -> int: ...

    @property
    def workload(self) -> Workload | None: ...

    def repository(self) -> str | None:
        """The normalised repository pinned here, or None when the value is no image."""

    def retarget(self, edits: Edits, target: Target) -> list[Note]: ...

    def version(self) -> Version:
        """What the site pins now (promote reads an environment's pins through it)."""


def versions(target: Target) -> tuple[str | None, str | None]:
    """The (tag, digest) to write: digest-only pins drop the tag."""
    tag = None if target.digest_only else target.tag
    return tag, target.digest


def held(text: str | None, holds: tuple[str, ...] = ("tag", "digest")) -> Version:
    """The version one value holds: `TAG`, `TAG@DIGEST`, or (holding only the digest) `DIGEST`."""
    if not text or not holds:
        return Version(holds=holds)
    if holds == ("digest",):
        return Version(digest=text, holds=holds)
    tag, at, digest = text.partition("@")
    return Version(tag or None, (digest or None) if at else None, holds)


def _reference(text: str) -> Version:
    ref = parse_reference(text.strip())
    return Version(ref.tag, ref.digest) if ref else Version(holds=())


def _set(edits: Edits, node: ScalarNode, value: str) -> list[Note]:
    old = str(node.value)
    return [Note(line_of(node), old, value)] if edits.set_scalar(node, value) else []


class Unowned:
    """A site that no workload owns (a values map, a kustomization entry, an override, a marked
    value), found at its anchor's line."""

    anchor: Node
    workload: Workload | None = None

    @property
    def line(self) -> int:
        return line_of(self.anchor)


class RefSite(Record):
    """A scalar holding a whole reference; with `assign`, Argo CD's `old=new:tag` form."""

    kind: str
    anchor: ScalarNode
    workload: Workload | None = None
    assign: bool = False

    @property
    def line(self) -> int:
        return line_of(self.anchor)

    def _parts(self) -> tuple[str, str]:
        value = str(self.anchor.value)
        if self.assign and "=" in value:
            left, _, right = value.partition("=")
            return left + "=", right
        return "", value

    def repository(self) -> str | None:
        ref = parse_reference(self._parts()[1].strip())
        return ref.normalized if ref else None

    def retarget(self, edits: Edits, target: Target) -> list[Note]:
        prefix, right = self._parts()
        ref = parse_reference(right.strip())
        assert ref is not None
        return _set(edits, self.anchor, prefix + ref.with_version(*versions(target)))

    def version(self) -> Version:
        return _reference(self._parts()[1])


class HelmMapSite(Unowned, Record):
    """`image: {registry?, repository, tag?, digest?}` at any depth of a values file."""

    anchor: MappingNode
    kind: str = "helm-values"

    @property
    def line(self) -> int:
        return line_of(entries(self.anchor)["repository"])

    def repository(self) -> str | None:
        fields = entries(self.anchor)
        repo, registry = scalar_text(fields.get("repository")), scalar_text(fields.get("registry"))
        if not repo:
            return None
        ref = parse_reference(f"{registry}/{repo}" if registry else repo)
        return ref.normalized if ref and not ref.tag and not ref.digest else None

    def retarget(self, edits: Edits, target: Target) -> list[Note]:
        tag, digest = versions(target)
        fields = entries(self.anchor)
        if "digest" not in fields and digest:
            if not tag:
                raise Unsafe("the image map has no `digest:` key to pin a digest-only reference")
            tag = f"{tag}@{digest}"
        notes = self._field(edits, "tag", tag)
        if "digest" in fields:
            notes += self._field(edits, "digest", digest or "")
        return notes

    def version(self) -> Version:
        fields = entries(self.anchor)
        tag = scalar_text(fields.get("tag"))
        if "digest" not in fields:  # a digest, if any, is written into the tag (`TAG@DIGEST`)
            return held(tag) if "tag" in fields else Version(holds=())
        digest = scalar_text(fields.get("digest")) or None
        return Version(tag or None, digest, ("tag", "digest") if "tag" in fields else ("digest",))

    def _field(self, edits: Edits, key: str, value: str | None) -> list[Note]:
        node = entries(self.anchor).get(key)
        if value is None:
            return []
        if node is None:
            return [Note(edits.add_key(self.anchor, key, value), "", value)]
        if not isinstance(node, ScalarNode):
            raise Unsafe(f"`{key}:` is not a plain value")
        return _set(edits, node, value)


class KustomizeSite(Unowned, Record):
    """One `images:` entry of a kustomization: name, newName?, newTag?, digest?."""

    anchor: MappingNode
    kind: str = "kustomize-image"

    def repository(self) -> str | None:
        fields = entries(self.anchor)
        name = scalar_text(fields.get("newName")) or scalar_text(fields.get("name"))
        ref = parse_reference(name) if name else None
        return ref.normalized if ref else None

    def retarget(self, edits: Edits, target: Target) -> list[Note]:
        tag, digest = versions(target)
        # Drops first, so that an added key never lands on a line that goes away.
        if digest is None:
            return self._field(edits, "digest", None, drop=True) + self._field(
                edits, "newTag", tag, drop=False
            )
        return self._field(edits, "newTag", tag, drop=True) + self._field(edits, "digest", digest, drop=True)

    def version(self) -> Version:
        fields = entries(self.anchor)
        if "newTag" not in fields and "digest" not in fields:
            return Version(holds=())  # the tag comes from the resources: nothing pinned here
        return Version(scalar_text(fields.get("newTag")) or None, scalar_text(fields.get("digest")) or None)

    def _field(self, edits: Edits, key: str, value: str | None, *, drop: bool) -> list[Note]:
        node = entries(self.anchor).get(key)
        if value is not None and isinstance(node, ScalarNode):
            return _set(edits, node, value)
        if value is not None:
            return [Note(edits.add_key(self.anchor, key, value), "", value)]
        if node is not None and drop:
            edits.drop_key(self.anchor, key)
            return [Note(line_of(node), str(node.value), "")]
        return []


class FieldSite(Unowned, Record):
    """A value pinned by a marker comment or a user-given key path: a whole reference
    (`role="ref"`), a tag, a digest, or the name (`role="name"`, never changed)."""

    anchor: ScalarNode
    pinned: str  # the repository the marker or key path names, as written
    role: str
    kind: str = "marker"

    def repository(self) -> str | None:
        return normalize_name(self.pinned)

    def retarget(self, edits: Edits, target: Target) -> list[Note]:
        tag, digest = versions(target)
        if self.role == "ref":
            ref = parse_reference(str(self.anchor.value))
            name = ref.name if ref and ref.normalized == normalize_name(self.pinned) else target.repository
            return _set(
                edits, self.anchor, name + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")
            )
        if self.role == "digest":
            return _set(edits, self.anchor, digest) if digest else []
        if self.role == "tag" and tag:
            return _set(edits, self.anchor, tag)
        if self.role == "tag@digest":
            if not tag:
                raise Unsafe("the key path holds a tag; a digest-only pin needs a key path to a digest")
            return _set(edits, self.anchor, tag + (f"@{digest}" if digest else ""))
        return []

    def version(self) -> Version:
        text = str(self.anchor.value)
        if self.role == "ref":
            return _reference(text)
        return held(text, FIELD_HOLDS.get(self.role, ()))


# What a value of each field role holds (`name` holds no version).
FIELD_HOLDS = {"tag": ("tag",), "digest": ("digest",), "tag@digest": ("tag", "digest")}
