"""Read every file in scope, skip those that cannot pin a target, edit the rest.

The byte test runs here, in one process: reading a big monorepo costs about what grep pays.
What passes is parsed by the pure-Python YAML parser, the expensive part, so when many files
pass they are split among a few forked worker processes on a machine with several cores
(results keep file order); a few files, and platforms without fork, are edited in this process.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Sequence

from gitops_ci.engines.bump.edit import FileResult, edit_file
from gitops_ci.engines.bump.files import TooLarge, prefilter, read_bytes
from gitops_ci.engines.bump.model import Scope, Target
from gitops_ci.errors import UserError
from gitops_ci.record import Record

# Files passing the byte test from which worker processes pay off (each is parsed, ~1-3 ms).
PARALLEL_MIN_FILES = 200
MAX_WORKERS = 4


class Job(Record):
    files: tuple[tuple[str, bytes], ...]  # (path relative to the root, its bytes)
    targets: tuple[Target, ...]
    scope: Scope


class Failure(Record):
    """A UserError raised in a worker, carried back as data (exceptions with keyword-only
    arguments do not survive pickling)."""

    what: str
    why: str
    fix: str


def scan(
    root: Path, files: Sequence[str], targets: Sequence[Target], scope: Scope, workers: int | None = None
) -> list[FileResult]:
    """The result of every file that mentions a target, in file order."""
    candidates = passing(root, files, targets, scope)
    workers = workers or _workers(len(candidates))
    jobs = [Job(tuple(candidates[i::workers]), tuple(targets), scope) for i in range(workers)]
    if workers == 1:
        parts = [run_job(jobs[0])]
    else:
        import multiprocessing  # only here: it costs a small run's start-up a few ms

        with multiprocessing.get_context("fork").Pool(workers) as pool:
            parts = pool.map(run_job, jobs)
    results: list[FileResult] = []
    for part in parts:
        if isinstance(part, Failure):
            raise UserError(part.what, why=part.why, fix=part.fix)
        results.extend(part)
    return sorted(results, key=lambda result: result.file)


def passing(
    root: Path, files: Sequence[str], targets: Sequence[Target], scope: Scope
) -> list[tuple[str, bytes]]:
    """The files whose bytes may pin a target (see `files.Prefilter`), with their bytes, in order.
    One plain loop: it runs for every file in scope."""
    wanted = prefilter(targets)
    base = os.path.join(root, "")
    limit = scope.max_file_bytes
    found = []
    try:
        for rel in files:
            data = read_bytes(base + rel, limit)
            if wanted(data):
                found.append((rel, data))
    except TooLarge as exc:
        raise _too_large(rel, exc.size, limit) from None
    return found


def _read(base: str, rel: str, limit: int) -> bytes:
    """One file's bytes, or the UserError of a file past the size limit."""
    try:
        return read_bytes(base + rel, limit)
    except TooLarge as exc:
        raise _too_large(rel, exc.size, limit) from None


def _too_large(rel: str, size: int, limit: int) -> UserError:
    return UserError(
        f"{rel}: {size:,} bytes, more than the {limit:,} a file may have",
        why="a manifest that large is most likely not one (or made to slow the pipeline down)",
        fix="leave it out with --path, or raise the limit with max-file-size (e.g. 50MiB)",
    )


def _workers(files: int) -> int:
    if files < PARALLEL_MIN_FILES:
        return 1
    import multiprocessing

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    forkable = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
    if cores < 2 or not forkable:
        return 1
    return min(cores, MAX_WORKERS)


def run_job(job: Job) -> list[FileResult] | Failure:
    results = []
    try:
        for rel, data in job.files:
            results.append(edit_file(rel, data, job.targets, job.scope))
    except UserError as exc:
        return Failure(exc.what, exc.why, exc.fix)
    return results
