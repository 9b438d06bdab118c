"""A loopback server that answers each request with the next of a script of answers (status,
headers, body; the last one repeats): for fuzzing the clients of outside services."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from typing import Iterator

import pytest

from testing.loopback import LoopbackServer

Answer = tuple[int, dict[str, str], bytes]


class Scripted(BaseHTTPRequestHandler):
    answers: list[Answer] = [(200, {}, b"{}")]
    served = 0

    @classmethod
    def play(cls, answers: list[Answer]) -> None:
        cls.answers, cls.served = answers, 0

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
        return None

    def _reply(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        status, headers, body = Scripted.answers[min(Scripted.served, len(Scripted.answers) - 1)]
        Scripted.served += 1
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = do_HEAD = _reply


@pytest.fixture(scope="module")
def scripted_server() -> Iterator[str]:
    """host:port of a running scripted server."""
    server = LoopbackServer(Scripted).start()
    yield server.url.removeprefix("http://")
    server.stop()
