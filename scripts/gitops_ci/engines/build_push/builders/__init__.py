"""The builder registry: adding a builder is one module and one line here."""

from __future__ import annotations

from gitops_ci.engines.build_push.builders.base import Builder, Probe
from gitops_ci.engines.build_push.builders.buildah import BuildahBuilder
from gitops_ci.engines.build_push.builders.docker import DockerBuilder
from gitops_ci.engines.build_push.builders.podman import PodmanBuilder
from gitops_ci.errors import UserError

# In the order `builder: auto` tries them.
BUILDERS: dict[str, Builder] = {
    "docker": DockerBuilder(),
    "buildah": BuildahBuilder(),
    "podman": PodmanBuilder(),
}


def select(name: str, probe: Probe) -> Builder:
    """The builder asked for, or with `auto` the first that works here."""
    if name != "auto":
        builder = BUILDERS[name]
        if not builder.available(probe):
            raise UserError(f"builder {name!r} is not usable on this machine", fix=builder.install_hint)
        return builder
    for builder in BUILDERS.values():
        if builder.available(probe):
            return builder
    raise UserError(
        "no container builder found: no Docker engine answers and neither buildah nor podman is installed",
        fix="; or ".join(b.install_hint for b in BUILDERS.values()),
    )
