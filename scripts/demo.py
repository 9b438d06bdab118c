"""`make demo`: the whole chain on examples/app, end to end, on this machine.

It starts a container registry and a webhook sink on loopback, makes a local infra repo from
examples/infra, and runs the top-level action (`uses: acme/gitops-ci@v1`, this checkout) with act
on the host: quality-gate → build-and-push (buildah) → bump-manifest (a commit to staging) →
verify (a stand-in Argo CD on loopback watches the infra repo and "syncs" the pushed commit after
a short delay) → notify (to the sink). Then it shows what a person wants to see, and leaves
everything in `.demo/`.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import sys
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from gitops_ci.doors import proc  # noqa: E402
from gitops_ci.secrets import Redactor  # noqa: E402
from gitops_ci_dev import TOOL_HINTS, find_tool  # noqa: E402
from gitops_ci_dev.act import ActRun, run_act  # noqa: E402
from gitops_ci_dev.containers import buildah_env, push_base_image  # noqa: E402
from gitops_ci_dev.local_registry import LocalRegistry, running_registry  # noqa: E402
from gitops_ci_dev.sink import WebhookSink  # noqa: E402

# The stand-in Argo CD is the tests' fake, which checks every request and answer against Argo
# CD's own API description (the dev environment `make demo` runs in has its dependencies).
sys.path.insert(0, str(ROOT / "tests"))
from testing.argocd_fake import TOKEN as ARGOCD_TOKEN, FakeArgoCD, following  # type: ignore[import-not-found]  # noqa: E402,E501

DEMO = ROOT / ".demo"
# The environment the chain's act runs build once and reuse (kept with the venv, outside .demo).
ACT_CACHE = ROOT / ".venv" / "demo-act-cache"
NEEDED = ("git", "buildah", "docker-registry", "htpasswd", "busybox", "act")

WORKFLOW = """name: deploy
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - id: chain
        uses: acme/gitops-ci@v1
        with:
          working-directory: {app}
          python: {python}
          report-dir: {reports}
          image: {image}
          build-args: BASE_IMAGE={base}
          registry-username: demo
          registry-password: ${{{{ secrets.REGISTRY_PASSWORD }}}}
          infra-repo: {infra}
          environment: staging
          mode: commit
          argocd-server: {argocd}
          argocd-token: ${{{{ secrets.ARGOCD_TOKEN }}}}
          argocd-applications: myapp-staging
          verify-timeout: "60"
          webhook-url: ${{{{ secrets.WEBHOOK_URL }}}}
      - name: outputs
        if: always()
        env:
          IMAGE_REF: ${{{{ steps.chain.outputs.image-ref }}}}
          DIGEST: ${{{{ steps.chain.outputs.digest }}}}
          TAGS: ${{{{ steps.chain.outputs.tags }}}}
          COMMIT: ${{{{ steps.chain.outputs.commit-sha }}}}
          FAILED: ${{{{ steps.chain.outputs.failed-stage }}}}
          DEPLOYMENT: ${{{{ steps.chain.outputs.deployment }}}}
        run: |
          set -euo pipefail
          echo "demo-output image-ref=$IMAGE_REF"
          echo "demo-output digest=$DIGEST"
          echo "demo-output tags=${{TAGS//$'\\n'/ }}"
          echo "demo-output commit=$COMMIT"
          echo "demo-output failed-stage=$FAILED"
          echo "demo-output deployment=$DEPLOYMENT"
"""


def banner(text: str) -> None:
    print(f"\n=== {text} ===", flush=True)


def preflight(find: Callable[[str], str | None] = find_tool, euid: int | None = None) -> list[str]:
    """What is missing, each with how to get it; empty when the demo can run."""
    problems = [f"{name}: {TOOL_HINTS[name]}" for name in NEEDED if find(name) is None]
    if (os.geteuid() if euid is None else euid) != 0:
        problems.append(
            "root: buildah builds here daemonless (vfs storage, chroot isolation), which needs root; "
            "run `sudo make demo` (or in a root container)"
        )
    return problems


def git(*args: str, cwd: Path | None = None) -> str:
    ident = ["-c", "user.name=Demo", "-c", "user.email=demo@example.invalid"]
    return proc.run(["git", *ident, *args], redactor=Redactor(), cwd=str(cwd) if cwd else None).stdout


def make_infra_repo(image: str) -> Path:
    """examples/infra as a bare repo, pinning the image under the local registry's name."""
    seed = DEMO / "infra-seed"
    shutil.copytree(ROOT / "examples" / "infra", seed)
    for path in seed.rglob("*.yaml"):
        path.write_text(
            path.read_text(encoding="utf-8").replace("ghcr.io/acme/myapp", image), encoding="utf-8"
        )
    git("init", "-q", "-b", "main", cwd=seed)
    git("add", "-A", cwd=seed)
    git("commit", "-qm", "Initial infra repo", cwd=seed)
    git("clone", "-q", "--bare", str(seed), str(DEMO / "infra.git"))
    shutil.rmtree(seed)
    return DEMO / "infra.git"


def app_files() -> dict[str, str]:
    app = ROOT / "examples" / "app"
    return {
        f"app/{p.relative_to(app)}": p.read_text(encoding="utf-8")
        for p in app.rglob("*")
        if p.is_file() and ".github" not in p.parts and "__pycache__" not in p.parts
    }


def stand_in_argocd(infra: Path) -> FakeArgoCD:
    """Argo CD's stand-in: its application follows the infra repo's main, syncing a new commit
    2 s after it lands."""
    fake = FakeArgoCD().start()
    head = lambda: git("--git-dir", str(infra), "rev-parse", "main").strip()  # noqa: E731
    fake.play("myapp-staging", following("myapp-staging", head, delay=2.0))
    return fake


def run_chain(
    registry: LocalRegistry, base: str, env: dict[str, str], infra: Path, sink: WebhookSink, argocd: str
) -> ActRun:
    work = DEMO / "act"
    workflow = WORKFLOW.format(
        app=work / "workspace" / "app",
        python=sys.executable,
        reports=DEMO / "reports",
        image=f"{registry.host}/acme/myapp",
        base=base,
        infra=infra.as_uri(),
        argocd=argocd,
    )
    print(
        f"$ act push  (uses: acme/gitops-ci@v1 → this checkout; workflow in {work / 'workspace'})", flush=True
    )
    return run_act(
        work,
        workflow,
        files=app_files(),
        secrets={
            "REGISTRY_PASSWORD": registry.password,
            "WEBHOOK_URL": sink.url,
            "ARGOCD_TOKEN": ARGOCD_TOKEN,
        },
        env={**env, "GITHUB_REPOSITORY": "acme/myapp"},
        cache=ACT_CACHE,
    )


def summaries(log: str) -> list[str]:
    """The step summaries act prints (`Summary - <markdown>`), each once, in order."""
    found: list[str] = []
    for match in re.finditer(r"Summary - (.*?)(?=\n\[|\Z)", log, re.DOTALL):
        text = match.group(1).strip()
        if text not in found:
            found.append(text)
    return found


def outputs(log: str) -> dict[str, str]:
    return dict(re.findall(r"\| demo-output ([\w-]+)=(.*)", log))


def deploy_history(infra: Path) -> str:
    clone = DEMO / "infra-clone"
    git("clone", "-q", str(infra), str(clone))
    done = proc.run(
        [sys.executable, "-m", "gitops_ci", "history", "--infra-dir", str(clone)],
        redactor=Redactor(),
        check=False,
    )
    return (done.stdout + done.stderr).rstrip()


def show(run: ActRun, infra: Path, sink: WebhookSink) -> int:
    (DEMO / "act.log").write_text(run.log, encoding="utf-8")
    parts = summaries(run.log)
    (DEMO / "summary.md").write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    out = outputs(run.log)
    banner("quality-gate")
    print(next((p for p in parts if p.startswith("## quality-gate")), "(no gate summary: see .demo/act.log)"))
    banner("build-and-push: image and digest")
    for name in ("image-ref", "digest", "tags"):
        print(f"{name:10} {out.get(name) or '-'}")
    banner("bump-manifest: the infra repo's new commit (staging)")
    print(git("--git-dir", str(infra), "show", "--format=commit %H%n%n%B", "HEAD"))
    banner("verify: Argo CD synced the commit and the app is healthy")
    print(
        next(
            (p for p in parts if p.startswith("### verify-deployment")),
            "(no verify summary: see .demo/act.log)",
        )
    )
    print(f"deployment {out.get('deployment') or '-'}")
    banner("history: who deployed what, when (read back from the commit trailers)")
    print(deploy_history(infra))
    banner("notify: the payload the webhook received")
    payloads = [r.json() for r in sink.received]
    (DEMO / "notification.json").write_text(
        json.dumps(payloads, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    print(json.dumps(payloads[-1], indent=2, ensure_ascii=False) if payloads else "(nothing was received)")
    failed = out.get("failed-stage", "")
    banner("done" if run.succeeded and not failed else f"the chain failed at {failed or 'a stage'}")
    print(f"artifacts in {DEMO}/:")
    for name, what in (
        ("summary.md", "every step summary (gate table, build, bump, verify, notify)"),
        ("reports/", "the gate's JSON and JUnit reports"),
        ("notification.json", "what the webhook received"),
        ("infra.git", "the infra repo: `git --git-dir .demo/infra.git log -p`"),
        ("act.log", "the whole run"),
    ):
        print(f"  {name:18} {what}")
    return 0 if run.succeeded and not failed else 1


def main() -> int:
    problems = preflight()
    if problems:
        print("make demo cannot run here; missing:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        print(
            "On Debian, as root, `bash scripts/install-system-deps.sh` installs the packages.",
            file=sys.stderr,
        )
        return 1
    shutil.rmtree(DEMO, ignore_errors=True)
    (DEMO / "reports").mkdir(parents=True)
    banner("starting a registry, a webhook sink and a local infra repo")
    password = secrets.token_urlsafe(16)
    with running_registry(DEMO / "registry", "demo", password) as registry, WebhookSink() as sink:
        env = buildah_env(DEMO / "containers", registry)
        base = push_base_image(DEMO, registry, env)
        infra = make_infra_repo(f"{registry.host}/acme/myapp")
        print(f"registry    {registry.url} (user demo)")
        print(
            f"base image  {base} (busybox built here, standing in for python:3.12-alpine: nothing is pulled)"
        )
        print(f"infra repo  {infra}")
        print(f"webhook     {sink.url}")
        argocd = stand_in_argocd(infra)
        print(f"argo cd     {argocd.url} (stand-in: syncs each new infra commit after 2 s)")
        banner("the chain: quality-gate → build-and-push → bump-manifest (staging, commit) → verify → notify")
        try:
            run = run_chain(registry, base, env, infra, sink, argocd.url)
        finally:
            argocd.stop()
        return show(run, infra, sink)


if __name__ == "__main__":
    sys.exit(main())
