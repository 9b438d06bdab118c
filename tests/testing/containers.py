"""buildah with private storage and a busybox base image (gitops_ci_dev.containers); in
tests a missing tool skips, or fails when CI requires tools."""

from __future__ import annotations

from pathlib import Path

from gitops_ci_dev.containers import buildah_env, run  # noqa: F401
from gitops_ci_dev.containers import push_base_image as _push_base_image
from testing.registry import LocalRegistry
from testing.tools import require_tool


def push_base_image(workdir: Path, registry: LocalRegistry, env: dict[str, str]) -> str:
    require_tool("buildah")
    require_tool("busybox", hint="Debian package busybox-static")
    return _push_base_image(workdir, registry, env)


def skopeo_inspect(ref: str, registry: LocalRegistry, env: dict[str, str], *, config: bool = False) -> str:
    skopeo = require_tool("skopeo")
    creds = f"{registry.username}:{registry.password}"
    extra = ["--config"] if config else []
    return run([skopeo, "inspect", *extra, "--tls-verify=false", "--creds", creds, f"docker://{ref}"], env)
