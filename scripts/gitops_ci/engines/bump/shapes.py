"""Finders: one per manifest shape, each listing the sites of one YAML document.

Adding a shape is one finder function and one line in FINDERS.
"""

from __future__ import annotations

import fnmatch
from typing import Callable, Iterator, Sequence

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gitops_ci.engines.bump.model import Target
from gitops_ci.engines.bump.reference import DIGEST_RE, parse_reference
from gitops_ci.engines.bump.sites import FieldSite, HelmMapSite, KustomizeSite, RefSite, Site, Workload
from gitops_ci.engines.bump.yamldoc import KeyPath, entries, mappings, scalar_text
from gitops_ci.record import Record

CONTAINER_LISTS = {
    "containers": "container",
    "initContainers": "init-container",
    "ephemeralContainers": "ephemeral-container",
}
KUSTOMIZATION_FILES = {"kustomization.yaml", "kustomization.yml", "Kustomization"}
COMPOSE_FILES = ("compose.y*ml", "compose.*.y*ml", "docker-compose*.y*ml")


class Document(Record):
    """One YAML document of a file, with what every finder needs to know about it."""

    file_name: str
    root: Node
    maps: tuple[tuple[KeyPath, MappingNode], ...]
    targets: Sequence[Target]

    @classmethod
    def of(cls, file_name: str, root: Node, targets: Sequence[Target]) -> Document:
        return cls(file_name, root, tuple(mappings(root)), targets)

    @property
    def kind(self) -> str:
        return scalar_text(entries(self.root).get("kind")) or ""

    @property
    def name(self) -> str:
        return scalar_text(entries(entries(self.root).get("metadata") or self.root).get("name")) or ""


Finder = Callable[[Document], Iterator[Site]]


def containers(doc: Document) -> Iterator[Site]:
    """`containers`, `initContainers`, `ephemeralContainers` wherever a pod spec sits: Pod,
    any `spec.template.spec` (Deployment, StatefulSet, Rollout, ...), CronJob's jobTemplate."""
    for _, mapping in doc.maps:
        fields = entries(mapping)
        for key, kind in CONTAINER_LISTS.items():
            items = fields.get(key)
            for item in items.value if isinstance(items, SequenceNode) else ():
                spec = entries(item)
                image = spec.get("image")
                if isinstance(image, ScalarNode):
                    workload = Workload(doc.kind, doc.name, scalar_text(spec.get("name")) or "")
                    yield RefSite(kind, image, workload)


def kustomize_images(doc: Document) -> Iterator[Site]:
    """`images:` of a kustomization (or `spec.images` of a Flux Kustomization)."""
    root = entries(doc.root)
    if doc.file_name in KUSTOMIZATION_FILES or doc.kind == "Kustomization":
        for images in (root.get("images"), entries(root.get("spec")).get("images")):
            for item in images.value if isinstance(images, SequenceNode) else ():
                if "name" in entries(item) and isinstance(item, MappingNode):
                    yield KustomizeSite(item)


def argocd_images(doc: Document) -> Iterator[Site]:
    """Argo CD `spec.source(s).kustomize.images` strings: `name:tag`, `old=new:tag`, `name@digest`."""
    for _, mapping in doc.maps:
        images = entries(entries(mapping).get("kustomize")).get("images")
        for item in images.value if isinstance(images, SequenceNode) else ():
            if isinstance(item, ScalarNode):
                yield RefSite("argocd-image", item, assign=True)


def compose_services(doc: Document) -> Iterator[Site]:
    """`services.<name>.image` of a Compose file: named `compose.y*ml` / `docker-compose*.y*ml`,
    or any file whose top-level `services:` entries have an `image:`."""
    services = [entries(item) for item in entries(entries(doc.root).get("services")).values()]
    named = any(fnmatch.fnmatchcase(doc.file_name, pattern) for pattern in COMPOSE_FILES)
    if named or any(isinstance(service.get("image"), ScalarNode) for service in services):
        for service in services:
            image = service.get("image")
            if isinstance(image, ScalarNode):
                yield RefSite("compose", image)


def helm_values(doc: Document) -> Iterator[Site]:
    """`image: repo:tag` and `image: {registry?, repository, tag?, digest?}` at any depth."""
    for _, mapping in doc.maps:
        image = entries(mapping).get("image")
        if isinstance(image, ScalarNode):
            yield RefSite("helm-values", image)
        elif isinstance(image, MappingNode) and "repository" in entries(image):
            yield HelmMapSite(image)


def key_paths(doc: Document) -> Iterator[Site]:
    """User-given dotted key paths (`*` matches one level) for shapes nothing else covers."""
    for target in doc.targets:
        for pattern in target.key_paths:
            parts = pattern.split(".")
            for path, mapping in doc.maps:
                if len(path) + 1 != len(parts) or not _matches(path, parts):
                    continue
                for key, value in mapping.value:
                    if isinstance(key, ScalarNode) and fnmatch.fnmatchcase(str(key.value), parts[-1]):
                        yield from _key_path_site(value, target)


def _matches(path: KeyPath, parts: list[str]) -> bool:
    return all(fnmatch.fnmatchcase(str(step), part) for step, part in zip(path, parts))


def _key_path_site(value: Node, target: Target) -> Iterator[Site]:
    if isinstance(value, MappingNode) and "repository" in entries(value):
        yield HelmMapSite(value, kind="key-path")
    elif isinstance(value, ScalarNode):
        text = str(value.value)
        if parse_reference(text) is not None and ("/" in text or ":" in text or "@" in text):
            yield RefSite("key-path", value)
        else:
            role = "digest" if DIGEST_RE.fullmatch(text) else "tag@digest"
            yield FieldSite(value, target.repository, role, kind="key-path")


FINDERS: dict[str, Finder] = {
    "containers": containers,
    "kustomize": kustomize_images,
    "argocd": argocd_images,
    "compose": compose_services,
    "helm": helm_values,
    "key-path": key_paths,
}


def find_sites(doc: Document) -> Iterator[Site]:
    for finder in FINDERS.values():
        yield from finder(doc)
