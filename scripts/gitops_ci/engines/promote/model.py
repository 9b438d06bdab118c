"""What the promote engine works with: its Inputs and Services, one image's promotion, the Result."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from gitops_ci.engines.bump.model import Target
from gitops_ci.engines.verify.model import Backend, Timing
from gitops_ci.engines.writeback import core as writeback
from gitops_ci.engines.writeback.history import Deployment
from gitops_ci.secrets import Redactor


@dataclass(frozen=True)
class Health:
    """require-healthy: the `from` environment's applications must be healthy (the verify engine)."""

    applications: tuple[str, ...] = ()  # empty: those that deploy the files pinning the images
    timing: Timing = field(default_factory=Timing)


@dataclass(frozen=True)
class Inputs:
    """A promotion, parsed: which images, from and to which environment (overlay folders), the
    gates, and where to write: a local checkout (`infra_dir`, edit mode) or the write-back's inputs
    (commit and pr modes; promote fills in their targets, trailers and description)."""

    from_env: str
    to_env: str
    images: tuple[str, ...] = ()  # repositories, as given; empty with `every`
    every: bool = False  # every image pinned in both environments whose pin differs
    from_commit: str = ""  # read `from_env` at this infra commit (full or short SHA), not at the head
    require_digest: bool = False
    min_soak: float | None = None  # seconds the reference must have run in `from_env`
    health: Health | None = None
    paths: tuple[str, ...] = ()
    max_file_bytes: int = 10 * 2**20
    on_invalid: str = "fail"
    render_check: str = "auto"
    dry_run: bool = False
    infra_dir: Path | None = None  # edit mode
    writeback: writeback.Inputs | None = None  # commit and pr modes
    server_url: str = "https://github.com"  # for the links to source and infra commits


@dataclass(frozen=True)
class Services:
    redactor: Redactor
    environ: Mapping[str, str]  # for git and the renderer
    log: Callable[[str], None]
    warn: Callable[[str], None]
    clock: Callable[[], float] = time.time  # now, Unix seconds: min-soak
    sleep: Callable[[float], None] = time.sleep
    backend: Backend | None = None  # require-healthy: the GitOps controller to ask


@dataclass(frozen=True)
class Promotion:
    """One image: the reference `from` pins (to be written into `to`), what `to` pins now, and
    the infra commit that deployed the reference in `from` as its trailers record it."""

    target: Target  # the reference to write, exactly as `from` pins it
    old: tuple[str, ...]  # the distinct references `to` pins now
    differs: bool  # some place in `to` pins another version
    files: tuple[str, ...] = ()  # the files of `from` that pin it
    deployed: Deployment | None = None  # the newest infra commit whose trailers pin it in `from`
    read_at: str = ""  # the infra commit `from` was read at

    @property
    def image(self) -> str:
        return self.target.repository

    @property
    def new(self) -> str:
        return self.target.reference

    @property
    def from_commit(self) -> str:
        """The infra commit that deployed it in `from` (else the one `from` was read at)."""
        return self.deployed.infra_commit if self.deployed else self.read_at


@dataclass(frozen=True)
class Found:
    """What one attempt read from the infra tree."""

    promotions: tuple[Promotion, ...] = ()  # every image asked for (--all: pinned in both)
    only_from: tuple[str, ...] = ()  # --all: images `from` pins and `to` does not (never promoted)
    read_at: str = ""


@dataclass(frozen=True)
class Result:
    promotions: tuple[Promotion, ...]  # those the write changed (or, dry run, would change)
    found: Found
    written: writeback.Result  # files, changes, diff, commit, pull request
