"""The chain's verify stage end to end under act (issue 14): bump-manifest commits to the infra
repo, a stand-in Argo CD (the OpenAPI-checked fake) "watches" that repo and syncs the pushed
commit after a short delay, verify waits for it, and notify reports the deployment.

1. green: verify reports healthy, notify says "healthy in N s", the chain passes;
2. degraded: the synced commit stays Degraded past the grace, notify names the unhealthy
   resource, the chain fails with verify's message.
The Argo CD token (an act secret) appears nowhere in the log.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from e2e.conftest import Stack
from e2e.test_chain import INFRA, STAGING, fields, infra_files
from testing.act import ActRun, run_act
from testing.argocd_fake import TOKEN as ARGOCD_TOKEN
from testing.argocd_fake import FakeArgoCD, following, resource
from testing.forge import Forge
from testing.git_http import TOKEN, GitServer
from testing.github_fake import FakeGitHub
from testing.webhook_sink import WebhookSink

pytestmark = pytest.mark.e2e

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
          stages: bump-manifest,verify,notify
          image: {image}
          tag: "0.2.0"
          infra-repo: acme/infra
          environment: staging
          mode: commit
          token: ${{{{ secrets.INFRA_TOKEN }}}}
          argocd-server: {argocd}
          argocd-token: ${{{{ secrets.ARGOCD_TOKEN }}}}
          verify-timeout: "30"
          degraded-grace: "1"
          webhook-url: ${{{{ secrets.WEBHOOK_URL }}}}
      - name: chain outputs
        if: always()
        env:
          HEALTHY: ${{{{ steps.chain.outputs.healthy }}}}
          DEPLOYMENT: ${{{{ steps.chain.outputs.deployment }}}}
          FAILED_STAGE: ${{{{ steps.chain.outputs.failed-stage }}}}
        run: |
          set -euo pipefail
          echo "chain-healthy=[$HEALTHY] failed-stage=[$FAILED_STAGE] deployment=[$DEPLOYMENT]"
"""


def act(
    tmp_path: Path, stack: Stack, server: GitServer, fake: FakeGitHub, argocd: FakeArgoCD, sink: WebhookSink
) -> ActRun:
    secrets = {"INFRA_TOKEN": TOKEN, "ARGOCD_TOKEN": ARGOCD_TOKEN, "WEBHOOK_URL": sink.url}
    env = {"GITHUB_SERVER_URL": server.url, "GITHUB_API_URL": fake.url, "GITHUB_REPOSITORY": "acme/myapp"}
    text = CHAIN.format(image=f"{stack.registry.host}/acme/myapp", argocd=argocd.url)
    run = run_act(
        tmp_path, text, files={"app/README.md": "app\n"}, secrets=secrets, env=env, cache=stack.act_cache
    )
    (tmp_path / "act.log").write_text(run.log, encoding="utf-8")
    for secret in secrets.values():
        assert secret not in run.log, "a secret reached the act log"
    return run


def test_green_verify_reports_the_deployment_healthy(
    tmp_path: Path, stack: Stack, forge: Forge, git_server: GitServer, github: FakeGitHub, argocd: FakeArgoCD
) -> None:
    forge.create_repo(INFRA, infra_files(f"{stack.registry.host}/acme/myapp"))
    argocd.play("myapp-staging", following("myapp-staging", lambda: forge.branch_sha(INFRA, "main") or ""))
    with WebhookSink() as sink:
        run = act(tmp_path, stack, git_server, github, argocd, sink)
    assert run.returncode == 0, run.log[-6000:]
    head = forge.branch_sha(INFRA, "main")
    assert head and 'newTag: "0.2.0"' in forge.read(INFRA, "main", STAGING)
    assert argocd.gets_of("myapp-staging")[0].query == {"refresh": ["normal"], "appNamespace": ["argocd"]}
    assert re.search(r"chain-healthy=\[true\] failed-stage=\[\] deployment=\[healthy in \d+ s\]", run.log)
    (received,) = sink.received
    got = fields(received)
    assert received.json()["status"] == "success"
    assert re.fullmatch(r"healthy in \d+ s", got["Deployment"][0])
    assert got["Stages"][0] == "✅ bump-manifest · ✅ verify"


def test_degraded_verify_fails_the_chain_naming_the_resources(
    tmp_path: Path, stack: Stack, forge: Forge, git_server: GitServer, github: FakeGitHub, argocd: FakeArgoCD
) -> None:
    forge.create_repo(INFRA, infra_files(f"{stack.registry.host}/acme/myapp"))
    bad = [resource("Deployment", "myapp", "Degraded", "Back-off pulling image", namespace="staging")]
    head = lambda: forge.branch_sha(INFRA, "main") or ""  # noqa: E731
    argocd.play("myapp-staging", following("myapp-staging", head, health="Degraded", resources=bad))
    with WebhookSink() as sink:
        run = act(tmp_path, stack, git_server, github, argocd, sink)
    assert run.returncode != 0 and "Job failed" in run.log, run.log[-6000:]
    assert "gitops-ci: verify failed" in run.log
    assert "chain-healthy=[false] failed-stage=[verify]" in run.log
    (received,) = sink.received
    got = fields(received)
    assert received.json()["status"] == "failure" and got["Failed stage"][0] == "verify"
    assert "Deployment staging/myapp: Degraded (Back-off pulling image)" in got["Deployment"][0]
    assert got["Stages"][0] == "✅ bump-manifest · ❌ verify"
