"""Read every file in scope, skip those that cannot pin a target, edit the rest.

On a big monorepo the pure-Python YAML parser dominates, so the files are split among a
few forked worker processes when the machine has several cores (results keep file order);
small repos, and platforms without fork, run in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from gitops_ci.bump.edit import FileResult, edit_file
from gitops_ci.bump.files import TooLarge, mentions, needles, read_bytes
from gitops_ci.bump.model import Scope, Target
from gitops_ci.errors import UserError

PARALLEL_MIN_FILES = 2000
MAX_WORKERS = 4


@dataclass(frozen=True)
class Job:
    root: Path
    files: tuple[str, ...]
    targets: tuple[Target, ...]
    scope: Scope


@dataclass(frozen=True)
class Failure:
    """A UserError raised in a worker, carried back as data (exceptions with keyword-only
    arguments do not survive pickling)."""

    what: str
    why: str
    fix: str


def scan(
    root: Path, files: Sequence[str], targets: Sequence[Target], scope: Scope, workers: int | None = None
) -> list[FileResult]:
    """The result of every file that mentions a target, in file order."""
    workers = workers or _workers(len(files))
    jobs = [Job(root, tuple(files[i::workers]), tuple(targets), scope) for i in range(workers)]
    if workers == 1:
        parts = [run_job(jobs[0])]
    else:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            parts = pool.map(run_job, jobs)
    results: list[FileResult] = []
    for part in parts:
        if isinstance(part, Failure):
            raise UserError(part.what, why=part.why, fix=part.fix)
        results.extend(part)
    return sorted(results, key=lambda result: result.file)


def _workers(files: int) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    forkable = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
    if files < PARALLEL_MIN_FILES or cores < 2 or not forkable:
        return 1
    return min(cores, MAX_WORKERS)


def _read(base: str, rel: str, limit: int) -> bytes:
    try:
        return read_bytes(base + rel, limit)
    except TooLarge as exc:
        raise UserError(
            f"{rel}: {exc.size:,} bytes, more than the {limit:,} a file may have",
            why="a manifest that large is most likely not one (or made to slow the pipeline down)",
            fix="leave it out with --path, or raise the limit with max-file-size (e.g. 50MiB)",
        ) from None


def run_job(job: Job) -> list[FileResult] | Failure:
    wanted = needles(job.targets)
    base = os.path.join(job.root, "")
    results = []
    try:
        for rel in job.files:
            data = _read(base, rel, job.scope.max_file_bytes)
            if mentions(data, wanted):
                results.append(edit_file(rel, data, job.targets, job.scope))
    except UserError as exc:
        return Failure(exc.what, exc.why, exc.fix)
    return results
