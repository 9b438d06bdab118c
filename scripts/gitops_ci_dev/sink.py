"""A loopback webhook receiver (notify's tests, `make demo`): a real HTTP server on 127.0.0.1 (random port)
that records every request and answers from a per-test script: 429 with Retry-After, 500, a slow
or never-coming answer, a dropped connection, 400, 200. It checks the HMAC signature too."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

SIGNATURE_HEADER = "X-Gitops-CI-Signature-256"


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: str = "ok"
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0  # seconds before answering
    hang: bool = False  # never answer (until the sink stops)
    drop: bool = False  # close the connection without a reply

    @staticmethod
    def json(status: int, data: Any, *headers: tuple[str, str]) -> Answer:
        return Answer(status, json.dumps(data), (("Content-Type", "application/json"), *headers))


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool | None  # None when the sink has no secret

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class WebhookSink:
    """`with WebhookSink([Answer(429, ...), Answer(200)]) as sink:`; the last answer repeats."""

    answers: list[Answer] = field(default_factory=lambda: [Answer()])
    secret: str = ""
    received: list[Received] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "the sink is not running"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> WebhookSink:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()  # releases hanging handlers
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def take(self, request: Received) -> Answer:
        with self._lock:
            self.received.append(request)
            index = min(len(self.received), len(self.answers)) - 1
            return self.answers[index]

    def check(self, headers: dict[str, str], body: bytes) -> bool | None:
        if not self.secret:
            return None
        expected = "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(headers.get(SIGNATURE_HEADER.lower(), ""), expected)


def _handler_for(sink: WebhookSink) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            answer = sink.take(Received("POST", self.path, headers, body, sink.check(headers, body)))
            self._answer(answer)

        def _answer(self, answer: Answer) -> None:
            if answer.hang:
                sink._stop.wait(60)
                self.close_connection = True
                return
            if answer.delay:
                sink._stop.wait(answer.delay)
            if answer.drop:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            data = answer.body.encode("utf-8")
            self.send_response(answer.status)
            for name, value in answer.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: pytest shows what the tests assert."""

    return Handler
