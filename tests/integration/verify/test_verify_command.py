"""`gitops-ci verify-deployment` end to end in one process: inputs from INPUT_* variables as the
action passes them, the fake Argo CD on loopback, outputs and summary read back as the runner
reads them; the token appears nowhere."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

from gitops_ci import main as cli
from testing.argocd_fake import REPO_URL, TOKEN, FakeArgoCD, application, resource
from gitops_ci_dev.local_registry import Tls
from testing.outputs import read_github_output
from testing.tls import make_server_cert


@pytest.fixture
def runner(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "defaults.yml").write_text("", encoding="utf-8")
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        "GITOPS_CI_DEFAULTS": str(tmp_path / "defaults.yml"),
    }


def run(
    fake: FakeArgoCD, runner: dict[str, str], revision: str, **inputs: str
) -> tuple[int, str, dict[str, str], str]:
    env = {
        **runner,
        "INPUT_ARGOCD_SERVER": fake.url,
        "INPUT_ARGOCD_TOKEN": TOKEN,
        "INPUT_REVISION": revision,
        "INPUT_POLL_INTERVAL": "0.02",
        "INPUT_TIMEOUT": "2",
        **{f"INPUT_{k.upper()}": v for k, v in inputs.items()},
    }
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["verify-deployment"], env, out, err)
    outputs = read_github_output(Path(runner["GITHUB_OUTPUT"]).read_text(encoding="utf-8"))
    summary = (
        Path(runner["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")
        if Path(runner["GITHUB_STEP_SUMMARY"]).exists()
        else ""
    )
    log = out.getvalue() + err.getvalue()
    shown = "\n".join(line for line in log.splitlines() if not line.startswith("::add-mask::"))
    for text in (shown, summary, *outputs.values()):
        assert TOKEN not in text
    return code, log, outputs, summary


def commit(repo: Path, message: str) -> str:
    subprocess.run(["git", "-C", str(repo), "commit", "-q", "--allow-empty", "-m", message], check=True)
    return subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], check=True, capture_output=True, text=True
    ).stdout.strip()


NEW = "a" * 40


def test_healthy(argocd: FakeArgoCD, runner: dict[str, str]) -> None:
    argocd.play("shop", [application("shop", "b" * 40), application("shop", NEW)])
    code, log, outputs, summary = run(argocd, runner, NEW, applications="shop")
    assert code == 0, log
    assert f"::add-mask::{TOKEN}" in log  # masked at birth
    assert (outputs["healthy"], outputs["synced"]) == ("true", "true")
    assert outputs["message"].startswith("healthy in ") and outputs["message"].endswith(" s")
    assert float(outputs["duration"]) >= 0
    apps = json.loads(outputs["applications"])
    assert apps == [
        {
            "name": "shop",
            "sync": "Synced",
            "health": "Healthy",
            "revision": NEW,
            "operation": "Succeeded",
            "healthy": True,
            "url": f"{argocd.url}/applications/argocd/shop",
            "message": "",
        }
    ]
    assert (
        f"| [shop]({argocd.url}/applications/argocd/shop) | Synced | Healthy | `{NEW[:12]}` | Succeeded |"
        in summary
    )
    assert argocd.calls[0].authorization == f"Bearer {TOKEN}"


def test_discovered_and_descendant_through_the_infra_checkout(
    argocd: FakeArgoCD, runner: dict[str, str], tmp_path: Path
) -> None:
    infra = tmp_path / "infra"
    subprocess.run(["git", "init", "-q", str(infra)], check=True)
    subprocess.run(["git", "-C", str(infra), "config", "user.email", "t@example.test"], check=True)
    subprocess.run(["git", "-C", str(infra), "config", "user.name", "t"], check=True)
    ours = commit(infra, "bump shop")
    later = commit(infra, "bump cart")  # another pipeline's bump landed on top: Argo CD syncs that
    argocd.play("shop", [application("shop", later, path="apps/shop")])
    code, log, outputs, _ = run(
        argocd,
        runner,
        ours,
        infra_repo=REPO_URL,
        changed_files="apps/shop/deployment.yaml",
        infra_dir=str(infra),
    )
    assert code == 0, log
    assert json.loads(outputs["applications"])[0]["revision"] == later


def test_degraded_fails_the_step_with_the_resources(argocd: FakeArgoCD, runner: dict[str, str]) -> None:
    bad = [resource("Deployment", "shop", "Degraded", "exceeded its progress deadline")]
    argocd.play("shop", [application("shop", NEW, health="Degraded", resources=bad)])
    code, log, outputs, summary = run(argocd, runner, NEW, applications="shop", degraded_grace="0")
    assert code == 1
    assert outputs["healthy"] == "false"
    assert "Deployment shop/shop: Degraded (exceeded its progress deadline)" in outputs["message"]
    assert outputs["error"].startswith("verify-deployment: shop: Degraded for ")
    assert "::error::verify-deployment: shop: Degraded" in log
    assert "❌" in summary and "| Degraded |" in summary


def test_wrong_token_is_exit_1_and_the_token_is_not_shown(argocd: FakeArgoCD, runner: dict[str, str]) -> None:
    argocd.play("shop", [application("shop", NEW)])
    argocd.token = "the-right-one-Jd8s7Fh2"
    code, log, outputs, _ = run(argocd, runner, NEW, applications="shop")
    assert code == 1
    assert "Argo CD refused the token (HTTP 401" in outputs["error"]
    assert "Traceback" not in log


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"INPUT_REVISION": "abc123"}, "input 'revision': 'abc123' is not a full commit SHA"),
        ({"INPUT_ARGOCD_SERVER": ""}, "input 'argocd-server' is required"),
        ({"INPUT_ARGOCD_TOKEN": ""}, "input 'argocd-token' is required"),
        ({"INPUT_TIMEOUT": "soon"}, "input 'timeout': 'soon' is not a number of seconds"),
        ({"INPUT_CA_BUNDLE": "missing.pem"}, "input 'ca-bundle': 'missing.pem' is not a file"),
    ],
)
def test_bad_input_is_a_user_error(
    argocd: FakeArgoCD, runner: dict[str, str], inputs: dict[str, str], message: str
) -> None:
    env = {
        **runner,
        "INPUT_ARGOCD_SERVER": argocd.url,
        "INPUT_ARGOCD_TOKEN": TOKEN,
        "INPUT_REVISION": NEW,
        **inputs,
    }
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["verify-deployment", "--applications", "shop"], env, out, err) == 1
    assert message in out.getvalue() and "Traceback" not in err.getvalue()
    assert argocd.calls == []  # nothing asked of Argo CD


def test_refresh_false_never_asks_argo_cd_to_refresh(argocd: FakeArgoCD, runner: dict[str, str]) -> None:
    argocd.play("shop", [application("shop", NEW)])
    code, log, _, _ = run(argocd, runner, NEW, applications="shop", refresh="false")
    assert code == 0, log
    assert [c.query for c in argocd.gets_of("shop")] == [{}]


@pytest.fixture
def argocd_tls(tmp_path: Path) -> Iterator[tuple[FakeArgoCD, Tls]]:
    tls = make_server_cert(tmp_path / "tls", "argocd")
    fake = FakeArgoCD(tls=tls).start()
    fake.play("shop", [application("shop", NEW)])
    yield fake, tls
    fake.stop()
    assert not fake.violations


def test_a_self_signed_server_needs_its_ca_bundle(
    argocd_tls: tuple[FakeArgoCD, Tls], runner: dict[str, str]
) -> None:
    fake, tls = argocd_tls
    code, _, outputs, _ = run(fake, runner, NEW, applications="shop", timeout="60")
    assert code == 1  # at once: an untrusted certificate is not retried until the timeout
    assert outputs["error"].startswith("could not reach Argo CD over TLS: SSLCertVerificationError")
    assert "ca-bundle" in outputs["error"]
    assert fake.gets_of("shop") == []  # the handshake failed before any request
    code, log, outputs, _ = run(fake, runner, NEW, applications="shop", ca_bundle=tls.ca)
    assert code == 0, log
    assert outputs["healthy"] == "true"


def test_insecure_skips_the_certificate_check_with_a_warning(
    argocd_tls: tuple[FakeArgoCD, Tls], runner: dict[str, str]
) -> None:
    fake, _ = argocd_tls
    code, log, outputs, _ = run(fake, runner, NEW, applications="shop", insecure="true")
    assert code == 0 and outputs["healthy"] == "true"
    assert "::warning::verify-deployment: insecure is true" in log
