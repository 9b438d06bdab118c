"""The monorepo workflow end to end under act: three services in one repository, one act run per
scenario, every build handed to deploy through act's own artifact server.

1. a push whose before..after changes two of the three services: plan picks those two, two
   matrix legs gate, build and push them, and ONE infra commit pins both new images (the third
   service's pin untouched); verify waits once for (a fake) Argo CD to run it; one notification
   lists both;
2. one of the two changed services fails to build (a Dockerfile step fails): the other leg
   still builds, but nothing is deployed (the infra repo's head unchanged, nothing pushed to it)
   and the run fails naming the failed service, in the log and in the notification;
3. the same push with `partial: true`: the service that built is deployed, alone;
4. a push that changes none of the services: plan only, nothing built, deployed or notified.
In every run no secret reaches the act log.

Against real parts: a docker-registry with htpasswd, buildah, the infra repo over git smart HTTP
with token auth, the OpenAPI-checked GitHub API fake, a webhook sink, act's artifact server and
the real artifact client (@actions/artifact) in the stand-ins for upload-artifact and
download-artifact.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from e2e.conftest import Stack
from e2e.test_chain import ROOT, fields
from testing.act import ActRun, run_act
from testing.argocd_fake import TOKEN as ARGOCD_TOKEN
from testing.argocd_fake import FakeArgoCD, following
from testing.forge import Forge, git
from testing.git_http import TOKEN, GitServer
from testing.github_fake import FakeGitHub
from testing.webhook_sink import WebhookSink

pytestmark = pytest.mark.e2e

INFRA = "acme/infra"
SERVICES = ("api", "web", "worker")
CALLER = """
name: services
on: push
jobs:
  services:
    uses: acme/gitops-ci/.github/workflows/gitops-monorepo.yml@v1
    with:
      infra-repo: acme/infra
      python: {python}
      build-args: BASE_IMAGE={base}
      registry-username: ci
      partial: {partial}{with_argocd}
    secrets:
      infra-token: ${{{{ secrets.INFRA_TOKEN }}}}
      registry-password: ${{{{ secrets.REGISTRY_PASSWORD }}}}
      webhook-url: ${{{{ secrets.WEBHOOK_URL }}}}{secrets_argocd}
"""
WITH_ARGOCD = """
      argocd-applications: api-staging,web-staging
      verify-timeout: '30'
      degraded-grace: '1'"""
SECRETS_ARGOCD = """
      argocd-server: ${{ secrets.ARGOCD_SERVER }}
      argocd-token: ${{ secrets.ARGOCD_TOKEN }}"""
APP = 'GREETING = "hello from {name}"\n\n\nif __name__ == "__main__":\n    print(GREETING)\n'
DOCKERFILE = "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY app.py /app/app.py\n"


def staging(service: str) -> str:
    return f"apps/{service}/overlays/staging/kustomization.yaml"


def production(service: str) -> str:
    return f"apps/{service}/overlays/production/kustomization.yaml"


def monorepo(images: str) -> dict[str, str]:
    """Three services, each its own folder, image (under `images`) and gate (flake8 on its
    folder)."""
    entries = "".join(
        f"  - name: {name}\n    context: services/{name}\n    image: {images}/{name}\n"
        f"    gate:\n      tools: flake8\n"
        for name in SERVICES
    )
    files = {"gitops-ci.services.yml": "services:\n" + entries}
    for name in SERVICES:
        files[f"services/{name}/app.py"] = APP.format(name=name)
        files[f"services/{name}/Dockerfile"] = DOCKERFILE
    return files


def infra(images: str) -> dict[str, str]:
    """examples/infra's app, once per service, each pinning its own image (under `images`)."""
    app = ROOT / "examples" / "infra" / "apps" / "myapp"
    files = {}
    for name in SERVICES:
        for path in app.rglob("*"):
            if path.is_file():
                text = path.read_text(encoding="utf-8").replace("ghcr.io/acme/myapp", f"{images}/{name}")
                files[f"apps/{name}/{path.relative_to(app)}"] = text.replace("myapp", name)
    return files


@dataclass(frozen=True)
class Run:
    act: ActRun
    images: str  # REGISTRY/NAMESPACE of the services' images
    artifacts: Path
    notifications: list[Any]
    before: dict[str, str]  # each infra file as it was before the run

    def repository(self, service: str) -> str:
        """The service's image repository inside the registry."""
        return f"{self.images.split('/', 1)[1]}/{service}"


def run_monorepo(
    tmp_path: Path,
    stack: Stack,
    forge: Forge,
    server: GitServer,
    fake: FakeGitHub,
    repositories: dict[str, Path],
    push: dict[str, str | None],
    *,
    partial: bool = False,
    argocd: FakeArgoCD | None = None,
) -> Run:
    images = f"{stack.registry.host}/{tmp_path.name}"  # the registry is shared by the tests
    forge.create_repo(INFRA, infra(images))
    before = {f: forge.read(INFRA, "main", f) for f in infra(images)}
    text = CALLER.format(
        python=sys.executable,
        base=stack.base_image,
        partial=str(partial).lower(),
        with_argocd=WITH_ARGOCD if argocd else "",
        secrets_argocd=SECRETS_ARGOCD if argocd else "",
    )
    with WebhookSink() as sink:
        secrets = {
            "INFRA_TOKEN": TOKEN,
            "REGISTRY_PASSWORD": stack.registry.password,
            "WEBHOOK_URL": sink.url,
        }
        if argocd:
            secrets.update(ARGOCD_SERVER=argocd.url, ARGOCD_TOKEN=ARGOCD_TOKEN)
        env = {
            **stack.buildah_env,
            "GITHUB_SERVER_URL": server.url,
            "GITHUB_API_URL": fake.url,
            "GITHUB_REPOSITORY": "acme/myapp",
        }
        run = run_act(
            tmp_path,
            text,
            files=monorepo(images),
            pushed=[push],
            secrets=secrets,
            env=env,
            cache=stack.act_cache,
            artifacts=tmp_path / "artifacts",
            repositories=repositories,
        )
        (tmp_path / "act.log").write_text(run.log, encoding="utf-8")  # kept for reading a failure
        for secret in secrets.values():
            assert secret not in run.log, "a secret reached the act log"
        return Run(run, images, tmp_path / "artifacts", list(sink.received), before)


def changed(service: str) -> dict[str, str | None]:
    return {f"services/{service}/app.py": APP.format(name=service) + "\nVERSION = 2\n"}


def broken(service: str) -> dict[str, str | None]:
    """A Dockerfile step that fails; its text looks like one of notify's `{name}` placeholders."""
    return {f"services/{service}/Dockerfile": DOCKERFILE + 'RUN test -n "${NOT_SET}"\n'}


def job_ended(log: str, job: str, how: str) -> bool:
    """act's line for the job's end (a matrix leg's name ends in -N)."""
    return (
        re.search(rf"\[services/gitops-monorepo/{re.escape(job)}(-\d+)? *\] 🏁  Job {how}", log) is not None
    )


def job_succeeded(log: str, job: str) -> bool:
    return job_ended(log, job, "succeeded")


def job_failed(log: str, job: str) -> bool:
    return job_ended(log, job, "failed")


def built(stack: Stack, run: Run, service: str) -> tuple[str, str]:
    """The sha- tag the registry holds for the service's image, and its digest."""
    repository = run.repository(service)
    (version,) = [t for t in stack.registry.tags(repository) if t.startswith("sha-")]
    digest = stack.registry.digest(repository, version)
    assert digest and digest.startswith("sha256:")
    return version, digest


def files_of(forge: Forge, commit: str) -> list[str]:
    """The files an infra commit changed."""
    out = git("diff-tree", "--no-commit-id", "--name-only", "-r", commit, cwd=forge.bare(INFRA))
    return sorted(out.split())


def uploaded(artifacts: Path) -> set[str]:
    """The artifacts act's server received (it keeps them as RUN/NAME/NAME.zip)."""
    return {p.parent.name for p in artifacts.glob("*/*/*.zip")}


def test_two_changed_services_are_built_side_by_side_and_deployed_in_one_infra_commit(
    tmp_path: Path,
    stack: Stack,
    forge: Forge,
    git_server: GitServer,
    github: FakeGitHub,
    artifact_actions: dict[str, Path],
    argocd: FakeArgoCD,
) -> None:
    for app in ("api", "web"):
        head = lambda: forge.branch_sha(INFRA, "main") or ""  # noqa: E731
        argocd.play(f"{app}-staging", following(f"{app}-staging", head, path=f"apps/{app}/overlays/staging"))
    push = {**changed("api"), **changed("web")}
    run = run_monorepo(tmp_path, stack, forge, git_server, github, artifact_actions, push, argocd=argocd)
    log = run.act.log
    assert run.act.returncode == 0, log[-6000:]
    for job in ("plan", "build api", "build web", "deploy", "verify", "notify"):
        assert job_succeeded(log, job), job
    assert "build worker" not in log, "an unchanged service was built"
    assert stack.registry.tags(run.repository("worker")) == []
    assert uploaded(run.artifacts) == {"gitops-ci-build-api", "gitops-ci-build-web"}

    # ONE infra commit holding both new pins; the third service and production untouched.
    history = forge.log(INFRA, "main")
    assert len(history) == 2, history
    head = forge.branch_sha(INFRA, "main")
    assert files_of(forge, head) == sorted(staging(s) for s in ("api", "web"))
    for service in ("api", "web"):
        version, digest = built(stack, run, service)
        pin = forge.read(INFRA, "main", staging(service))
        assert f'newTag: "{version}" # bumped by gitops-ci' in pin and f"digest: {digest}" in pin
        assert f"{run.images}/{service}" in pin
    for path in (staging("worker"), *(production(s) for s in SERVICES)):
        assert forge.read(INFRA, "main", path) == run.before[path], path
    message = forge.message(INFRA, "main").splitlines()
    for service in ("api", "web"):
        version, digest = built(stack, run, service)
        assert f"Image: {run.images}/{service}:{version}@{digest}" in message, message

    # Verified once: Argo CD was asked about both applications at that commit.
    assert argocd.gets_of("api-staging") and argocd.gets_of("web-staging")

    # One notification: success, a line per service with the reference deployed.
    (received,) = run.notifications
    payload = received.json()
    assert payload["status"] == "success"
    assert fields(received)["Stages"][0] == "✅ plan · ✅ build · ✅ deploy · ✅ verify"
    assert re.fullmatch(r"healthy in \d+ s", fields(received)["Deployment"][0])
    for service in ("api", "web"):
        version, digest = built(stack, run, service)
        assert (
            f"✅ {service}: deployed to staging, {run.images}/{service}:{version}@{digest}" in payload["text"]
        )
    assert "worker" not in payload["text"]
    assert fields(received)["Infra commit"][0] == head[:7]


def test_a_failed_build_deploys_nothing_and_names_the_service(
    tmp_path: Path,
    stack: Stack,
    forge: Forge,
    git_server: GitServer,
    github: FakeGitHub,
    artifact_actions: dict[str, Path],
) -> None:
    push = {**changed("api"), **broken("worker")}
    run = run_monorepo(tmp_path, stack, forge, git_server, github, artifact_actions, push)
    log = run.act.log
    assert run.act.returncode != 0, log[-6000:]
    assert job_succeeded(log, "build api") and job_failed(log, "build worker")
    assert job_failed(log, "deploy")
    # The leg that built handed its image on, the one that failed its reason.
    assert uploaded(run.artifacts) == {"gitops-ci-build-api", "gitops-ci-failed-worker"}
    built(stack, run, "api")  # it was built and pushed ...
    assert stack.registry.tags(run.repository("worker")) == []

    # ... but nothing is deployed: the infra repo is as it was, nothing was pushed to it.
    assert len(forge.log(INFRA, "main")) == 1 and git_server.pushes() == []
    why = 'build-and-push: the image build failed (exit code 1) at step: RUN test -n "${NOT_SET}"'
    assert f"❌ worker: build failed ({why})" in log
    assert f"| worker |  | ❌ build failed ({why}) |" in log  # the job summary's table

    (received,) = run.notifications
    payload = received.json()
    assert payload["status"] == "failure"
    got = fields(received)
    assert got["Failed stage"][0] == "build"
    assert got["Error"][0] == f"build failed: worker ({why})"
    # The text (a template) names it; the reason, which holds `{NOT_SET}`, is in the Error only.
    assert "❌ worker: build failed\n" in payload["text"] + "\n" and "NOT_SET" not in payload["text"]
    assert "⏸️ api: built, not deployed" in payload["text"]


def test_with_partial_the_services_that_built_are_deployed(
    tmp_path: Path,
    stack: Stack,
    forge: Forge,
    git_server: GitServer,
    github: FakeGitHub,
    artifact_actions: dict[str, Path],
) -> None:
    push = {**changed("api"), **broken("worker")}
    run = run_monorepo(tmp_path, stack, forge, git_server, github, artifact_actions, push, partial=True)
    log = run.act.log
    assert run.act.returncode != 0, "a failed build fails the run, partial or not"
    assert job_failed(log, "build worker") and job_succeeded(log, "deploy")

    history = forge.log(INFRA, "main")
    assert len(history) == 2, history
    head = forge.branch_sha(INFRA, "main")
    assert files_of(forge, head) == [staging("api")]
    version, digest = built(stack, run, "api")
    assert f"digest: {digest}" in forge.read(INFRA, "main", staging("api"))
    assert forge.read(INFRA, "main", staging("worker")) == run.before[staging("worker")]

    (received,) = run.notifications
    payload = received.json()
    assert payload["status"] == "failure" and fields(received)["Failed stage"][0] == "build"
    assert f"✅ api: deployed to staging, {run.images}/api:{version}@{digest}" in payload["text"]
    assert "❌ worker: build failed" in payload["text"]
    assert fields(received)["Infra commit"][0] == head[:7]


def test_a_push_that_changes_no_service_builds_deploys_and_notifies_nothing(
    tmp_path: Path,
    stack: Stack,
    forge: Forge,
    git_server: GitServer,
    github: FakeGitHub,
    artifact_actions: dict[str, Path],
) -> None:
    run = run_monorepo(tmp_path, stack, forge, git_server, github, artifact_actions, {"README.md": "docs\n"})
    log = run.act.log
    assert run.act.returncode == 0, log[-6000:]
    assert job_succeeded(log, "plan") and "::set-output:: count=0" in log
    for job in ("build", "deploy", "verify", "notify"):
        assert not job_ended(log, job, "succeeded") and not job_ended(log, job, "failed"), job
    assert uploaded(run.artifacts) == set() and run.notifications == []
    assert len(forge.log(INFRA, "main")) == 1 and git_server.pushes() == []
