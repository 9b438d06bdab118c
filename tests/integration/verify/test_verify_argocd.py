"""The verify engine against the fake Argo CD on loopback: each scenario of issue 14."""

from __future__ import annotations

import pytest

from gitops_ci.errors import UserError
from gitops_ci.doors.http import Http
from gitops_ci.engines.verify import core
from gitops_ci.engines.verify.argocd import ArgoCD
from gitops_ci.engines.verify.model import Inputs, Result, Target, Timing
from testing.argocd_fake import REPO_URL, TOKEN, FakeArgoCD, application, resource

NEW = "a" * 40
OLD = "b" * 40
POLL = 0.02


def verify(
    fake: FakeArgoCD,
    *,
    apps: tuple[str, ...] = ("shop",),
    timeout: float = 2.0,
    grace: float = 0.3,
    token: str = TOKEN,
    infra_repo: str = "",
    changed: tuple[str, ...] = (),
    ancestry: core.Ancestry = core.exact,
) -> Result:
    backend = ArgoCD(fake.url, token, Http(), poll_interval=POLL)
    target = Target(NEW, apps, infra_repo, changed)
    return core.run(Inputs(target, Timing(timeout, POLL, grace)), core.Services(backend, ancestry))


def test_stale_revision_then_synced(argocd: FakeArgoCD) -> None:
    argocd.play(
        "shop",
        [
            application("shop", OLD),
            application("shop", NEW, sync="OutOfSync", health="Healthy"),
            application("shop", NEW, sync="Synced", health="Progressing", phase="Running"),
            application("shop", NEW),
        ],
    )
    result = verify(argocd)
    assert result.healthy and result.synced and result.problem == ""
    assert [r.state.revisions for r in result.apps] == [(NEW,)]
    gets = argocd.gets_of("shop")
    assert len(gets) == 4
    assert gets[0].query == {"refresh": ["normal"]}  # the first read asks Argo CD to refresh
    assert all(c.query == {} for c in gets[1:])


def test_progressing_then_healthy(argocd: FakeArgoCD) -> None:
    frames = [application("shop", NEW, health="Progressing", phase="Running")] * 3 + [
        application("shop", NEW)
    ]
    argocd.play("shop", frames)
    result = verify(argocd)
    assert result.healthy
    assert len(argocd.gets_of("shop")) == 4


def test_degraded_within_the_grace_is_tolerated(argocd: FakeArgoCD) -> None:
    degraded = application(
        "shop", NEW, health="Degraded", resources=[resource("Deployment", "shop", "Degraded")]
    )
    argocd.play("shop", [degraded] * 3 + [application("shop", NEW)])
    assert verify(argocd, grace=60).healthy


def test_degraded_past_the_grace_fails_with_the_unhealthy_resources(argocd: FakeArgoCD) -> None:
    bad = [
        resource("Deployment", "shop", "Degraded", 'Deployment "shop" exceeded its progress deadline'),
        resource("Service", "shop", "Healthy"),
        resource("Pod", "shop-7d9", "Degraded", "Back-off restarting failed container", namespace="shop"),
    ]
    argocd.play("shop", [application("shop", NEW, health="Degraded", resources=bad)])
    result = verify(argocd, grace=0.1, timeout=5)
    assert not result.healthy and result.synced
    assert "shop: Degraded for" in result.problem and "past the degraded-grace" in result.problem
    assert (
        'Deployment shop/shop: Degraded (Deployment "shop" exceeded its progress deadline)' in result.problem
    )
    assert "Pod shop/shop-7d9: Degraded (Back-off restarting failed container)" in result.problem
    assert "Service" not in result.problem


def test_operation_failed_fails_at_once_with_its_message(argocd: FakeArgoCD) -> None:
    failed = application(
        "shop",
        NEW,
        sync="OutOfSync",
        health="Healthy",
        phase="Failed",
        message='one or more objects failed to apply, reason: Deployment.apps "shop" is invalid',
    )
    argocd.play("shop", [failed])
    result = verify(argocd, timeout=5)
    assert not result.healthy
    assert result.problem == (
        "shop: the sync operation ended Failed: one or more objects failed to apply, "
        'reason: Deployment.apps "shop" is invalid'
    )
    assert len(argocd.gets_of("shop")) == 1


def test_an_old_failed_operation_does_not_fail_the_new_commit(argocd: FakeArgoCD) -> None:
    old_failure = application("shop", OLD, phase="Failed", message="old")
    argocd.play("shop", [old_failure, old_failure, application("shop", NEW)])
    assert verify(argocd).healthy


def test_multi_source_app_matches_the_infra_repo_source(argocd: FakeArgoCD) -> None:
    sources = [
        {"repoURL": "https://charts.example.test/stable", "chart": "shop", "targetRevision": "1.2.3"},
        {"repoURL": REPO_URL, "path": "apps/shop/values", "targetRevision": "main", "ref": "values"},
    ]
    argocd.play(
        "shop",
        [
            application("shop", "", sources=sources, revisions=["1.2.3", OLD]),
            application("shop", "", sources=sources, revisions=["1.2.3", NEW]),
        ],
    )
    result = verify(argocd, infra_repo="acme/infra")
    assert result.healthy
    assert result.apps[0].state.revisions == (NEW,)


def test_applications_are_discovered_by_repo_and_changed_path(argocd: FakeArgoCD) -> None:
    argocd.play("shop", [application("shop", NEW, path="apps/shop/overlays/staging")])
    argocd.play("shop-prod", [application("shop-prod", OLD, path="apps/shop/overlays/prod")])
    argocd.play(
        "other-repo",
        [
            application(
                "other-repo",
                OLD,
                sources=[{"repoURL": "https://x.test/y", "path": "apps/shop/overlays/staging"}],
                revisions=[OLD],
            )
        ],
    )
    result = verify(
        argocd,
        apps=(),
        infra_repo="git@git.example.test:acme/infra.git",
        changed=("apps/shop/overlays/staging/kustomization.yaml",),
    )
    assert result.healthy
    assert [r.state.name for r in result.apps] == ["shop"]
    assert argocd.calls[0].path == "/api/v1/applications"


def test_no_discovered_application_is_a_user_error(argocd: FakeArgoCD) -> None:
    argocd.play("shop", [application("shop", NEW, path="apps/shop")])
    with pytest.raises(UserError, match="no Argo CD application deploys the changed files") as info:
        verify(argocd, apps=(), infra_repo=REPO_URL, changed=("apps/cart/deploy.yaml",))
    assert "applications:" in (info.value.fix or "")


def test_descendant_of_the_infra_commit_counts(argocd: FakeArgoCD) -> None:
    later = "c" * 40
    argocd.play("shop", [application("shop", later)])
    assert not verify(argocd, timeout=0.3).healthy  # without history: only the commit itself
    argocd.play("shop", [application("shop", later)])
    assert verify(argocd, ancestry=lambda wanted, candidate: (wanted, candidate) == (NEW, later)).healthy


def test_unknown_application(argocd: FakeArgoCD) -> None:
    with pytest.raises(UserError, match=r"Argo CD has no application 'cart'") as info:
        verify(argocd, apps=("cart",))
    assert "argocd app list" in (info.value.fix or "")


def test_wrong_token_is_a_401_error_that_never_shows_the_token(argocd: FakeArgoCD) -> None:
    argocd.play("shop", [application("shop", NEW)])
    wrong = "wrong-token-Hk3Lm9Qp2Zx8"
    with pytest.raises(UserError, match=r"Argo CD refused the token \(HTTP 401") as info:
        verify(argocd, token=wrong)
    assert wrong not in str(info.value) and wrong not in (info.value.fix or "")
    assert "generate-token" in (info.value.fix or "")
    assert argocd.calls[0].authorization == f"Bearer {wrong}"


def test_403_names_the_missing_permission(argocd: FakeArgoCD) -> None:
    argocd.play("shop", [application("shop", NEW)])
    argocd.fail_next(403)
    with pytest.raises(UserError, match=r"lacks `applications, get`") as info:
        verify(argocd)
    assert "argocd-rbac-cm" in (info.value.fix or "")


def test_5xx_twice_then_fine(argocd: FakeArgoCD) -> None:
    argocd.play("shop", [application("shop", NEW)])
    argocd.fail_next(503, times=2)
    result = verify(argocd)
    assert result.healthy
    assert [c.status for c in argocd.calls] == [503, 503, 200]


def test_never_synced_times_out_with_what_was_last_seen(argocd: FakeArgoCD) -> None:
    argocd.play("shop", [application("shop", OLD, sync="OutOfSync", phase="")])
    result = verify(argocd, timeout=0.5)
    assert not result.healthy and not result.synced
    assert result.problem.startswith(f"not healthy at {NEW[:12]} within the 0.5 s timeout; last seen: ")
    assert f"shop: sync OutOfSync at {OLD[:12]}, health Healthy, no operation yet" in result.problem
    assert "auto-sync" in result.problem and "raise timeout" in result.problem


def test_server_down_is_retried_then_a_timeout_naming_the_connection(argocd: FakeArgoCD) -> None:
    url = argocd.url
    argocd.stop()
    backend = ArgoCD(url, TOKEN, Http(), poll_interval=POLL)
    result = core.run(Inputs(Target(NEW, ("shop",)), Timing(0.5, POLL, 1)), core.Services(backend))
    assert not result.healthy
    assert "no answer from Argo CD: connection failed: ConnectionRefusedError" in result.problem


def test_a_server_that_is_not_argo_cd(scripted_server: str) -> None:
    from testing.scripted import Scripted

    Scripted.play([(200, {"Content-Type": "text/html"}, b"<!doctype html><title>Argo CD</title>")])
    backend = ArgoCD(f"http://{scripted_server}", TOKEN, Http(), poll_interval=POLL)
    with pytest.raises(UserError, match="does not look like the Argo CD API") as info:
        core.run(Inputs(Target(NEW, ("shop",)), Timing(1, POLL, 1)), core.Services(backend))
    assert "<!doctype html>" in str(info.value) and "base URL" in (info.value.fix or "")
