"""Which services to build: the services file, the commits the run's event names, the files
changed between them, and each service's `paths`.

The range: a push compares `before` with `after`; a pull request the merge base of its base and
head with its head; `base`/`head` given compare those two. Every service is chosen, and the
reason says why, when there is no range to compare (another event, `all`), when it cannot be
compared here (a first push, a commit this clone lacks) or when the services file itself changed.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from gitops_ci.doors.git import Git
from gitops_ci.engines.plan import manifest
from gitops_ci.engines.plan.model import Choice, Inputs, Result, Services

PULL_REQUESTS = ("pull_request", "pull_request_target")
HISTORY_FIX = "check out with `fetch-depth: 0` (actions/checkout) so the history is in the clone"
_ZEROS = re.compile(r"0+")
_REVISION = re.compile(r"[^\s\-][^\s]*")


@dataclass(frozen=True)
class Span:
    """The commits to compare, or why there are none: `every` (choose every service) or
    `nothing` (choose none), each a reason."""

    base: str = ""
    head: str = ""
    label: str = ""  # where the range comes from: `the push`, `the pull request`, `base and head given`
    every: str = ""
    nothing: str = ""
    warn: bool = False  # `every` for want of history the clone may lack: worth a warning


def run(inputs: Inputs, services: Services) -> Result:
    path = Path(inputs.services_file)
    shown = inputs.shown_file or str(path)
    git = Git(url="", token="", redactor=services.redactor, environ=services.environ, workdir=path.parent)
    top = git.toplevel() if path.parent.is_dir() else None
    root = Path(top) if top else path.parent
    found = manifest.load(path, root, shown)
    relative = os.path.relpath(path.resolve(), root.resolve()).replace(os.sep, "/")
    span = (
        Span(every="`all` is true: every service")
        if inputs.every
        else choose_span(inputs, git if top else None)
    )
    if span.every or span.nothing:
        return _fixed(found, span, relative)
    compared = f"{_short(span.base)}..{_short(span.head)} ({span.label})"
    files = changed_files(git.name_status(span.base, span.head))
    services.log(f"plan: {len(files)} files changed in {compared}")
    if relative in files:
        why = f"the services file {relative} changed in {compared}: every service"
        return _fixed(found, Span(every=why), relative, files, span)
    choices = tuple(_choose(service, files) for service in found.services)
    chosen = [c.service.name for c in choices if c.selected]
    if chosen:
        reason = f"{len(chosen)} of {len(choices)} services changed in {compared}: {', '.join(chosen)}"
    elif files:
        reason = f"no service's paths match the {len(files)} files changed in {compared}"
    else:
        reason = f"no file changed in {compared}"
    return Result(choices, False, reason, files, span.base, span.head, relative)


def choose_span(inputs: Inputs, git: Git | None) -> Span:
    """The commits to compare, as the inputs and the event name them."""
    event = inputs.event
    if inputs.base:
        head = inputs.head or (event.pr_head if event.name in PULL_REQUESTS else "") or event.sha or "HEAD"
        return _resolved(git, inputs.base, head, "base and head given", "base")
    if event.name == "push":
        if event.deleted:
            return Span(nothing="the push deleted the branch: nothing to build")
        if not event.before:
            return Span(every="the push event names no `before` commit: every service")
        if _ZEROS.fullmatch(event.before):
            return Span(every="the first push of the branch (event.before is all zeros): every service")
        head = inputs.head or event.sha or event.after or "HEAD"
        return _resolved(git, event.before, head, "the push", "event.before")
    if event.name in PULL_REQUESTS:
        return _pull_request(inputs, git)
    if event.name:
        return Span(every=f"a {event.name} run compares no commits: every service")
    return Span(every="no base given, and no push or pull_request event: every service")


def _pull_request(inputs: Inputs, git: Git | None) -> Span:
    event = inputs.event
    head = inputs.head or event.pr_head
    if not (event.pr_base and head):
        return Span(every="the pull_request event names no base and head commits: every service")
    span = _resolved(git, event.pr_base, head, "the pull request", "the pull request's base")
    if span.every or git is None:
        return span
    base = git.merge_base(span.base, span.head)
    if base is None:
        return Span(
            every=f"the pull request's base {_short(span.base)} and head {_short(span.head)} have no merge "
            f"base in this clone (shallow?: {HISTORY_FIX}): every service",
            warn=True,
        )
    return Span(base, span.head, "the pull request, from its merge base")


def _resolved(git: Git | None, base: str, head: str, label: str, base_name: str) -> Span:
    """`base` and `head` as full SHAs; every service when either is not a commit here."""
    if git is None:
        why = f"not a git checkout, so {label} cannot be compared ({HISTORY_FIX}): every service"
        return Span(every=why, warn=True)
    if _ZEROS.fullmatch(base):
        return Span(every=f"{base_name} is all zeros (no earlier commit): every service")
    found_base = _commit(git, base)
    if found_base is None:
        cause = (
            "a force push replaced it, or the clone is shallow" if base_name == "event.before" else "shallow?"
        )
        where = f"{base_name} {_short(base)} is not a commit in this clone"
        return Span(every=f"{where} ({cause}: {HISTORY_FIX}): every service", warn=True)
    found_head = _commit(git, head)
    if found_head is None:
        where = f"the head {_short(head)} is not a commit in this clone"
        return Span(every=f"{where} (shallow?: {HISTORY_FIX}): every service", warn=True)
    return Span(found_base, found_head, label)


def _commit(git: Git, revision: str) -> str | None:
    """The commit `revision` names here; a text git would read as an option names none."""
    return git.resolve(revision) if _REVISION.fullmatch(revision) else None


def changed_files(name_status: str) -> tuple[str, ...]:
    """The paths `git diff --name-status -z -M` names, in its order: a rename's old and new path,
    a deletion's old path, any other change's path."""
    fields = name_status.split("\0")
    paths: dict[str, None] = {}
    index = 0
    while index < len(fields) and fields[index]:
        status = fields[index]
        count = 2 if status[:1] in ("R", "C") else 1
        names = fields[index + 1 : index + 1 + count]
        if status[:1] == "C":  # a copy leaves its source as it was
            names = names[1:]
        paths.update(dict.fromkeys(n for n in names if n))
        index += 1 + count
    return tuple(paths)


def _choose(service: manifest.Service, files: tuple[str, ...]) -> Choice:
    cause = next((f for f in files if service.selects(f)), "")
    return Choice(service, bool(cause), cause)


def _fixed(
    found: manifest.Manifest,
    span: Span,
    relative: str,
    files: tuple[str, ...] = (),
    compared: Span | None = None,
) -> Result:
    """Every service (span.every) or none (span.nothing), for the span's reason."""
    every = bool(span.every)
    reason = span.every or span.nothing
    choices = tuple(Choice(s, every, reason if every else "") for s in found.services)
    compared = compared or Span()
    return Result(choices, every, reason, files, compared.base, compared.head, relative, span.warn)


def _short(revision: str) -> str:
    """A commit for a one-line reason: 12 digits of a SHA; other text on one line, bounded."""
    if re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", revision):
        return revision[:12]
    flat = " ".join(revision.split())
    return flat if len(flat) <= 80 else flat[:79] + "…"
