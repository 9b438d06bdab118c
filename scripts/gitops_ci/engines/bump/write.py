"""All-or-nothing writes: every new file is written aside first, then renamed into place;
if any step fails, the files already replaced get their old bytes back."""

from __future__ import annotations

import errno
import os
import tempfile
import threading
from pathlib import Path
from typing import Callable, Sequence, cast

from gitops_ci.engines.bump.model import FileEdit
from gitops_ci.errors import UserError

Replace = Callable[[Path, Path], None]


def write_all(root: Path, edits: Sequence[FileEdit], replace: Replace = os.replace) -> None:
    """Write every edit or none. A filesystem fault (read-only, immutable file, disk full) is
    a UserError naming the file, raised once the files already swapped in have their old
    bytes back."""
    paths = [root / edit.file for edit in edits]
    for edit, path in zip(edits, paths):
        _check_unchanged(path, edit)
    try:
        temps = _stage(list(zip(edits, paths)))
        _swap_in(list(zip(edits, paths, temps)), replace)
    except _Failed as failed:
        raise UserError(
            f"cannot write {failed.file}: {failed.error.strerror or failed.error}",
            why="nothing was changed: the files already replaced have their old bytes back",
            fix="make the infra dir writable (not a read-only mount, no immutable files, "
            "free disk space) and run again",
        ) from None


def write_throwaway(root: Path, edits: Sequence[FileEdit]) -> None:
    """Write every edit in place, neither fsynced nor kept aside: for a checkout that is thrown
    away when anything fails (the write-back's clone, whose commit is what lasts). A fault is
    a UserError naming the file."""
    for edit in edits:
        path = root / edit.file
        _check_unchanged(path, edit)
        try:
            with open(path, "wb") as handle:
                handle.write(edit.after)
        except OSError as exc:
            raise UserError(
                f"cannot write {edit.file} in the clone of the infra repo: {exc.strerror or exc}",
                why="nothing was committed or pushed",
                fix="free disk space in the runner's temporary folder (TMPDIR) and run again",
            ) from None


class _Failed(Exception):
    def __init__(self, file: str, error: OSError) -> None:
        super().__init__(file)
        self.file, self.error = file, error


def _stage(items: Sequence[tuple[FileEdit, Path]]) -> list[Path]:
    """Every new file written aside (and fsynced) by a few threads at once: the filesystem
    commits the waiting creates and fsyncs together, a fraction of the time of one after the
    other for ~40 files. On any error no file is left aside. Plain threads: a pool from
    concurrent.futures loads logging, which an edit has no other use for."""
    written: list[Path | BaseException | None] = [None] * len(items)
    queue = iter(range(len(items)))  # shared by the threads: next() on it is atomic

    def work() -> None:
        for index in queue:
            edit, path = items[index]
            try:
                written[index] = write_aside(path, edit.after)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                written[index] = exc

    started: list[threading.Thread] = []
    try:
        try:
            for _ in range(max(1, min(len(items), 8))):
                thread = threading.Thread(target=work)
                thread.start()
                started.append(thread)
        finally:
            for thread in started:
                thread.join()
        for done, (edit, _) in zip(written, items):
            if isinstance(done, OSError):
                raise _Failed(edit.file, done)
            if isinstance(done, BaseException):
                raise done
    except BaseException:
        _discard(done for done in written if isinstance(done, Path))
        raise
    return cast(list[Path], written)


def _swap_in(staged: list[tuple[FileEdit, Path, Path]], replace: Replace) -> None:
    """Each staged file renamed into place. The old files are kept as hard links first, so
    putting them back needs neither a write nor free space."""
    backups: list[Path | None] = []
    done: list[tuple[FileEdit, Path, Path | None]] = []
    try:
        for edit, path, _ in staged:
            backups.append(_link_aside(edit, path))
        for (edit, path, tmp), backup in zip(staged, backups):
            try:
                replace(tmp, path)
            except OSError as exc:
                raise _Failed(edit.file, exc) from None
            done.append((edit, path, backup))
    except BaseException:
        for edit, path, backup in reversed(done):
            os.replace(backup or write_aside(path, edit.before), path)
        _discard(tmp for _, _, tmp in staged)
        raise
    finally:
        _discard(b for b in backups if b is not None and b.exists())


def _link_aside(edit: FileEdit, path: Path) -> Path | None:
    """A hard link to the old file next to it; None where the filesystem has no hard links."""
    backup = path.with_name(f".{path.name}.{os.getpid()}.gitops-ci-old")
    try:
        os.link(path, backup)
    except FileExistsError:
        backup.unlink()
        os.link(path, backup)
    except OSError as exc:
        if exc.errno in (errno.EPERM, errno.EROFS, errno.EACCES):
            raise _Failed(edit.file, exc) from None
        return None
    return backup


def _check_unchanged(path: Path, edit: FileEdit) -> None:
    if path.read_bytes() != edit.before:
        raise UserError(
            f"{edit.file} changed after the edit was planned; nothing was written",
            fix="run gitops-ci bump-manifest again",
        )


def write_aside(path: Path, data: bytes) -> Path:
    """``data`` in a new file next to ``path``, with ``path``'s permission bits."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".gitops-ci")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(name, path.stat().st_mode & 0o7777)
    except BaseException:
        os.unlink(name)
        raise
    return Path(name)


def _discard(paths: object) -> None:
    for tmp in paths:  # type: ignore[attr-defined]
        Path(tmp).unlink(missing_ok=True)
