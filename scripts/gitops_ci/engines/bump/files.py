"""Which files to read: every YAML file of the infra dir (or the path globs), limited to
an environment, never leaving the infra dir; and the cheap byte test that skips the rest."""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterable, Sequence

from gitops_ci.engines.bump.markers import NEEDLE
from gitops_ci.engines.bump.model import Scope, Skipped, Target
from gitops_ci.engines.bump.reference import last_component
from gitops_ci.errors import UserError
from gitops_ci.record import Record

YAML_SUFFIXES = (".yaml", ".yml")
CHUNK = 1 << 16
_READ = os.O_RDONLY | getattr(os, "O_BINARY", 0)
SKIP_DIRS = {".git"}


def is_yaml(name: str) -> bool:
    return name.endswith(YAML_SUFFIXES) or name == "Kustomization"


class BrokenLink(Exception):
    """A symlink that leads nowhere: a loop, or a target that does not exist."""


def discover(root: Path, scope: Scope, skipped: list[Skipped] | None = None) -> list[str]:
    """Files in scope, relative to ``root`` with `/`, sorted; symlinks resolved inside root.
    Broken symlinks (loops, missing targets) are left out and listed in ``skipped``."""
    links: list[Path] = []
    found = [] if scope.paths else _walk(root, root, links)  # each path once: no set needed
    resolved = set()
    for path in _globbed(root, scope.paths) if scope.paths else links:
        try:
            resolved.add(_inside(root, path))
        except BrokenLink as exc:
            if skipped is not None:
                skipped.append(Skipped(path.relative_to(root).as_posix(), str(exc)))
    if resolved:
        found = list(resolved.union(found))
    if scope.environment:
        return sorted(rel for rel in found if in_environment(rel, scope.environment))
    found.sort()
    return found


def _walk(root: Path, folder: Path, links: list[Path]) -> list[str]:
    """The YAML files under ``folder``, relative to root with `/`; a symlinked file goes to
    ``links`` instead, as its Path, for the caller to check and resolve; a symlinked folder is
    not entered. os.scandir and one tight loop keep this cheap on big monorepos: it runs for
    every file, as grep does."""
    found: list[str] = []
    stack = [str(folder)]
    prefix = len(str(root)) + 1
    slash = os.sep != "/"
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in SKIP_DIRS:
                        stack.append(entry.path)
                elif not entry.name.endswith(YAML_SUFFIXES) and entry.name != "Kustomization":
                    continue
                elif entry.is_symlink():
                    links.append(Path(entry.path))
                else:
                    found.append(entry.path[prefix:].replace(os.sep, "/") if slash else entry.path[prefix:])
    return found


def _globbed(root: Path, patterns: Sequence[str]) -> list[Path]:
    """Every YAML file the globs name, symlinked or not, as a Path."""
    found: list[Path] = []
    for pattern in patterns:
        pure = PurePosixPath(pattern)
        if pure.is_absolute() or ".." in pure.parts or not pattern.strip():
            raise UserError(
                f"path glob {pattern!r} leads outside the infra dir",
                fix="give globs relative to the infra dir, e.g. apps/*/overlays/staging/**",
            )
        for path in root.glob(pattern):
            if path.is_dir() and not path.is_symlink():
                found.extend(root / rel for rel in _walk(root, path, found))  # links go in as they are
            elif is_yaml(path.name):
                found.append(path)
    return found


def _inside(root: Path, path: Path) -> str:
    try:
        real = path.resolve(strict=True)
    except (RuntimeError, OSError) as exc:  # RuntimeError: a loop, before Python 3.13
        target = os.readlink(path) if path.is_symlink() else "?"
        loop = isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP
        what = "a symlink loop" if loop else f"a symlink to {target}, which does not exist"
        raise BrokenLink(f"{what}; skipped") from None
    if not real.is_relative_to(root) or not real.is_file():
        raise UserError(
            f"{path.relative_to(root).as_posix()} is a symlink that leads outside the infra dir "
            f"or to nothing (to {real})",
            why="gitops-ci only edits files inside the infra dir",
            fix="remove the symlink, or narrow the search with --path so it is not included",
        )
    return real.relative_to(root).as_posix()


def in_environment(rel: str, environment: str | None) -> bool:
    """A file belongs to environment E when a folder is named E or its name has E as a word
    (`values-staging.yaml`, `myapp.staging.yaml`); shared bases belong to none."""
    if not environment:
        return True
    parts = rel.split("/")
    words = re.split(r"[-_.]", parts[-1])
    return environment in parts[:-1] or environment in words


# Shapes whose pins need not spell the repository's name (an override that sets only a tag,
# say) add a function here: from the targets it gives byte strings, any of which makes a file
# (and a document of it) worth parsing. Marker comments and user key paths are two such shapes.
NeedleHook = Callable[[Sequence[Target]], Iterable[bytes]]


def _marker_needles(targets: Sequence[Target]) -> Iterable[bytes]:
    return (NEEDLE,)


def _key_path_needles(targets: Sequence[Target]) -> Iterable[bytes]:
    for target in targets:
        for path in target.key_paths:
            key = path.rsplit(".", 1)[-1]
            yield b"" if set(key) & set("*?[") else key.encode()


NEEDLE_HOOKS: list[NeedleHook] = [_marker_needles, _key_path_needles]

# Where a file pins a repository, its last path component ends the name: what follows is `:tag`,
# `@digest`, the end of the value (a quote, space, newline, `,` `]` `}`, the `\` of an escape) or
# of the file. A byte that continues a name instead (`svc1` in `svc10`, `svc1-worker`,
# `svc1.v2`, `svc1_x`, `svc1/sub`) makes it another repository's name.
_CONTINUES_NAME = rb"[a-z0-9._/-]"
# Before the component stands `/` or the start of the value; `-` and `.` there only join it
# to a longer component (`orders-api` is not `api`), and neither ends a YAML escape.
_JOINS_NAME = rb"[-.]"


def names_pattern(names: Iterable[bytes]) -> re.Pattern[bytes]:
    """One pattern that finds any of ``names`` as a whole name (bounded as above): the names
    as a trie of alternatives, so each byte of a file is looked at once however many names
    there are (a plain alternation retries every name at every byte), and names sharing a
    start (`svc1`, `svc10`) share its bytes; re searches a common first literal as fast as `in`."""
    trie: dict[int, dict[int, Any]] = {}
    for name in names:
        node = trie
        for byte in name:
            node = node.setdefault(byte, {})
        node[_END] = {}
    return re.compile(_alternatives(trie, b""))


_END = -1  # the trie key that marks the end of a name


def _alternatives(node: dict[int, Any], prefix: bytes) -> bytes:
    """The pattern of a trie node: each next byte and what follows it, or the name ending
    here, bounded: no name byte after it, no `-` or `.` before its start (a lookbehind as
    long as the name, so it is tested where the name starts)."""
    branches = [
        re.escape(bytes([byte])) + _alternatives(child, prefix + bytes([byte]))
        for byte, child in sorted(node.items())
        if byte != _END
    ]
    if _END in node:
        branches.append(rb"(?!" + _CONTINUES_NAME + rb")(?<!" + _JOINS_NAME + re.escape(prefix) + rb")")
    return branches[0] if len(branches) == 1 else b"(?:" + b"|".join(branches) + b")"


class Prefilter(Record):
    """The cheap byte test that skips the files which cannot pin a target: a file passes when it
    holds one of the hooks' byte strings or a target's name as a whole name (its last path
    component, bounded as above, so `svc1` does not pass every file of `svc10`...`svc199`).
    One search of one pattern for all the names, however many targets a run pins."""

    plain: tuple[bytes, ...]
    names: re.Pattern[bytes] | None  # every name, bounded (`names_pattern`)

    def __call__(self, data: bytes) -> bool:
        # It runs on every file in scope: `in` first, cheaper than a search, for the needles
        # (usually the marker's alone); most files of a monorepo hold neither a needle nor a name.
        for needle in self.plain:
            if needle in data:
                return True
        return self.names is not None and self.names.search(data) is not None


def prefilter(targets: Sequence[Target]) -> Prefilter:
    names = {last_component(target.repository).encode() for target in targets}
    plain = tuple(sorted(_plain_needles(targets)))
    return Prefilter(plain, names_pattern(sorted(names)) if names else None)


def _plain_needles(targets: Sequence[Target]) -> set[bytes]:
    return {needle for hook in NEEDLE_HOOKS for needle in hook(targets)}


def needles(targets: Sequence[Target]) -> tuple[bytes, ...]:
    """Byte strings one of which any document that pins a target must contain (a superset of
    the prefilter's test, for choosing the documents of a file to parse)."""
    found = {last_component(target.repository).encode() for target in targets}
    return tuple(sorted(found | _plain_needles(targets)))


def mentions(data: bytes, wanted: tuple[bytes, ...]) -> bool:
    return any(needle in data for needle in wanted)


class TooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def read_bytes(path: str, limit: int | None = None) -> bytes:
    """A file's bytes (TooLarge past ``limit``, read no further than a first chunk). Plain
    os.open/os.read: a third of the time of Path.read_bytes(), which counts when every file of
    a big monorepo is read. Most files are read in one chunk, then the empty read that says
    the file ends (no list to join); only a file that fills a chunk, or is past a limit lower
    than one, has its size asked (fstat) before the rest is read."""
    fd = os.open(path, _READ)
    try:
        data = os.read(fd, CHUNK)
        if limit is not None and (len(data) == CHUNK or len(data) > limit):
            if (size := os.fstat(fd).st_size) > limit:
                raise TooLarge(size)
        more = os.read(fd, CHUNK) if data else b""
        if more:
            chunks = [data, more]
            while chunk := os.read(fd, CHUNK):
                chunks.append(chunk)
            data = b"".join(chunks)
    finally:
        os.close(fd)
    return data
