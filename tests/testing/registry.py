"""A real container registry on loopback with htpasswd auth (gitops_ci_dev.local_registry); in
tests a missing tool skips, or fails when CI requires tools."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

from gitops_ci_dev.local_registry import MANIFEST_TYPES, LocalRegistry, Tls, free_port, htpasswd  # noqa: F401
from gitops_ci_dev.local_registry import running_registry as _running_registry
from testing.tools import require_tool


@contextlib.contextmanager
def running_registry(
    root: Path, username: str = "ci", password: str = "s3cret-Pa55word", tls: Tls | None = None
) -> Iterator[LocalRegistry]:
    require_tool("docker-registry", hint="Debian package docker-registry")
    require_tool("htpasswd", hint="Debian package apache2-utils")
    with _running_registry(root, username, password, tls) as registry:
        yield registry
