"""The content key: one hash of everything a build's result depends on that gitops-ci can see.

It is recorded on the image as the label `dev.gitops-ci.content-key`; a later run whose key is
the same (an unchanged commit run again, or a commit tagged for release after its branch build)
adds its tags to that image in the registry instead of building it again.

What goes in:
- every file of the context as the builder sends it: `.containerignore` (else `.dockerignore`)
  is honoured with Docker's pattern rules, and `.git` is always left out (its internals differ
  between two clones of the same commit; the commit itself is in the `revision` label). For each
  entry its path, kind, permission bits and content (a symlink: its target); not its mtime;
- the Dockerfile's content, the target, the platforms;
- build args by name and value; a credential-named one only as the SHA-256 of its value, the
  build secrets by id only (their values never);
- the labels, except `created` (the commit's time, so already fixed by the commit) and
  `version` (the tag a build was first made for: the same image later tagged `1.2.3` keeps
  `version=main`; the digest is the same either way).

Not seen: a base image that moved under the same tag. `no-cache: true` (or `reuse: false`)
always builds, as a scheduled rebuild for base image updates should.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from gitops_ci.engines.build_push.credentials import is_credential
from gitops_ci.engines.build_push.labels import PREFIX
from gitops_ci.engines.build_push.spec import Secret
from gitops_ci.errors import UserError

LABEL = "dev.gitops-ci.content-key"
VERSION = "gitops-ci content-key 1"
UNKEYED_LABELS = frozenset({PREFIX + "created", PREFIX + "version", LABEL})
IGNORE_FILES = (".containerignore", ".dockerignore")
ALWAYS_LEFT_OUT = ".git"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Pattern:
    regex: re.Pattern[str]
    exclusion: bool  # a `!pattern`: brings matching files back


def content_key(
    context_dir: str,
    file: str,
    build_args: Iterable[tuple[str, str]],
    secrets: Iterable[Secret],
    target: str,
    platforms: Iterable[str],
    labels: Iterable[tuple[str, str]],
) -> str:
    digest = hashlib.sha256(VERSION.encode() + b"\n")
    digest.update(_record("context", _context_hash(Path(context_dir))))
    digest.update(_record("dockerfile", _file_hash(Path(file))))
    for name, value in sorted(build_args):
        shown = "sha256:" + hashlib.sha256(value.encode()).hexdigest() if is_credential(name) else value
        digest.update(_record("arg", name, shown))
    for secret in sorted(secrets, key=lambda item: item.id):
        digest.update(_record("secret", secret.id))
    digest.update(_record("target", target))
    digest.update(_record("platforms", *platforms))
    for name, value in sorted(labels):
        if name not in UNKEYED_LABELS:
            digest.update(_record("label", name, value))
    return "sha256:" + digest.hexdigest()


def _record(*fields: str) -> bytes:
    """Fields joined so that no two different field lists give the same bytes."""
    return b"".join(len(part.encode()).to_bytes(8, "big") + part.encode() for part in fields) + b"\n"


def _context_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for relative, info in context_entries(root):
        digest.update(_record(relative, *_entry(root / relative, info)))
    return digest.hexdigest()


def _entry(path: Path, info: os.stat_result) -> tuple[str, str, str]:
    """(kind, permission bits, content hash or link target); a socket or FIFO only by kind."""
    mode = oct(stat.S_IMODE(info.st_mode))
    if stat.S_ISLNK(info.st_mode):
        return "link", mode, os.readlink(path)
    if stat.S_ISDIR(info.st_mode):
        return "dir", mode, ""
    if stat.S_ISREG(info.st_mode):
        return "file", mode, _file_hash(path)
    return "special", mode, ""


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                digest.update(chunk)
    except OSError as exc:
        raise UserError(
            f"cannot read {path} to compute the build's content key",
            why=f"{type(exc).__name__}: {exc.strerror or exc}",
            fix="make the file readable, or leave it out of the context with .dockerignore",
        ) from None
    return digest.hexdigest()


def context_entries(root: Path) -> Iterator[tuple[str, os.stat_result]]:
    """Every entry the builder sends (relative POSIX path, lstat), in a stable order."""
    patterns = ignore_patterns(root)
    prune = not any(pattern.exclusion for pattern in patterns)  # nothing can bring a file back
    for current, dirs, files in os.walk(root):
        base = Path(current).relative_to(root).as_posix()
        base = "" if base == "." else base + "/"
        dirs[:] = sorted(
            d for d in dirs if d != ALWAYS_LEFT_OUT and not (prune and ignored(patterns, base + d))
        )
        for name in sorted([*dirs, *(f for f in files if f != ALWAYS_LEFT_OUT)]):
            relative = base + name
            if not ignored(patterns, relative):
                yield relative, os.lstat(os.path.join(current, name))


def ignore_patterns(root: Path) -> list[Pattern]:
    for name in IGNORE_FILES:
        path = root / name
        if path.is_file():
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
            return [compile_pattern(line) for line in lines if line.strip() and not line.startswith("#")]
    return []


def compile_pattern(line: str) -> Pattern:
    """One ignore-file line, with the rules of moby/patternmatcher: the pattern is cleaned and
    anchored at the context root; `*` and `?` stay within a path component, `**` spans any
    number of them; `!` in front brings matching files back."""
    text = line.strip()
    exclusion = text.startswith("!")
    text = os.path.normpath(text[1:].strip() if exclusion else text).lstrip("/")
    return Pattern(re.compile("^" + _translate(text) + "$"), exclusion)


def _translate(pattern: str) -> str:
    out, index = [], 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**", index):
            index += 2
            if pattern.startswith("/", index):
                index += 1
            out.append(".*" if index >= len(pattern) else "(.*/)?")
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "\\" and index + 1 < len(pattern):
            index += 1
            out.append(re.escape(pattern[index]))
        elif char == "[":
            end = pattern.find("]", index + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = pattern[index + 1 : end]
                out.append("[" + ("^" + body[1:] if body.startswith("^") else body) + "]")
                index = end
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)


def ignored(patterns: list[Pattern], relative: str) -> bool:
    """Whether the builder leaves `relative` out: the last pattern that matches it, or one of
    its parent directories, decides."""
    parents = relative.split("/")
    prefixes = ["/".join(parents[:i]) for i in range(1, len(parents))]
    matched = False
    for pattern in patterns:
        if pattern.exclusion != matched:
            continue
        if pattern.regex.match(relative) or any(pattern.regex.match(prefix) for prefix in prefixes):
            matched = not pattern.exclusion
    return matched
