"""Which files to read: every YAML file of the infra dir (or the path globs), limited to
an environment, never leaving the infra dir; and the cheap byte test that skips the rest."""

from __future__ import annotations

import errno
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable, Iterable, Sequence

from gitops_ci.engines.bump.markers import NEEDLE
from gitops_ci.engines.bump.model import Scope, Skipped, Target
from gitops_ci.engines.bump.reference import last_component
from gitops_ci.errors import UserError

YAML_SUFFIXES = (".yaml", ".yml")
CHUNK = 1 << 16
_READ = os.O_RDONLY | getattr(os, "O_BINARY", 0)
SKIP_DIRS = {".git"}


def is_yaml(name: str) -> bool:
    return name.endswith(YAML_SUFFIXES) or name == "Kustomization"


def check_infra_dir(infra_dir: Path) -> Path:
    if not infra_dir.is_dir():
        raise UserError(
            f"infra dir {infra_dir} does not exist or is not a directory",
            fix="pass --infra-dir with the path of the infra repo checkout",
        )
    return infra_dir.resolve()


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


def _name_pattern(name: bytes) -> re.Pattern[bytes]:
    # The literal comes first so that re searches for it as fast as `in` does.
    literal = re.escape(name)
    return re.compile(literal + rb"(?!" + _CONTINUES_NAME + rb")(?<!" + _JOINS_NAME + literal + rb")")


@dataclass(frozen=True)
class Prefilter:
    """The cheap byte test that skips the files which cannot pin a target: a file passes when it
    holds a target's name as a whole name (its last path component, bounded as above, so
    `svc1` does not pass every file of `svc10`...`svc199`) or one of the hooks' byte strings."""

    names: tuple[tuple[bytes, re.Pattern[bytes]], ...]  # each name, and the pattern that bounds it
    plain: tuple[bytes, ...]

    def __call__(self, data: bytes) -> bool:
        # It runs on every file in scope: `in` first, cheaper than a call of the pattern, and
        # most files of a monorepo hold neither a needle nor the name.
        for needle in self.plain:
            if needle in data:
                return True
        for name, bounded in self.names:
            if name in data and bounded.search(data):
                return True
        return False


def prefilter(targets: Sequence[Target]) -> Prefilter:
    names = {last_component(target.repository).encode() for target in targets}
    plain = {needle for hook in NEEDLE_HOOKS for needle in hook(targets)}
    return Prefilter(tuple((name, _name_pattern(name)) for name in sorted(names)), tuple(sorted(plain)))


def needles(targets: Sequence[Target]) -> tuple[bytes, ...]:
    """Byte strings one of which any document that pins a target must contain (a superset of
    the prefilter's test, for choosing the documents of a file to parse)."""
    found = {last_component(target.repository).encode() for target in targets}
    found |= set(prefilter(targets).plain)
    return tuple(sorted(found))


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
