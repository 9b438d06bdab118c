"""The HTTP door's `Client` (http.client from the standard library) behaves as the requests
session it replaced: TLS and CA bundles against a real docker-registry with TLS and htpasswd,
and retry, redirects, timeouts and kept connections against small loopback servers. A proxy in
the environment still goes through requests, which applies it and NO_PROXY."""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from gitops_ci.doors.http import Client, RequestFailed, SessionRetry
from testing.registry import LocalRegistry, free_port, running_registry
from testing.tls import make_server_cert

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def tls_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRegistry]:
    tmp = tmp_path_factory.mktemp("tls-registry")
    with running_registry(tmp / "registry", tls=make_server_cert(tmp / "certs")) as registry:
        yield registry


def waits() -> tuple[Client, list[float]]:
    """A client that records its waits instead of sleeping."""
    slept: list[float] = []
    return Client(sleep=slept.append), slept


def login(registry: LocalRegistry) -> tuple[str, str]:
    return registry.username, registry.password


# -- TLS and CAs, against the real registry --------------------------------------------------------


def test_the_registry_over_tls_with_its_ca_answers_and_takes_basic_credentials(
    tls_registry: LocalRegistry,
) -> None:
    client = Client()
    url = f"https://{tls_registry.host}/v2/"
    challenge = client.request("GET", url, verify=tls_registry.ca)
    assert challenge.status_code == 401 and "Basic" in challenge.headers["www-authenticate"]
    assert client.request("GET", url, auth=login(tls_registry), verify=tls_registry.ca).status_code == 200
    missing = client.request(
        "HEAD", f"{url}acme/none/manifests/1.0", auth=login(tls_registry), verify=tls_registry.ca
    )
    assert (missing.status_code, missing.content) == (404, b"")


def test_a_certificate_no_ca_vouches_for_fails_in_tls_and_says_why(tls_registry: LocalRegistry) -> None:
    with pytest.raises(RequestFailed) as caught:
        Client().request("GET", f"https://{tls_registry.host}/v2/")  # certifi's bundle only
    assert caught.value.tls
    assert type(caught.value.error).__name__ == "SSLError"
    port = tls_registry.host.rpartition(":")[2]
    assert str(caught.value).startswith(f"HTTPSConnectionPool(host='127.0.0.1', port={port}): Max retries")
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value)
    cause = caught.value.error.__cause__
    assert cause is not None and type(cause).__name__ == "SSLCertVerificationError"


def test_verify_false_skips_the_certificate_check(tls_registry: LocalRegistry) -> None:
    reply = Client().request(
        "GET", f"https://{tls_registry.host}/v2/", auth=login(tls_registry), verify=False
    )
    assert reply.status_code == 200


def test_requests_ca_bundle_is_what_verify_true_trusts(tls_registry: LocalRegistry) -> None:
    client = Client(environ={"REQUESTS_CA_BUNDLE": tls_registry.ca})
    assert client.request("GET", f"https://{tls_registry.host}/v2/").status_code == 401


def test_a_ca_directory_is_searched_by_subject_hash(tls_registry: LocalRegistry, tmp_path: Path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    hashed = subprocess.run(
        [openssl, "x509", "-hash", "-noout", "-in", tls_registry.ca],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    shutil.copy(tls_registry.ca, tmp_path / f"{hashed}.0")
    assert (
        Client().request("GET", f"https://{tls_registry.host}/v2/", verify=str(tmp_path)).status_code == 401
    )


def test_the_ca_bundle_is_read_only_when_the_server_answers_in_tls(
    tls_registry: LocalRegistry, tmp_path: Path
) -> None:
    # A bundle with no certificate in it: reading it fails, and says so.
    bundle = tmp_path / "no-certificate.pem"
    bundle.write_text("not a certificate\n", encoding="utf-8")
    for url in serve(First, [(200, {}, b"{}")]):  # plain HTTP, asked over HTTPS as a registry is first
        with pytest.raises(RequestFailed) as plain:
            Client().request("GET", url.replace("http://", "https://") + "/v2/", verify=str(bundle))
    assert plain.value.tls and "NO_CERTIFICATE_OR_CRL_FOUND" not in str(plain.value)
    with pytest.raises(RequestFailed) as tls:
        Client().request("GET", f"https://{tls_registry.host}/v2/", verify=str(bundle))
    assert tls.value.tls and "NO_CERTIFICATE_OR_CRL_FOUND" in str(tls.value)


# -- loopback servers for what a real registry does not do on demand --------------------------------


class Scripted(BaseHTTPRequestHandler):
    """HTTP/1.1 with kept connections; answers from `plan` (status, headers, body) in turn (the
    last repeats); records every request and the connection it came on."""

    protocol_version = "HTTP/1.1"
    plan: list[tuple[int, dict[str, str], bytes]] = []
    seen: list[tuple[str, str, dict[str, str], bytes, int]] = []  # method, path, headers, body, connection
    connections = 0

    def setup(self) -> None:
        super().setup()
        type(self).connections += 1
        self.connection_number = type(self).connections

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
        return None

    def answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {name.lower(): value for name, value in self.headers.items()}
        type(self).seen.append((self.command, self.path, headers, body, self.connection_number))
        status, extra, reply = type(self).plan[min(len(type(self).seen) - 1, len(type(self).plan) - 1)]
        self.send_response(status)
        for name, value in extra.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply)

    do_GET = do_PUT = do_POST = do_HEAD = answer


def serve(handler: type[Scripted], plan: list[tuple[int, dict[str, str], bytes]]) -> Iterator[str]:
    handler.plan, handler.seen, handler.connections = plan, [], 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


class First(Scripted):
    plan: list[tuple[int, dict[str, str], bytes]] = []
    seen: list[tuple[str, str, dict[str, str], bytes, int]] = []


class Second(Scripted):
    plan: list[tuple[int, dict[str, str], bytes]] = []
    seen: list[tuple[str, str, dict[str, str], bytes, int]] = []


@pytest.fixture
def first() -> Iterator[str]:
    yield from serve(First, [(200, {}, b"{}")])


@pytest.fixture
def second() -> Iterator[str]:
    yield from serve(Second, [(200, {}, b"second")])


def test_one_connection_carries_every_request_to_a_server_that_keeps_it(first: str) -> None:
    client = Client()
    for path in ("/v2/", "/v2/acme/app/manifests/1.0", "/v2/acme/app/blobs/sha256:ab"):
        assert client.request("GET", first + path).json() == {}
    assert client.request("PUT", first + "/v2/acme/app/manifests/2.0", body=b"{}").status_code == 200
    assert [entry[4] for entry in First.seen] == [1, 1, 1, 1]
    method, path, headers, body, _ = First.seen[-1]
    assert (method, path, body, headers["content-length"]) == (
        "PUT",
        "/v2/acme/app/manifests/2.0",
        b"{}",
        "2",
    )
    assert headers["host"] == first.removeprefix("http://")


def test_a_connection_the_server_closed_is_opened_again_without_a_retry(first: str) -> None:
    First.plan = [(200, {"Connection": "close"}, b"{}"), (200, {}, b"{}")]
    client, slept = waits()
    assert client.request("GET", first + "/v2/").status_code == 200
    assert client.request("GET", first + "/v2/").status_code == 200
    assert [entry[4] for entry in First.seen] == [1, 2] and slept == []


def test_query_parameters_and_basic_credentials_are_sent_as_requests_sends_them(first: str) -> None:
    Client().request(
        "GET", first + "/token?x=1", params={"scope": "repository:a/b:pull,push"}, auth=("u", "p:w")
    )
    _, path, headers, _, _ = First.seen[0]
    assert path == "/token?x=1&scope=repository%3Aa%2Fb%3Apull%2Cpush"
    assert headers["authorization"] == "Basic " + base64.b64encode(b"u:p:w").decode()


def test_listed_statuses_are_retried_with_urllib3s_backoff(first: str) -> None:
    First.plan = [(503, {}, b""), (502, {}, b""), (504, {}, b""), (200, {}, b"{}")]
    client, slept = waits()
    assert client.request("PUT", first + "/v2/x/manifests/1", body=b"{}").status_code == 200
    assert slept == [1.0, 2.0]  # none before the first retry, then 0.5 s x 2^n
    assert [entry[3] for entry in First.seen] == [b"{}"] * 4  # the body is sent again each time


def test_retry_after_is_honoured_and_413_is_retried_only_with_it(first: str) -> None:
    First.plan = [(429, {"Retry-After": "3"}, b""), (413, {"Retry-After": "1"}, b""), (413, {}, b"too big")]
    client, slept = waits()
    reply = client.request("GET", first + "/v2/")
    assert (reply.status_code, reply.text, slept) == (413, "too big", [3.0, 1.0])


def test_a_status_that_stays_is_a_retry_error_after_the_last_attempt(first: str) -> None:
    First.plan = [(503, {}, b"")]
    client, slept = waits()
    with pytest.raises(RequestFailed) as caught:
        client.request("GET", first + "/v2/")
    assert type(caught.value.error).__name__ == "RetryError" and not caught.value.tls
    assert (
        "Max retries exceeded with url: /v2/ (Caused by ResponseError('too many 503 error responses'))"
        in str(caught.value)
    )
    assert len(First.seen) == 4 and slept == [1.0, 2.0]
    First.seen.clear()
    with pytest.raises(RequestFailed):
        Client(retry=SessionRetry(total=0)).request("GET", first + "/v2/")
    assert len(First.seen) == 1


def test_a_retry_after_that_is_no_time_fails_the_request(first: str) -> None:
    First.plan = [(503, {"Retry-After": "soon"}, b"")]
    with pytest.raises(RequestFailed) as caught:
        waits()[0].request("GET", first + "/v2/")
    assert str(caught.value) == "Invalid Retry-After header: soon"


def test_a_redirect_to_another_server_drops_the_credentials_but_keeps_a_307_body(
    first: str, second: str
) -> None:
    First.plan = [(307, {"Location": second + "/upload"}, b""), (200, {}, b"{}")]
    reply = Client().request("PUT", first + "/v2/x", body=b"data", headers={"Authorization": "Bearer t"})
    assert (reply.status_code, reply.content, reply.url) == (200, b"second", second + "/upload")
    method, path, headers, body, _ = Second.seen[0]
    assert (method, path, body) == ("PUT", "/upload", b"data") and "authorization" not in headers


def test_a_303_turns_into_a_get_without_the_body_and_a_same_server_redirect_keeps_credentials(
    first: str,
) -> None:
    First.plan = [(303, {"Location": "/elsewhere"}, b""), (200, {}, b"{}")]
    Client().request("POST", first + "/v2/x", body=b"data", headers={"Authorization": "Bearer t"})
    method, path, headers, body, _ = First.seen[1]
    assert (method, path, body) == ("GET", "/elsewhere", b"")
    assert headers["authorization"] == "Bearer t" and "content-length" not in headers


def test_a_redirect_loop_ends_after_30(first: str) -> None:
    First.plan = [(302, {"Location": "/again"}, b"")]
    with pytest.raises(RequestFailed) as caught:
        Client().request("GET", first + "/v2/")
    assert type(caught.value.error).__name__ == "TooManyRedirects" and len(First.seen) == 31


def test_a_refused_port_is_a_connection_error_after_the_retries() -> None:
    port = free_port()
    client, slept = waits()
    with pytest.raises(RequestFailed) as caught:
        client.request("GET", f"https://127.0.0.1:{port}/v2/")
    assert type(caught.value.error).__name__ == "ConnectionError" and not caught.value.tls
    assert str(caught.value).startswith(f"HTTPSConnectionPool(host='127.0.0.1', port={port}): Max retries")
    assert "Failed to establish a new connection" in str(caught.value) and slept == [1.0, 2.0]


class Silent(Scripted):
    """Takes the request and never answers."""

    def answer(self) -> None:
        threading.Event().wait(2)

    do_GET = answer


class Hanging(Scripted):
    """Closes the first connection without a reply, then answers."""

    def answer(self) -> None:
        if type(self).connections == 1:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        super().answer()

    do_GET = answer


def test_a_server_that_does_not_answer_in_time_is_a_read_timeout() -> None:
    for url in serve(Silent, []):
        client = Client(retry=SessionRetry(total=1), timeout=0.2, sleep=lambda seconds: None)
        with pytest.raises(RequestFailed) as caught:
            client.request("GET", url + "/v2/")
        assert "Read timed out. (read timeout=0.2)" in str(caught.value)
        assert type(caught.value.error).__name__ == "ConnectionError" and Silent.connections == 2


def test_a_connection_dropped_before_the_reply_is_tried_again() -> None:
    for url in serve(Hanging, [(200, {}, b"{}")]):
        client, slept = waits()
        assert client.request("GET", url + "/v2/").json() == {}
        assert Hanging.connections == 2 and slept == []


@pytest.mark.parametrize(
    ("url", "kind", "text"),
    [
        ("", "MissingSchema", "Invalid URL '': No scheme supplied. Perhaps you meant https://?"),
        ("htps://nowhere", "InvalidSchema", "No connection adapters were found for 'htps://nowhere'"),
        ("http://", "InvalidURL", "Invalid URL 'http://': No host supplied"),
    ],
)
def test_a_url_that_cannot_be_requested_is_refused_as_requests_refuses_it(
    url: str, kind: str, text: str
) -> None:
    with pytest.raises(RequestFailed) as caught:
        Client().request("GET", url)
    assert (type(caught.value.error).__name__, str(caught.value)) == (kind, text)


def test_a_header_value_that_would_break_the_request_is_refused_without_quoting_it(first: str) -> None:
    with pytest.raises(RequestFailed) as caught:
        Client().request("GET", first + "/v2/", headers={"Authorization": "Bearer tok-secret\r\nX: 1"})
    assert type(caught.value.error).__name__ == "InvalidHeader" and "tok-secret" not in str(caught.value)
    assert First.seen == []


# -- a proxy in the environment ---------------------------------------------------------------------


def test_a_proxy_in_the_environment_carries_the_request_unless_no_proxy_names_the_host(
    first: str, second: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # requests takes the proxy from the process environment, which main passes down as environ.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("HTTP_PROXY", second)  # the second server plays the proxy
    reply = Client(environ=os.environ).request("GET", "http://registry.invalid/v2/")
    assert reply.content == b"second"
    assert Second.seen[0][1] == "http://registry.invalid/v2/"  # the absolute form a proxy is sent
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert Client(environ=os.environ).request("GET", first + "/v2/").json() == {}
    assert len(Second.seen) == 1 and len(First.seen) == 1
