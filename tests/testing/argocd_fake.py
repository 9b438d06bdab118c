"""A local fake of the Argo CD API endpoints gitops-ci reads, honest to Argo CD's description.

Every request is checked against the committed Swagger subset (`tests/argocd-openapi/`:
path, method, declared query parameters, no body on a GET) and every body it answers against
the documented response schema, with no property the schema does not name; a violation answers
400/500 and is kept in `violations`, which the fixture asserts empty.

Each application plays a script: a list of Application objects, one per GET of it (the last
repeats), or a function of (GETs so far, seconds since the script started). Faults (an HTTP
status for the next requests) are injected with `fail_next()`.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from gitops_ci_dev.local_registry import Tls
from testing import openapi
from testing.loopback import LoopbackServer

TOKEN = "argocd-token-Zq8vN3xK5pLw2Rt7"  # noqa: S105 - a test token
SPEC = openapi.Spec(Path(__file__).resolve().parents[1] / "argocd-openapi" / "subset.json", strict=True)
REPO_URL = "https://git.example.test/acme/infra.git"

Frames = list[dict[str, Any]] | Callable[[int, float], dict[str, Any]]


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    query: dict[str, list[str]]
    status: int
    authorization: str


@dataclass
class Script:
    frames: Frames
    gets: int = 0
    started: float = field(default_factory=time.monotonic)

    def next(self) -> dict[str, Any]:
        self.gets += 1
        if callable(self.frames):
            return self.frames(self.gets, time.monotonic() - self.started)
        return self.frames[min(self.gets, len(self.frames)) - 1]


def resource(kind: str, name: str, health: str, message: str = "", namespace: str = "shop") -> dict[str, Any]:
    body: dict[str, Any] = {"kind": kind, "name": name, "namespace": namespace, "status": "Synced"}
    body["health"] = {"status": health, **({"message": message} if message else {})}
    body["group"], body["version"] = ("apps", "v1") if kind == "Deployment" else ("", "v1")
    return body


def application(
    name: str,
    revision: str,
    *,
    sync: str = "Synced",
    health: str = "Healthy",
    phase: str = "Succeeded",
    message: str = "",
    resources: list[dict[str, Any]] | None = None,
    path: str = "apps/shop/overlays/staging",
    sources: list[dict[str, Any]] | None = None,
    revisions: list[str] | None = None,
    namespace: str = "argocd",
) -> dict[str, Any]:
    """An Application as Argo CD serves it; `sources` + `revisions` make it multi-source."""
    spec: dict[str, Any] = {
        "project": "default",
        "destination": {"server": "https://kubernetes.default.svc", "namespace": "shop"},
        "syncPolicy": {"automated": {"prune": True, "selfHeal": True}},
    }
    sync_status: dict[str, Any] = {"status": sync}
    if sources is not None:
        spec["sources"] = sources
        sync_status["revisions"] = revisions or []
    else:
        spec["source"] = {"repoURL": REPO_URL, "path": path, "targetRevision": "main"}
        sync_status["revision"] = revision
    status: dict[str, Any] = {
        "sync": sync_status,
        "health": {"status": health},
        "resources": resources
        or [resource("Deployment", "shop", health if health != "Progressing" else "Healthy")],
        "reconciledAt": "2026-12-02T01:00:00Z",
    }
    if phase:
        result = {"revisions": revisions or []} if sources is not None else {"revision": revision}
        status["operationState"] = {
            "phase": phase,
            "message": message or ("successfully synced (all tasks run)" if phase == "Succeeded" else ""),
            "startedAt": "2026-12-02T01:00:00Z",
            "operation": {"sync": dict(result)},
            "syncResult": result,
        }
    return {
        "metadata": {"name": name, "namespace": namespace, "resourceVersion": "1"},
        "spec": spec,
        "status": status,
    }


def following(
    name: str,
    head: Callable[[], str],
    *,
    delay: float = 0.3,
    health: str = "Healthy",
    resources: list[dict[str, Any]] | None = None,
    path: str = "apps/myapp/overlays/staging",
) -> Callable[[int, float], dict[str, Any]]:
    """A stand-in Argo CD "watching" the infra repo: a new head commit (`head()`) is OutOfSync,
    then syncing, for `delay` seconds after it is first seen, then Synced with `health`."""
    first_seen: dict[str, float] = {}

    def frame(gets: int, elapsed: float) -> dict[str, Any]:
        sha = head()
        since = elapsed - first_seen.setdefault(sha, elapsed)
        if since < delay / 2:
            return application(name, sha, sync="OutOfSync", phase="", path=path)
        if since < delay:
            return application(name, sha, health="Progressing", phase="Running", path=path)
        return application(name, sha, health=health, resources=resources, path=path)

    return frame


def runtime_error(status: int, message: str) -> dict[str, Any]:
    codes = {401: 16, 403: 7, 404: 5, 500: 13, 502: 14, 503: 14}
    return {"error": message, "code": codes.get(status, 2), "message": message}


class FakeArgoCD(LoopbackServer):
    def __init__(self, token: str = TOKEN, *, tls: Tls | None = None) -> None:
        self.token = token
        self.scripts: dict[str, Script] = {}
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.faults: list[int] = []
        self._lock = threading.RLock()
        super().__init__(_handler_for(self))
        self.tls = tls
        if tls is not None:  # HTTPS with a certificate of a CA trusted nowhere unless a test says so
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls.certificate, tls.key)
            self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)

    @property
    def url(self) -> str:
        plain = super().url
        return plain.replace("http://", "https://", 1) if self.tls is not None else plain

    def play(self, name: str, frames: Frames) -> None:
        with self._lock:
            self.scripts[name] = Script(frames)

    def fail_next(self, status: int, *, times: int = 1) -> None:
        with self._lock:
            self.faults.extend([status] * times)

    def handle(self, method: str, raw_path: str, auth: str, body: bytes) -> tuple[int, Any]:
        parsed = urllib.parse.urlsplit(raw_path)
        query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        status, payload = self._answer(method, parsed.path, query, auth, body)
        with self._lock:
            self.calls.append(Call(method, parsed.path, query, status, auth))
        return status, payload

    def _answer(
        self, method: str, path: str, query: dict[str, list[str]], auth: str, body: bytes
    ) -> tuple[int, Any]:
        try:
            op = SPEC.find(method, path)
            SPEC.validate_request(op, query, json.loads(body) if body else None)
            if query.get("refresh", ["normal"])[0] not in ("normal", "hard"):
                raise openapi.SpecViolation(f"refresh={query['refresh'][0]!r}: Argo CD knows normal and hard")
        except (openapi.SpecViolation, ValueError) as exc:
            self._violation(str(exc))
            return 400, runtime_error(400, str(exc))
        status, payload = self._dispatch(op, query, auth)
        try:
            SPEC.validate_response(op, status, payload)
        except openapi.SpecViolation as exc:
            self._violation(str(exc))
            return 500, runtime_error(500, "the fake's answer broke the description")
        return status, payload

    def _violation(self, text: str) -> None:
        with self._lock:
            self.violations.append(text)

    def _dispatch(self, op: openapi.Operation, query: dict[str, list[str]], auth: str) -> tuple[int, Any]:
        with self._lock:
            fault = self.faults.pop(0) if self.faults else None
        if fault is not None:
            return fault, runtime_error(fault, "injected fault")
        if auth != f"Bearer {self.token}":
            return 401, runtime_error(401, "invalid session: token signature is invalid")
        if op.operation_id == "ApplicationService_List":
            with self._lock:
                return 200, {"metadata": {}, "items": [s.next() for s in self.scripts.values()]}
        name = urllib.parse.unquote(op.params["name"])
        with self._lock:
            script = self.scripts.get(name)
            if script is None:
                return 404, runtime_error(404, f'applications.argoproj.io "{name}" not found')
            return 200, script.next()

    def gets_of(self, name: str) -> list[Call]:
        return [c for c in self.calls if c.path == f"/api/v1/applications/{name}"]


def _handler_for(fake: FakeArgoCD) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
            return None

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, payload = fake.handle(
                self.command, self.path, self.headers.get("Authorization", ""), body
            )
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

    return Handler


@pytest.fixture
def argocd() -> Iterator[FakeArgoCD]:
    fake = FakeArgoCD().start()
    try:
        yield fake
    finally:
        fake.stop()
    assert not fake.violations, "requests or responses outside Argo CD's description:\n" + "\n".join(
        fake.violations
    )
