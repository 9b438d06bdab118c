"""What the chain's end-to-end runs talk to, on loopback: one registry (htpasswd), one buildah
storage and one busybox base image per session (per xdist worker), and one act tool cache so the
gitops-ci environment is built once per session. The infra repo's git server and the GitHub API
fake are per test (testing.git_http, testing.github_fake)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from testing.argocd_fake import argocd  # noqa: F401 - fixtures
from testing.containers import buildah_env, push_base_image
from testing.git_http import forge, git_server  # noqa: F401 - fixtures
from testing.github_fake import github  # noqa: F401 - fixtures
from testing.registry import LocalRegistry, running_registry
from testing.tools import require_tool


@dataclass(frozen=True)
class Stack:
    registry: LocalRegistry
    buildah_env: dict[str, str]
    base_image: str
    act_cache: Path


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    require_tool("buildah")
    tmp = tmp_path_factory.mktemp("e2e-stack")
    with running_registry(tmp / "registry") as registry:
        env = buildah_env(tmp / "containers", registry)
        base = push_base_image(tmp, registry, env)
        yield Stack(registry, env, base, tmp / "act-cache")
