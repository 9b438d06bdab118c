"""podman: the same command line as buildah, under another name."""

from __future__ import annotations

from gitops_ci.engines.build_push.builders.buildah import BuildahBuilder


class PodmanBuilder(BuildahBuilder):
    name = "podman"
    tool = "podman"
    install_hint = "install podman (Debian/Ubuntu: `apt-get install podman`)"
