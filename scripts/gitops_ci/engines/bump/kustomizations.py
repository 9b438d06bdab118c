"""The kustomizations of an infra dir, read from their files (nothing is rendered here): which
folders include a changed file, directly or through the kustomizations they include, and where
their patches sit.

kustomize's default load restrictor keeps every file a kustomization reads inside its own
folder; other folders come in only as kustomizations of their own. So a root's folder and the
folders of the kustomizations it includes hold everything a render of it reads, and only the
kustomizations in a changed file's own folder or above it can read that file directly.

A kustomization is parsed only when its bytes spell the path to what it would include (the
pure-Python YAML parser costs ~1.5 ms a file, a monorepo has a thousand of them).
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from gitops_ci.engines.bump.files import SKIP_DIRS
from gitops_ci.engines.bump.shapes import KUSTOMIZATION_FILES

# Fields whose entries are paths (a file, or the folder of another kustomization).
PATH_LISTS = ("resources", "bases", "components", "crds", "generators", "transformers", "validators")
PATCH_LISTS = ("patches", "patchesJson6902", "replacements")
_PATH_WORD = re.compile(rb"[A-Za-z0-9_.~][A-Za-z0-9_.~/-]*")
REMOTE = ("http://", "https://", "git@", "ssh://", "github.com/", "gitlab.com/", "bitbucket.org/")


@dataclass(frozen=True)
class Patch:
    """A patch of a kustomization: in its own file, or inline (then ``file`` is the
    kustomization file and ``text`` the patch)."""

    file: str
    text: str | None = None  # None: the patch is the whole of ``file``


@dataclass(frozen=True)
class Kustomization:
    folder: str  # relative to the infra dir with `/`; "." for the infra dir itself
    file: str  # the kustomization file, relative to the infra dir
    component: bool
    children: tuple[str, ...]  # folders of the kustomizations it includes
    files: tuple[str, ...]  # the other files it reads
    patches: tuple[Patch, ...]
    images: tuple[Mapping[str, Any], ...]  # its `images:` entries


class Tree:
    """The kustomizations under an infra dir, parsed when asked for."""

    def __init__(self, root: Path, names: Mapping[str, str]) -> None:
        self.root = root
        self.names = dict(names)  # folder -> kustomization file name
        self._parsed: dict[str, Kustomization] = {}
        self._bytes: dict[str, bytes] = {}
        self._index: dict[str, set[str]] | None = None

    @classmethod
    def find(cls, root: Path) -> Tree:
        return cls(root, dict(_kustomization_files(root)))

    def get(self, folder: str) -> Kustomization:
        if folder not in self._parsed:
            self._parsed[folder] = _parse(folder, self.file(folder), self._data(folder), set(self.names))
        return self._parsed[folder]

    def file(self, folder: str) -> str:
        return posixpath.normpath(posixpath.join(folder, self.names[folder]))

    def closure(self, folder: str) -> list[str]:
        """``folder`` and the folders of every kustomization it includes, transitively, in
        depth-first order (outermost first)."""
        order: list[str] = []
        stack = [folder]
        while stack:
            current = stack.pop()
            if current in order or current not in self.names:
                continue
            order.append(current)
            stack.extend(reversed(self.get(current).children))
        return order

    def including(self, changed: Iterable[str]) -> list[str]:
        """The folders whose render reads a changed file, directly or through the
        kustomizations they include; components are left out (they build only as part of
        another kustomization), sorted."""
        hit = {folder for path in changed for folder in self._readers(path)}
        frontier = list(hit)
        while frontier:
            included = frontier.pop()
            for folder in self._naming(included):
                if folder not in hit and included in self.get(folder).children:
                    hit.add(folder)
                    frontier.append(folder)
        return sorted(folder for folder in hit if not self.get(folder).component)

    def _naming(self, folder: str) -> set[str]:
        """The kustomizations whose bytes hold a path that leads to ``folder`` from theirs (in
        any spelling: `../base`, `./../base/`): the only ones that can include it. One index of
        every path-like word of every kustomization, instead of a test of each against each."""
        if self._index is None:
            self._index = {}
            for name in self.names:
                for word in set(_PATH_WORD.findall(self._text(name))):
                    target = posixpath.normpath(posixpath.join(name, word.decode("utf-8", "replace")))
                    self._index.setdefault(target, set()).add(name)
        return self._index.get(folder, set())

    def patch_text(self, patch: Patch) -> str:
        if patch.text is not None:
            return patch.text
        try:
            return (self.root / patch.file).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def _readers(self, path: str) -> Iterator[str]:
        """The kustomizations that read ``path`` themselves: its own, or ones above it."""
        folder = posixpath.dirname(path) or "."
        while True:
            if folder in self.names:
                if path == self.file(folder):
                    yield folder
                elif self._spells(folder, path) and path in self.get(folder).files:
                    yield folder
            if folder == ".":
                return
            folder = posixpath.dirname(folder) or "."

    def _spells(self, folder: str, path: str) -> bool:
        """Whether the kustomization's bytes hold the relative path to ``path`` (a cheap
        test before parsing it)."""
        return posixpath.relpath(path, folder).encode() in self._text(folder)

    def _text(self, folder: str) -> bytes:
        if folder not in self._bytes:
            self._bytes[folder] = _read(self.root / self.file(folder))
        return self._bytes[folder]

    def _data(self, folder: str) -> dict[str, Any]:
        return _load(self._text(folder))


def _kustomization_files(root: Path) -> Iterator[tuple[str, str]]:
    """(folder, kustomization file name) for every folder that has one (kustomize's own
    preference when there are several); symlinked folders are not entered."""
    for current, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        found = sorted(KUSTOMIZATION_FILES.intersection(names), key=lambda n: (n == "Kustomization", n))
        if found:
            yield os.path.relpath(current, root).replace(os.sep, "/"), found[0]


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _load(data: bytes) -> dict[str, Any]:
    """The kustomization's fields; {} when it cannot be read (kustomize then fails on it too,
    and the render check says so)."""
    try:
        loaded = YAML(typ="safe", pure=True).load(data.decode("utf-8"))
    except (UnicodeDecodeError, YAMLError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _parse(folder: str, file: str, data: Mapping[str, Any], folders: set[str]) -> Kustomization:
    children: list[str] = []
    files: list[str] = []
    for entry in _path_entries(data):
        path = _resolve(folder, entry)
        if path is not None:
            (children if path in folders else files).append(path)
    patches = tuple(_patches(data, folder, file))
    files.extend(p.file for p in patches if p.text is None)
    images = tuple(i for i in _list(data.get("images")) if isinstance(i, dict))
    component = data.get("kind") == "Component"
    return Kustomization(folder, file, component, tuple(children), tuple(files), patches, images)


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _path_entries(data: Mapping[str, Any]) -> Iterator[str]:
    for key in PATH_LISTS:
        yield from (e for e in _list(data.get(key)) if isinstance(e, str) and "\n" not in e)
    for generator in ("configMapGenerator", "secretGenerator"):
        for item in (i for i in _list(data.get(generator)) if isinstance(i, dict)):
            for entry in [*_list(item.get("files")), *_list(item.get("envs")), item.get("env")]:
                if isinstance(entry, str):
                    yield entry.rpartition("=")[2]
    for chart in (c for c in _list(data.get("helmCharts")) if isinstance(c, dict)):
        for entry in [chart.get("valuesFile"), *_list(chart.get("additionalValuesFiles"))]:
            if isinstance(entry, str):
                yield entry


def _patches(data: Mapping[str, Any], folder: str, file: str) -> Iterator[Patch]:
    for entry in (e for e in _list(data.get("patchesStrategicMerge")) if isinstance(e, str)):
        # An entry is a path, or the patch itself as a YAML string.
        path = None if "\n" in entry.strip() else _resolve(folder, entry)
        yield Patch(path) if path is not None else Patch(file, entry)
    for key in PATCH_LISTS:
        for item in (i for i in _list(data.get(key)) if isinstance(i, dict)):
            path = _resolve(folder, item["path"]) if isinstance(item.get("path"), str) else None
            if path is not None:
                yield Patch(path)
            elif isinstance(item.get("patch"), str):
                yield Patch(file, item["patch"])


def _resolve(folder: str, entry: str) -> str | None:
    """``entry`` relative to the infra dir; None for a remote one or one outside the infra dir."""
    text = entry.strip()
    if not text or text.startswith(REMOTE) or "?ref=" in text or posixpath.isabs(text):
        return None
    path = posixpath.normpath(posixpath.join(folder, text))
    return None if path == ".." or path.startswith("../") else path
