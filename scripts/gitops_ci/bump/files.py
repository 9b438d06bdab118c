"""Which files to read: every YAML file of the infra dir (or the path globs), limited to
an environment, never leaving the infra dir; and the cheap byte test that skips the rest."""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path, PurePosixPath
from typing import Iterable, Iterator, Sequence

from gitops_ci.bump.markers import NEEDLE
from gitops_ci.bump.model import Scope, Skipped, Target
from gitops_ci.bump.reference import last_component
from gitops_ci.errors import UserError

YAML_SUFFIXES = (".yaml", ".yml")
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
    found: set[str] = set()
    candidates = _globbed(root, scope.paths) if scope.paths else _walk(root)
    for candidate in candidates:
        try:
            found.add(candidate if isinstance(candidate, str) else _inside(root, candidate))
        except BrokenLink as exc:
            if skipped is not None:
                skipped.append(Skipped(_relative(root, candidate), str(exc)))
    return sorted(rel for rel in found if in_environment(rel, scope.environment))


def _relative(root: Path, candidate: Path | str) -> str:
    return candidate if isinstance(candidate, str) else candidate.relative_to(root).as_posix()


def _walk(root: Path, folder: Path | None = None) -> Iterator[str | Path]:
    """YAML files under ``folder`` (default: root), relative to root; a symlinked file comes
    as its Path, for the caller to check and resolve; a symlinked folder is not entered.
    os.scandir keeps this cheap on big monorepos."""
    stack = [str(folder or root)]
    prefix = len(str(root)) + 1
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in SKIP_DIRS:
                        stack.append(entry.path)
                elif not is_yaml(entry.name):
                    continue
                elif entry.is_symlink():
                    yield Path(entry.path)
                else:
                    yield entry.path[prefix:].replace(os.sep, "/")


def _globbed(root: Path, patterns: Sequence[str]) -> list[Path]:
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
                found.extend(rel if isinstance(rel, Path) else root / rel for rel in _walk(root, path))
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


def needles(targets: Iterable[Target]) -> tuple[bytes, ...]:
    """Byte strings one of which any file that pins a target must contain."""
    found = {NEEDLE}
    for target in targets:
        found.add(last_component(target.repository).encode())
        for path in target.key_paths:
            key = path.rsplit(".", 1)[-1]
            found.add(b"" if set(key) & set("*?[") else key.encode())
    return tuple(sorted(found))


def mentions(data: bytes, wanted: tuple[bytes, ...]) -> bool:
    return any(needle in data for needle in wanted)


class TooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def read_bytes(path: str, limit: int | None = None) -> bytes:
    """A file's bytes (TooLarge past ``limit``, before reading). Plain os.open/os.read: a third
    of the time of Path.read_bytes(), which counts when every file of a big monorepo is read."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        if limit is not None and (size := os.fstat(fd).st_size) > limit:
            raise TooLarge(size)
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks)
