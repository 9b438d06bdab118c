"""build-and-push: tags from the git context, build, push, digest read back (issue: build-and-push)."""

from __future__ import annotations

from gitops_ci.commands.base import JSON_OPTION, Command
from gitops_ci.commands.pending import not_implemented
from gitops_ci.inputs import Option, parse_bool, parse_choice, parse_list, parse_map

COMMAND = Command(
    name="build-and-push",
    summary="build the image, push it and read its digest back from the registry",
    description="Computes tags and OCI labels from the git context, builds with docker buildx, "
    "buildah or podman, pushes and outputs the immutable repo@sha256 reference.",
    options=(
        Option("registry", "registry host, e.g. ghcr.io", default="ghcr.io"),
        Option("image", "image repository without tag, e.g. ghcr.io/acme/shop-api"),
        Option("tags", "tag rules (metadata-action grammar), one per line", parse_list, "type=sha"),
        Option("context", "build context directory", default="."),
        Option("file", "Dockerfile path (default: CONTEXT/Dockerfile)"),
        Option(
            "builder",
            "docker, buildah, podman or auto",
            parse_choice(("auto", "docker", "buildah", "podman")),
            "auto",
        ),
        Option("platforms", "target platforms, comma separated", parse_list),
        Option("build-args", "KEY=VALUE build arguments (not for secrets)", parse_map),
        Option("labels", "extra OCI labels, KEY=VALUE per line", parse_map),
        Option("username", "registry user name"),
        Option("password", "registry password or token", secret=True),
        Option("push", "push the image", parse_bool, "true"),
        JSON_OPTION,
    ),
    handler=not_implemented("build-and-push"),
)
