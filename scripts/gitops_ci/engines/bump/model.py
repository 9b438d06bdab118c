"""The edit engine's data model: what to pin, where to look, and what changed; the engine's
Inputs, Services and Result.

`engine.plan()` reads files and returns a Plan; `engine.apply()` writes a Plan's edits
all-or-nothing; `engine.run()` does both around the render check. The write-back (commit /
pull request) uses `plan`, `apply`, the render check and these types.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Mapping, Sequence

from gitops_ci.record import Record, field
from gitops_ci.secrets import Redactor

# The render-check input's values (bump/render_check.py); here, so declaring the option loads
# no YAML parser or engine.
RENDER_CHECK_MODES = ("auto", "true", "false")


class Target(Record):
    """One image to pin: `repository` as the user gave it, the new tag and/or digest."""

    repository: str
    tag: str | None = None
    digest: str | None = None
    digest_only: bool = False  # pin repo@digest without a tag
    # Extra places to pin, as dotted key paths (`*` matches one level), e.g. `app.imageTag`.
    key_paths: tuple[str, ...] = ()

    @property
    def reference(self) -> str:
        """The reference as pinned: REPO[:TAG][@DIGEST]."""
        tag = "" if self.digest_only or not self.tag else f":{self.tag}"
        return self.repository + tag + (f"@{self.digest}" if self.digest else "")


class Scope(Record):
    """Where to look: path globs (relative to the infra dir), an environment (overlay folder),
    and workload kind / name / container-name selectors. Empty means everything."""

    paths: tuple[str, ...] = ()
    environment: str | None = None
    kinds: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    containers: tuple[str, ...] = ()
    # A larger file is refused, not read: the infra repo is input the pipeline does not control.
    max_file_bytes: int = 10 * 2**20


class Change(Record):
    file: str  # relative to the infra dir, with `/`
    line: int  # 1-based
    kind: str  # e.g. container, init-container, kustomize-image, helm-values, compose, marker
    old: str
    new: str
    repository: str = ""  # the target repository this change pins


class Version(Record):
    """What a place pins now: its tag and digest, and the parts it holds (a marker on a tag
    holds no digest; an entry that names the repository alone holds neither)."""

    tag: str | None = None
    digest: str | None = None
    holds: tuple[str, ...] = ("tag", "digest")


class Pin(Record):
    """One place in scope that pins a target, and the version it pins before any edit."""

    file: str  # relative to the infra dir, with `/`
    line: int  # 1-based
    kind: str
    repository: str  # the target repository it pins
    version: Version = Version()


class Skipped(Record):
    file: str
    reason: str


class FileEdit(Record):
    file: str  # relative to the infra dir
    before: bytes
    after: bytes


class Running(Record):
    """A container of a rendered kustomization and the image it runs."""

    container: str  # kind/namespace/name/container
    image: str


class RenderedRoot(Record):
    """A kustomization root the render check built before and after the edit."""

    root: str  # its folder, relative to the infra dir
    running: tuple[Running, ...] = ()  # containers that run a target's new reference after the edit
    skipped: str = ""  # why the root was not checked (it did not render before the edit)


class RenderCheck(Record):
    """What the render check (bump/render_check.py) saw; the default: it has not run."""

    renderer: str = ""  # e.g. `kubectl kustomize`; "" when the check did not run
    note: str = ""  # why it did not run, or why it rendered nothing
    roots: tuple[RenderedRoot, ...] = ()


class Plan(Record):
    changes: tuple[Change, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    edits: tuple[FileEdit, ...] = ()
    matched: int = 0  # places that pin a target, changed or already at the target
    pins: tuple[Pin, ...] = ()  # those places, with what each pinned before the edit
    found_images: tuple[str, ...] = field(default=())  # other image repositories seen
    render: RenderCheck = RenderCheck()

    @property
    def changed(self) -> bool:
        return bool(self.edits)

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(edit.file for edit in self.edits)


class Inputs(Record):
    """An edit of the infra dir in place, parsed once."""

    infra_dir: Path
    targets: tuple[Target, ...]
    scope: Scope = Scope()
    on_missing: str = "fail"  # fail | warn: no target is pinned anywhere in scope
    on_invalid: str = "fail"  # fail | skip: a file that is not valid YAML mentions a target
    dry_run: bool = False
    render_check: str = "auto"  # RENDER_CHECK_MODES: see render_check.py


class Services(Record):
    """What the edit engine uses from outside: the renderer's processes get `environ` (PATH,
    HOME, ...) and the `redactor`; `log` and `warn` are where it reports."""

    redactor: Redactor
    environ: Mapping[str, str]
    log: Callable[[str], None]
    warn: Callable[[str], None]
    # Makes folders present before they are read or rendered: a sparse clone (--path) checks
    # out only the paths in scope and render_check.SPARSE_PATTERNS, the rest on demand.
    reveal: Callable[[Sequence[str]], None] | None = None


class Result(Record):
    plan: Plan  # render-checked
    written: bool = False  # the plan's edits are in the infra dir (not a dry run, something changed)
