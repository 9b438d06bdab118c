"""The chain end to end, as users write it, run by act offline on the host (issue 8):

1. green path, through the reusable workflow: gate → image pushed (the registry's digest is the
   one pinned) → staging commit with trailers pinning repo:tag@digest → production pull request
   promoting staging's pin byte for byte, with the promotion table (production-mode pr, the
   default; commit mode is in test_promote_workflows) → one success notification linking all of it;
2. the gate fails (top-level action): nothing built or pushed, a failure notification naming the
   gate and its first finding, the action failing with that message;
3. the infra repo moves on between clone and push (top-level action, gate switched off): the bump
   still lands on top;
4. in every run the infra token, the registry password and the webhook URL (all act secrets)
   appear nowhere in the act log.

Against real parts: a docker-registry with htpasswd, buildah, the infra repo over git smart HTTP
with token auth, the OpenAPI-checked GitHub API fake, and a webhook sink. One act run each.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest

from e2e.conftest import Stack
from testing.act import ActRun, run_act
from testing.forge import Forge
from testing.git_http import TOKEN, GitServer
from testing.github_fake import FakeGitHub
from testing.webhook_sink import WebhookSink

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
INFRA = "acme/infra"
STAGING = "apps/myapp/overlays/staging/kustomization.yaml"
PRODUCTION = "apps/myapp/overlays/production/kustomization.yaml"

PIPELINE = """
name: pipeline
on: push
jobs:
  pipeline:
    uses: acme/gitops-ci/.github/workflows/gitops-pipeline.yml@v1
    with:
      image: {image}
      infra-repo: acme/infra
      working-directory: {workdir}
      python: {python}
      build-args: BASE_IMAGE={base}
      registry-username: ci
    secrets:
      infra-token: ${{{{ secrets.INFRA_TOKEN }}}}
      registry-password: ${{{{ secrets.REGISTRY_PASSWORD }}}}
      webhook-url: ${{{{ secrets.WEBHOOK_URL }}}}
"""

CHAIN = """
name: chain
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - id: chain
        uses: acme/gitops-ci@v1
        with:
          stages: {stages}
          working-directory: {workdir}
          python: {python}
          image: {image}
          build-args: BASE_IMAGE={base}
          registry-username: ci
          registry-password: ${{{{ secrets.REGISTRY_PASSWORD }}}}
          infra-repo: acme/infra
          environment: staging
          mode: commit
          token: ${{{{ secrets.INFRA_TOKEN }}}}
          webhook-url: ${{{{ secrets.WEBHOOK_URL }}}}
      - name: chain outputs
        if: always()
        env:
          FAILED_STAGE: ${{{{ steps.chain.outputs.failed-stage }}}}
          IMAGE_REF: ${{{{ steps.chain.outputs.image-ref }}}}
          COMMIT: ${{{{ steps.chain.outputs.commit-sha }}}}
        run: |
          set -euo pipefail
          echo "chain-failed-stage=[$FAILED_STAGE] image-ref=[$IMAGE_REF] commit=[$COMMIT]"
"""


def app_files(*, broken: bool = False) -> dict[str, str]:
    app = ROOT / "examples" / "app"
    files = {
        f"app/{p.relative_to(app)}": p.read_text(encoding="utf-8")
        for p in app.rglob("*")
        if p.is_file() and ".github" not in p.parts and "__pycache__" not in p.parts
    }
    if broken:
        # An unused import (flake8 F401), and nothing else wrong.
        files["app/app.py"] = files["app/app.py"].replace("import json\n", "import json\nimport shlex\n", 1)
    return files


def infra_files(image: str) -> dict[str, str]:
    """examples/infra, pinning the image under the loopback registry's name."""
    infra = ROOT / "examples" / "infra"
    return {
        str(p.relative_to(infra)): p.read_text(encoding="utf-8").replace("ghcr.io/acme/myapp", image)
        for p in infra.rglob("*")
        if p.is_file()
    }


def act(
    tmp_path: Path, stack: Stack, server: GitServer, fake: FakeGitHub, sink: WebhookSink, text: str
) -> ActRun:
    secrets = {"INFRA_TOKEN": TOKEN, "REGISTRY_PASSWORD": stack.registry.password, "WEBHOOK_URL": sink.url}
    env = {
        **stack.buildah_env,
        "GITHUB_SERVER_URL": server.url,
        "GITHUB_API_URL": fake.url,
        "GITHUB_REPOSITORY": "acme/myapp",
    }
    run = run_act(
        tmp_path,
        text,
        files=app_files(broken="broken" in tmp_path.name),
        secrets=secrets,
        env=env,
        cache=stack.act_cache,
    )
    (tmp_path / "act.log").write_text(run.log, encoding="utf-8")  # kept for reading a failure
    for secret in secrets.values():  # scenario 4
        assert secret not in run.log, "a secret reached the act log"
    return run


def workflow(template: str, tmp_path: Path, stack: Stack, repo: str, **extra: str) -> str:
    return template.format(
        image=f"{stack.registry.host}/{repo}",
        workdir=tmp_path / "workspace" / "app",
        python=sys.executable,
        base=stack.base_image,
        **extra,
    )


def fields(received: Any) -> dict[str, tuple[str, str]]:
    payload = received.json()
    return {f["name"]: (f["value"], f["url"]) for f in payload["fields"]}


def test_green_path_through_the_reusable_workflow(
    tmp_path: Path, stack: Stack, forge: Forge, git_server: GitServer, github: FakeGitHub
) -> None:
    image = f"{stack.registry.host}/acme/myapp"
    forge.create_repo(INFRA, infra_files(image))
    production_before = forge.read(INFRA, "main", PRODUCTION)
    with WebhookSink() as sink:
        run = act(
            tmp_path, stack, git_server, github, sink, workflow(PIPELINE, tmp_path, stack, "acme/myapp")
        )
    assert run.returncode == 0, run.log[-6000:]
    for job in ("gate", "build", "deploy-staging", "deploy-production", "notify"):
        assert re.search(rf"\[pipeline/gitops-pipeline/{job} *\] 🏁  Job succeeded", run.log), job

    # The image: pushed, and the digest the registry gives for its tag is the one reported.
    (version,) = [t for t in stack.registry.tags("acme/myapp") if t.startswith("sha-")]
    digest = stack.registry.digest("acme/myapp", version)
    assert digest and digest.startswith("sha256:")

    # Staging: one commit on main pinning repo:tag@digest, with trailers.
    staging = forge.read(INFRA, "main", STAGING)
    assert f'newTag: "{version}" # bumped by gitops-ci' in staging and f"digest: {digest}" in staging
    message = forge.message(INFRA, "main").splitlines()
    assert f"Image: {image}:{version}@{digest}" in message
    assert "Environment: staging" in message and "Source-Repository: acme/myapp" in message
    staging_commit = forge.branch_sha(INFRA, "main")
    assert '"0.1.0"' in forge.read(INFRA, "main", PRODUCTION), "production changes only by pull request"

    # Production (production-mode pr, the default): a pull request promoting what staging pins,
    # byte for byte, with the promotion table; production's file on main unchanged.
    (pull,) = github.open_pulls(INFRA)
    assert pull["head_ref"] == "gitops-ci/promote/production/myapp"
    proposed = forge.read(INFRA, pull["head_ref"], PRODUCTION)
    images = staging[staging.index("images:\n") :]
    assert proposed[proposed.index("images:\n") :].encode() == images.encode()
    assert pull["title"] == f"Promote myapp:{version} from staging to production"
    body = pull["body"]
    assert body.startswith("Promotes to **production** the exact references **staging** runs")
    assert f"| `{image}` | `{image}:0.1.0` | `{image}:{version}@{digest}` |" in body
    assert f"/{INFRA}/commit/{staging_commit}" in body and "Promoted-From: staging" in body
    assert forge.read(INFRA, "main", PRODUCTION) == production_before
    pr_url = f"{git_server.url}/{INFRA}/pull/{pull['number']}"

    # One notification, success, linking all of it.
    (received,) = sink.received
    assert received.json()["status"] == "success"
    got = fields(received)
    assert got["Image"][0] == f"{image}@{digest}" and got["Digest"][0] == digest
    assert got["Infra commit"] == (staging_commit[:7], f"{git_server.url}/{INFRA}/commit/{staging_commit}")
    assert got["Pull request"] == (f"#{pull['number']}", pr_url)
    assert got["Stages"][0] == "✅ gate · ✅ build · ✅ deploy-staging · ✅ deploy-production"
    assert "Failed stage" not in got


def test_gate_failure_builds_nothing_bumps_nothing_and_notifies_the_finding(
    tmp_path: Path, stack: Stack, forge: Forge, git_server: GitServer, github: FakeGitHub
) -> None:
    tmp_path = tmp_path / "broken"
    image = f"{stack.registry.host}/acme/broken"
    forge.create_repo(INFRA, infra_files(image))
    before = forge.branch_sha(INFRA, "main")
    stages = "quality-gate,build-and-push,bump-manifest,notify"
    with WebhookSink() as sink:
        run = act(
            tmp_path,
            stack,
            git_server,
            github,
            sink,
            workflow(CHAIN, tmp_path, stack, "acme/broken", stages=stages),
        )
    assert run.returncode != 0 and "Job failed" in run.log, run.log[-6000:]

    assert stack.registry.tags("acme/broken") == []
    assert forge.branch_sha(INFRA, "main") == before and git_server.pushes() == []

    (received,) = sink.received
    payload = received.json()
    assert payload["status"] == "failure" and payload["title"].endswith("failed")
    got = fields(received)
    assert got["Failed stage"][0] == "quality-gate"
    assert got["Error"][0] == "app/app.py:8: flake8 F401: 'shlex' imported but unused"
    assert got["Stages"][0] == "❌ quality-gate · ⏭️ build-and-push · ⏭️ bump-manifest"
    # The action itself fails with the first failure's message, and says which stage it was.
    assert "gitops-ci: quality-gate failed" in run.log
    assert "chain-failed-stage=[quality-gate] image-ref=[] commit=[]" in run.log


def test_the_bump_lands_when_the_infra_repo_moved_on_during_the_run(
    tmp_path: Path, stack: Stack, forge: Forge, git_server: GitServer, github: FakeGitHub
) -> None:
    image = f"{stack.registry.host}/acme/racer"
    forge.create_repo(INFRA, infra_files(image))
    # Another pipeline's commit lands just before ours is received.
    forge.advance_on_next_push(INFRA, "main", {"apps/other/config.yaml": "other: change\n"})
    stages = "build-and-push,bump-manifest,notify"
    with WebhookSink() as sink:
        run = act(
            tmp_path,
            stack,
            git_server,
            github,
            sink,
            workflow(CHAIN, tmp_path, stack, "acme/racer", stages=stages),
        )
    assert run.returncode == 0, run.log[-6000:]

    subjects = [line.split(" ", 1)[1] for line in forge.log(INFRA, "main")]
    assert subjects[1:3] == ["a racing pipeline", "initial manifests"], subjects
    assert forge.read(INFRA, "main", "apps/other/config.yaml") == "other: change\n"
    (version,) = [t for t in stack.registry.tags("acme/racer") if t.startswith("sha-")]
    digest = stack.registry.digest("acme/racer", version)
    assert f"digest: {digest}" in forge.read(INFRA, "main", STAGING)
    assert len(git_server.pushes()) >= 2

    (received,) = sink.received
    got = fields(received)
    head = forge.branch_sha(INFRA, "main")
    assert received.json()["status"] == "success" and got["Infra commit"][0] == head[:7]
    assert got["Stages"][0] == "✅ build-and-push · ✅ bump-manifest"
    assert f"commit=[{head}]" in run.log
