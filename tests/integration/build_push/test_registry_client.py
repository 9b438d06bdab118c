"""The registry API client's Bearer token flow (ghcr.io, Docker Hub, Harbor…), against a small
loopback registry that answers the way the distribution spec says token-auth registries do."""

from __future__ import annotations

import base64
import hashlib
import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator
from urllib.parse import parse_qs, urlparse

import pytest

from gitops_ci.engines.build_push.login import Login
from gitops_ci.engines.build_push.oci import Manifest, RegistryClient
from gitops_ci.engines.build_push.trust import HostTrust, Trust
from gitops_ci.engines.build_push.verify import Registries
from gitops_ci.errors import UserError
from testing.registry import free_port
from testing.tls import make_server_cert

MANIFEST = json.dumps({"schemaVersion": 2, "config": {"size": 100}, "layers": [{"size": 2000}]}).encode()
DIGEST = "sha256:" + hashlib.sha256(MANIFEST).hexdigest()
USER, PASSWORD, TOKEN, PUSH_TOKEN = "octo", "pat-123456", "tok-abcdef", "tok-push-123"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
PREFIX = "/v2/acme/app/manifests/"
PLAIN = HostTrust(allow_http=True)  # the fake speaks plain HTTP on loopback


class TokenRegistry(BaseHTTPRequestHandler):
    """Pull needs a pull token, PUT a pull,push one (the challenge names the scope); the tag
    `read-only` is refused the way a registry with immutable tags refuses it."""

    scheme = "http"  # of the token realm the challenge names
    token_requests: list[dict[str, list[str]]] = []
    tags: dict[str, bytes] = {}
    put_types: list[str] = []
    seen: list[tuple[str, str]] = []  # (method, path) of every request

    def log_message(self, format: str, *args: object) -> None:
        return None

    def do_GET(self) -> None:  # noqa: N802
        TokenRegistry.seen.append(("GET", self.path))
        url = urlparse(self.path)
        if url.path == "/token":
            return self._token(parse_qs(url.query))
        if self.headers.get("Authorization") not in (f"Bearer {TOKEN}", f"Bearer {PUSH_TOKEN}"):
            return self._challenge("pull" if "/manifests/" in url.path else "")
        if url.path == "/v2/":
            return self._reply(200, b"{}", {})
        reference = url.path.removeprefix(PREFIX)
        body = MANIFEST if reference in ("1.0", DIGEST) else self.tags.get(reference)
        if url.path.startswith(PREFIX) and body is not None:
            return self._reply(200, body, {"Docker-Content-Digest": DIGEST, "Content-Type": OCI_MANIFEST})
        self._reply(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}', {})

    def do_PUT(self) -> None:  # noqa: N802
        TokenRegistry.seen.append(("PUT", self.path))
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.headers.get("Authorization") != f"Bearer {PUSH_TOKEN}":
            return self._challenge("pull,push")
        tag = self.path.removeprefix(PREFIX)
        if tag == "read-only":
            return self._reply(400, b'{"errors":[{"code":"TAG_INVALID","message":"tag is immutable"}]}', {})
        TokenRegistry.tags[tag] = body
        TokenRegistry.put_types.append(self.headers.get("Content-Type", ""))
        self._reply(201, b"", {"Docker-Content-Digest": "sha256:" + hashlib.sha256(body).hexdigest()})

    def _challenge(self, actions: str) -> None:
        scope = f',scope="repository:acme/app:{actions}"' if actions else ""
        challenge = (
            f'Bearer realm="{self.scheme}://{self.headers["Host"]}/token",service="fake-registry"{scope}'
        )
        self._reply(401, b"{}", {"WWW-Authenticate": challenge})

    def _token(self, query: dict[str, list[str]]) -> None:
        TokenRegistry.token_requests.append(query)
        basic = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        if self.headers.get("Authorization") != basic:
            return self._reply(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}', {})
        token = PUSH_TOKEN if "push" in query.get("scope", [""])[0] else TOKEN
        self._reply(200, json.dumps({"token": token}).encode(), {})

    def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def host() -> Iterator[str]:
    yield from serve(TokenRegistry)


class TlsTokenRegistry(TokenRegistry):
    scheme = "https"


@pytest.fixture
def tls_host(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The token registry over TLS (registry and token realm alike): (host, its CA file)."""
    tls = make_server_cert(tmp_path / "certs")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls.certificate, tls.key)
    for host in serve(TlsTokenRegistry, context):
        yield host, tls.ca


def serve(handler: type[TokenRegistry], context: ssl.SSLContext | None = None) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    TokenRegistry.token_requests.clear()
    TokenRegistry.tags.clear()
    TokenRegistry.put_types.clear()
    TokenRegistry.seen.clear()
    yield f"127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_bearer_challenge_token_then_digest_and_size(host: str) -> None:
    client = RegistryClient(host, USER, PASSWORD, trust=PLAIN)
    manifest = client.manifest("acme/app", "1.0")
    assert manifest is not None and (manifest.digest, manifest.size) == (DIGEST, 2100)
    (query,) = TokenRegistry.token_requests
    assert query == {"scope": ["repository:acme/app:pull"], "service": ["fake-registry"]}


def test_a_missing_tag_is_none(host: str) -> None:
    assert RegistryClient(host, USER, PASSWORD, trust=PLAIN).manifest("acme/app", "nope") is None


def test_refused_credentials_are_a_clear_error(host: str) -> None:
    with pytest.raises(UserError) as caught:
        RegistryClient(host, USER, "wrong-password", trust=PLAIN).manifest("acme/app", "1.0")
    assert "gave no token (401)" in str(caught.value)
    assert "wrong-password" not in str(caught.value)


def test_verify_fails_when_a_tag_is_missing_or_points_elsewhere(host: str) -> None:
    verify_pushed = Registries((Login(host, USER, PASSWORD),), frozenset(), Trust()).verify_pushed
    assert verify_pushed({f"{host}/acme/app:1.0": DIGEST}).digest == DIGEST
    with pytest.raises(UserError, match="points to .* not to the pushed sha256:0000"):
        verify_pushed({f"{host}/acme/app:1.0": "sha256:" + "0" * 64})
    with pytest.raises(UserError, match="did not land: the registry does not have that tag"):
        verify_pushed({f"{host}/acme/app:1.0": DIGEST, f"{host}/acme/app:2.0": DIGEST})


def test_tag_puts_the_same_manifest_bytes_under_the_new_tag_with_a_push_token(host: str) -> None:
    client = RegistryClient(host, USER, PASSWORD, trust=PLAIN)
    assert client.tag("acme/app", DIGEST, "2.0") == DIGEST
    assert TokenRegistry.tags == {"2.0": MANIFEST} and TokenRegistry.put_types == [OCI_MANIFEST]
    scopes = [query["scope"] for query in TokenRegistry.token_requests]
    assert scopes == [["repository:acme/app:pull"], ["repository:acme/app:pull,push"]]
    manifest = client.manifest("acme/app", "2.0")
    assert manifest is not None and manifest.digest == DIGEST


def test_a_manifest_read_by_its_tag_gets_another_tag_without_being_read_again(host: str) -> None:
    client = RegistryClient(host, USER, PASSWORD, trust=PLAIN)
    assert client.image_config("acme/app", "1.0") is None  # the fake's manifest names no config blob
    TokenRegistry.seen.clear()
    assert client.tag("acme/app", DIGEST, "2.0") == DIGEST
    assert TokenRegistry.tags == {"2.0": MANIFEST} and TokenRegistry.put_types == [OCI_MANIFEST]
    assert [path for method, path in TokenRegistry.seen if method == "GET" and "/manifests/" in path] == []
    assert client.tag("acme/app", DIGEST, "3.0") == DIGEST and TokenRegistry.tags["3.0"] == MANIFEST


def test_verify_does_not_ask_again_for_a_tag_the_run_just_read(host: str) -> None:
    registries = Registries((Login(host, USER, PASSWORD),), frozenset(), Trust())
    read = Manifest(DIGEST, 7)
    ref = f"{host}/acme/app:9.9"  # not in the registry: asked, it would not land
    assert registries.verify_pushed({ref: DIGEST}, {ref: read}) == read
    assert not any(path.endswith("/9.9") for _, path in TokenRegistry.seen)
    with pytest.raises(UserError, match="did not land"):
        registries.verify_pushed({ref: DIGEST})


def test_tag_is_none_when_the_registry_refuses_the_put_or_lacks_the_manifest(host: str) -> None:
    client = RegistryClient(host, USER, PASSWORD, trust=PLAIN)
    assert client.tag("acme/app", DIGEST, "read-only") is None
    assert client.tag("acme/app", "sha256:" + "1" * 64, "3.0") is None
    assert TokenRegistry.tags == {}


def test_login_checks_the_credentials_with_an_unscoped_token(host: str) -> None:
    assert RegistryClient(host, USER, PASSWORD, trust=PLAIN).login() == ""
    assert TokenRegistry.token_requests == [{"service": ["fake-registry"]}]
    refused = RegistryClient(host, USER, "wrong-password", trust=PLAIN).login()
    assert refused.startswith(f"the token service of {host} gave no token (401)")
    assert "wrong-password" not in refused


def test_a_plain_http_registry_is_not_spoken_to_without_tls_unless_allowed(host: str) -> None:
    with pytest.raises(UserError) as caught:
        RegistryClient(host, USER, PASSWORD, trust=HostTrust(allow_http=False)).ping()
    assert str(caught.value).startswith(f"registry {host} is not reachable")
    assert f"if {host} serves plain HTTP, list it in insecure-registries" in str(caught.value)
    client = RegistryClient(host, USER, PASSWORD, trust=PLAIN)
    assert client.scheme == "http"  # asked once: HTTPS first, then the fallback


def test_a_refused_port_is_not_asked_again_over_plain_http() -> None:
    down = f"127.0.0.1:{free_port()}"
    with pytest.raises(UserError) as caught:
        RegistryClient(down, trust=PLAIN).ping()
    assert str(caught.value).startswith(f"registry {down} is not reachable")
    assert "HTTPSConnectionPool" in str(caught.value) and "HTTPConnectionPool" not in str(caught.value)


def test_the_bearer_flow_over_tls_trusts_the_ca_for_the_registry_and_its_token_realm(
    tls_host: tuple[str, str],
) -> None:
    host, ca = tls_host
    client = RegistryClient(host, USER, PASSWORD, trust=HostTrust(ca, allow_http=True))
    manifest = client.manifest("acme/app", "1.0")
    assert manifest is not None and manifest.digest == DIGEST and client.scheme == "https"
    assert len(TokenRegistry.token_requests) == 1  # the realm was reached over TLS too


def test_an_untrusted_certificate_is_never_retried_over_plain_http(tls_host: tuple[str, str]) -> None:
    host, _ = tls_host
    with pytest.raises(UserError) as caught:
        RegistryClient(host, USER, PASSWORD, trust=HostTrust(allow_http=True)).ping()
    assert str(caught.value).startswith(f"the TLS certificate of registry {host} is not trusted")
    assert "certificate verify failed" in str(caught.value)
