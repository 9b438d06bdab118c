"""The bump engine's data model: what to pin, where to look, and what changed.

The engine is pure: `engine.plan()` reads files and returns a Plan; `engine.apply()` writes
a Plan's edits all-or-nothing. The write-back (commit / pull request) only uses these types.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The render-check input's values (bump/render_check.py); here, so declaring the option loads
# no YAML parser or engine.
RENDER_CHECK_MODES = ("auto", "true", "false")


@dataclass(frozen=True)
class Target:
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


@dataclass(frozen=True)
class Scope:
    """Where to look: path globs (relative to the infra dir), an environment (overlay folder),
    and workload kind / name / container-name selectors. Empty means everything."""

    paths: tuple[str, ...] = ()
    environment: str | None = None
    kinds: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    containers: tuple[str, ...] = ()
    # A larger file is refused, not read: the infra repo is input the pipeline does not control.
    max_file_bytes: int = 10 * 2**20


@dataclass(frozen=True)
class Change:
    file: str  # relative to the infra dir, with `/`
    line: int  # 1-based
    kind: str  # e.g. container, init-container, kustomize-image, helm-values, compose, marker
    old: str
    new: str
    repository: str = ""  # the target repository this change pins


@dataclass(frozen=True)
class Skipped:
    file: str
    reason: str


@dataclass(frozen=True)
class FileEdit:
    file: str  # relative to the infra dir
    before: bytes
    after: bytes


@dataclass(frozen=True)
class Running:
    """A container of a rendered kustomization and the image it runs."""

    container: str  # kind/namespace/name/container
    image: str


@dataclass(frozen=True)
class RenderedRoot:
    """A kustomization root the render check built before and after the edit."""

    root: str  # its folder, relative to the infra dir
    running: tuple[Running, ...] = ()  # containers that run a target's new reference after the edit
    skipped: str = ""  # why the root was not checked (it did not render before the edit)


@dataclass(frozen=True)
class RenderCheck:
    """What the render check (bump/render_check.py) saw; the default: it has not run."""

    renderer: str = ""  # e.g. `kubectl kustomize`; "" when the check did not run
    note: str = ""  # why it did not run, or why it rendered nothing
    roots: tuple[RenderedRoot, ...] = ()


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    edits: tuple[FileEdit, ...] = ()
    matched: int = 0  # places that pin a target, changed or already at the target
    found_images: tuple[str, ...] = field(default=())  # other image repositories seen
    render: RenderCheck = RenderCheck()

    @property
    def changed(self) -> bool:
        return bool(self.edits)

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(edit.file for edit in self.edits)
