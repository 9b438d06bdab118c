"""What the chain's end-to-end runs talk to, on loopback: one registry (htpasswd), one buildah
storage and one busybox base image per session (per xdist worker), and one act tool cache so the
gitops-ci environment is built once per session. The infra repo's git server and the GitHub API
fake are per test (testing.git_http, testing.github_fake). The artifact actions' stand-ins get
their node modules once per lock (`artifact_actions`)."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from gitops_ci_dev.act import DOWNLOAD_ARTIFACT, UPLOAD_ARTIFACT

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


ARTIFACT_ACTIONS = Path(__file__).resolve().parent / "artifact-actions"


@pytest.fixture(scope="session")
def artifact_actions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """act's `--local-repository` for the pinned upload-artifact and download-artifact: the
    stand-ins in artifact-actions/, on the real artifact client that `npm ci` installs from the
    committed lock (once per lock, shared by the sessions of this machine's user)."""
    modules = install_node_modules(ARTIFACT_ACTIONS)
    root = tmp_path_factory.mktemp("artifact-actions")
    folders = {}
    for name, action in ((UPLOAD_ARTIFACT, "upload"), (DOWNLOAD_ARTIFACT, "download")):
        folder = root / action
        shutil.copytree(ARTIFACT_ACTIONS / action, folder)
        # act copies an action's folder before running it: an absolute link survives the copy.
        (folder / "node_modules").symlink_to(modules, target_is_directory=True)
        folders[name] = folder
    return folders


def install_node_modules(package: Path) -> Path:
    """`npm ci` of `package`'s lock into a cache folder named after the lock's hash; a second
    session (or xdist worker) waits for the first and reuses its install."""
    require_tool("node", hint="scripts/install-system-deps.sh installs it")
    npm = require_tool("npm", hint="scripts/install-system-deps.sh installs it")
    files = [package / "package.json", package / "package-lock.json"]
    key = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gitops-ci-tests"
    target = cache / f"{package.name}-{key}"
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / f"{package.name}.lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / ".installed").is_file():
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()
            for f in files:
                shutil.copy2(f, target / f.name)
            done = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
                cwd=target,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            if done.returncode != 0:
                pytest.fail(f"npm ci in {target} failed:\n{done.stdout}{done.stderr}"[-4000:])
            (target / ".installed").write_text(key, encoding="utf-8")
    return target / "node_modules"
