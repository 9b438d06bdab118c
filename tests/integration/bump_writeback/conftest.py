"""bump-manifest write-back against a real git smart-HTTP server and the OpenAPI-checked fake GitHub.

Every test runs the real CLI (`python -m gitops_ci`) as a subprocess, as a runner step would.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from testing.bump_cli import INFRA, Cli, manifests
from testing.forge import Forge
from testing.git_http import GitServer, forge, git_server  # noqa: F401 - fixtures
from testing.github_fake import FakeGitHub, github  # noqa: F401 - fixtures


@pytest.fixture
def infra(forge: Forge) -> Forge:  # noqa: F811 - the fixture from testing.git_http
    forge.create_repo(INFRA, manifests())
    return forge


@pytest.fixture
def cli(tmp_path: Path, git_server: GitServer, github: FakeGitHub) -> Cli:  # noqa: F811
    return Cli(tmp_path, git_server, github)
