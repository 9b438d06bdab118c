"""The fake Argo CD refuses what Argo CD's description does not allow: requests and answers."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from testing.argocd_fake import TOKEN, FakeArgoCD, application


def get(fake: FakeArgoCD, path: str, method: str = "GET", body: bytes | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(fake.url + path, data=body, method=method)
    request.add_header("Authorization", f"Bearer {TOKEN}")
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:  # noqa: S310 - loopback
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def fake() -> Any:
    server = FakeArgoCD().start()
    server.play("shop", [application("shop", "a" * 40)])
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("path", "method", "body", "why"),
    [
        ("/api/v1/applications/shop?refresh=soon", "GET", None, "refresh='soon'"),
        ("/api/v1/applications/shop?refesh=normal", "GET", None, "query parameter 'refesh' is not declared"),
        ("/api/v1/applications/shop?refresh=normal&refresh=hard", "GET", None, "given 2 times"),
        ("/api/v1/application/shop", "GET", None, "is not an operation"),
        ("/api/v1/applications/shop/status", "GET", None, "is not an operation"),
        ("/api/v1/applications/shop", "GET", b"{}", "takes no request body"),
    ],
)
def test_a_malformed_request_is_refused(
    fake: FakeArgoCD, path: str, method: str, body: bytes, why: str
) -> None:
    status, payload = get(fake, path, method, body)
    assert status == 400
    assert why in payload["message"]
    assert len(fake.violations) == 1 and why in fake.violations[0]


def test_a_documented_request_is_answered(fake: FakeArgoCD) -> None:
    status, payload = get(fake, "/api/v1/applications/shop?refresh=normal&appNamespace=argocd")
    assert status == 200 and payload["metadata"]["name"] == "shop"
    assert fake.violations == []


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda app: app["status"]["health"].update(status=3), "3 is not of type 'string'"),
        (lambda app: app["status"]["sync"].update(revisions="a"), "'a' is not of type 'array'"),
        (lambda app: app["status"].update(helth={"status": "Healthy"}), "'helth' was unexpected"),
    ],
)
def test_an_answer_outside_the_description_is_caught(fake: FakeArgoCD, change: Any, why: str) -> None:
    app = application("shop", "a" * 40)
    change(app)
    fake.play("shop", [app])
    status, _ = get(fake, "/api/v1/applications/shop")
    assert status == 500
    assert len(fake.violations) == 1 and why in fake.violations[0]
