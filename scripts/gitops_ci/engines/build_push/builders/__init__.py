"""The builder registry: adding a builder is one module and one line here.

A start needs the names only (the `builder` input's choices); a builder's module loads when a
build asks for it."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from gitops_ci.errors import UserError

if TYPE_CHECKING:
    from gitops_ci.engines.build_push.builders.base import Builder, Probe

# Builder name → its class, as MODULE.CLASS in this package; in the order `builder: auto` tries them.
BUILDERS = {
    "docker": "docker.DockerBuilder",
    "buildah": "buildah.BuildahBuilder",
    "podman": "podman.PodmanBuilder",
}


def load(name: str) -> Builder:
    """The builder called `name` (a key of BUILDERS), its module imported on first use."""
    module, _, cls = BUILDERS[name].rpartition(".")
    builder: Builder = getattr(importlib.import_module(f"{__name__}.{module}"), cls)()
    return builder


def require_installed(name: str, probe: Probe) -> None:
    """Before anything else: the builder asked for, or with `auto` any builder, is on PATH (no
    process is started: whether a Docker engine answers is asked by `select`, when a build runs)."""
    if name != "auto":
        builder = load(name)
        if not probe.which(builder.tool):
            raise UserError(f"builder {name!r} is not usable on this machine", fix=builder.install_hint)
        return
    every = [load(n) for n in BUILDERS]
    if not any(probe.which(builder.tool) for builder in every):
        raise _none_found(every)


def select(name: str, probe: Probe) -> Builder:
    """The builder asked for, or with `auto` the first that works here."""
    if name != "auto":
        builder = load(name)
        if not builder.available(probe):
            raise UserError(f"builder {name!r} is not usable on this machine", fix=builder.install_hint)
        return builder
    every = [load(n) for n in BUILDERS]
    for builder in every:
        if builder.available(probe):
            return builder
    raise _none_found(every)


def _none_found(every: list[Builder]) -> UserError:
    return UserError(
        "no container builder found: no Docker engine answers and neither buildah nor podman is installed",
        fix="; or ".join(b.install_hint for b in every),
    )
