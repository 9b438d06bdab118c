"""promote against a real git smart-HTTP server and the OpenAPI-checked fake GitHub (and, for
require-healthy, the fake Argo CD): an infra repo with a staging and a production environment."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from testing.argocd_fake import argocd  # noqa: F401 - fixture
from testing.bump_cli import INFRA, SOURCE_SHA, Cli
from testing.forge import Forge
from testing.git_http import GitServer, forge, git_server  # noqa: F401 - fixtures
from testing.github_fake import FakeGitHub, github  # noqa: F401 - fixtures

API = "ghcr.io/acme/api"
WEB = "ghcr.io/acme/web"
WORKER = "ghcr.io/acme/worker"


def document(stdout: str) -> Any:
    """The --json document of a run (after the runner commands the run printed first)."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("{"))
    return json.loads("\n".join(lines[start:]))


def digest(char: str) -> str:
    return "sha256:" + char * 64


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: {image}  # the API
"""
KUSTOMIZATION = """\
resources:
  - api.yaml
images:
  - name: {web}
    newTag: {tag}
    digest: {digest}
"""
VALUES = """\
worker:
  replicas: 2
  image:
    repository: {worker}
    tag: "{tag}"
"""


def environment(env: str, api: str, web: tuple[str, str], worker: str) -> dict[str, str]:
    return {
        f"envs/{env}/api.yaml": DEPLOYMENT.format(image=api),
        f"envs/{env}/kustomization.yaml": KUSTOMIZATION.format(web=WEB, tag=web[0], digest=web[1]),
        f"envs/{env}/values.yaml": VALUES.format(worker=WORKER, tag=worker),
    }


BEFORE = f"{API}:1.0.0@{digest('0')}"


def layout() -> dict[str, str]:
    files = {"README.md": "the infra repo\n"}
    for env in ("staging", "production"):
        files.update(environment(env, BEFORE, ("2.0.0", digest("1")), "3.0.0"))
    return files


def stage(
    infra: Forge, files: dict[str, str], references: list[str], *, when: str = "", source: str = SOURCE_SHA
) -> str:
    """Deploy `references` to staging as bump-manifest's commit mode records them (its trailers),
    in one commit of `files` made directly (`when` dates it); its SHA."""
    tag = references[0].split("@")[0].rsplit(":", 1)[1]
    name = references[0].split("@")[0].rsplit(":", 1)[0].rsplit("/", 1)[1]
    message = f"Deploy {name}:{tag} to staging\n\n" + "".join(f"Image: {ref}\n" for ref in references)
    message += f"Source-Repository: acme/shop-api\nSource-Commit: {source}\nEnvironment: staging\n"
    return infra.commit(INFRA, "main", files, message, when=when)


def stage_api(infra: Forge, reference: str, *, when: str = "", source: str = SOURCE_SHA) -> str:
    files = {"envs/staging/api.yaml": DEPLOYMENT.format(image=reference)}
    return stage(infra, files, [reference], when=when, source=source)


def stage_web(infra: Forge, tag: str, sha: str) -> str:
    files = {"envs/staging/kustomization.yaml": KUSTOMIZATION.format(web=WEB, tag=tag, digest=sha)}
    return stage(infra, files, [f"{WEB}:{tag}@{sha}"])


@pytest.fixture
def infra(forge: Forge) -> Forge:  # noqa: F811 - the fixture from testing.git_http
    forge.create_repo(INFRA, layout())
    return forge


@pytest.fixture
def cli(tmp_path: Path, git_server: GitServer, github: FakeGitHub) -> Cli:  # noqa: F811
    return Cli(tmp_path, git_server, github)
