"""A real git smart-HTTP server on loopback: `git http-backend` (CGI) behind token auth.

Accepts `Authorization: Basic base64(<any user>:TOKEN)` (how git sends
`x-access-token:TOKEN`), `Authorization: Bearer TOKEN`, and Basic `user:password` for the pairs
in `accounts`. Tokens in `read_only` may fetch but not push (403), like a
GitHub token without `contents: write`. Every request is recorded for assertions.
"""

from __future__ import annotations

import base64
import os
import subprocess
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Iterator

import pytest

from testing.forge import Forge
from testing.loopback import LoopbackServer
from testing.tools import require_tool

TOKEN = "ghs_T0kenForTestsOnly9f8e7d6c5b4a"


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: str
    status: int
    authorization: str
    user_agent: str


class GitServer(LoopbackServer):
    def __init__(self, forge: Forge, token: str = TOKEN) -> None:
        self.forge = forge
        self.tokens = {token}
        self.read_only: set[str] = set()
        self.accounts: set[str] = set()  # "user:password" pairs accepted as Basic credentials
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        super().__init__(_handler_for(self))

    def repo_url(self, full_name: str) -> str:
        return f"{self.url}/{full_name}.git"

    def record(self, entry: Recorded) -> None:
        with self._lock:
            self.requests.append(entry)

    def pushes(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/git-receive-pack") and r.method == "POST"]

    def account_of(self, header: str) -> str | None:
        scheme, _, value = header.partition(" ")
        try:
            pair = base64.b64decode(value.strip()).decode() if scheme.lower() == "basic" else ""
        except ValueError:
            return None
        return pair if pair in self.accounts else None

    def token_of(self, header: str) -> str | None:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer":
            return value.strip()
        if scheme.lower() == "basic":
            try:
                _user, _, password = base64.b64decode(value.strip()).decode().partition(":")
            except ValueError:
                return None
            return password
        return None


def _handler_for(server: GitServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self._serve()

        def do_POST(self) -> None:  # noqa: N802
            self._serve()

        def _serve(self) -> None:
            path, _, query = self.path.partition("?")
            auth = self.headers.get("Authorization", "")
            status = self._check(path, query, auth)
            body = self._read_body()
            if status == 200:
                status = self._cgi(path, query, body)
            else:
                self._reply(status, b"denied\n", {"WWW-Authenticate": 'Basic realm="git"'})
            server.record(
                Recorded(self.command, path, query, status, auth, self.headers.get("User-Agent", ""))
            )

        def _check(self, path: str, query: str, auth: str) -> int:
            token = server.token_of(auth)
            if token not in server.tokens and server.account_of(auth) is None:
                return 401
            pushing = path.endswith("/git-receive-pack") or "service=git-receive-pack" in query
            if pushing and token in server.read_only:
                return 403
            full_name = path.strip("/").split(".git/")[0]
            if not server.forge.exists(full_name):
                return 404
            return 200

        def _read_body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                return self._read_chunked()
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _read_chunked(self) -> bytes:
            data = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return bytes(data)
                data += self.rfile.read(size)
                self.rfile.readline()

        def _cgi(self, path: str, query: str, body: bytes) -> int:
            if path.endswith("/git-receive-pack") and self.command == "POST":
                hook = server.forge.take_push_hook()
                if hook is not None:
                    hook(path.strip("/").split(".git/")[0])
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "GIT_PROJECT_ROOT": str(server.forge.root),
                "GIT_HTTP_EXPORT_ALL": "1",
                "GIT_CONFIG_NOSYSTEM": "1",
                "REQUEST_METHOD": self.command,
                "PATH_INFO": path,
                "QUERY_STRING": query,
                "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "CONTENT_LENGTH": str(len(body)),
                "REMOTE_USER": "x-access-token",
                "REMOTE_ADDR": "127.0.0.1",
                "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
                "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
            }
            proc = subprocess.run(
                ["git", "http-backend"], input=body, env=env, capture_output=True, check=False
            )
            return self._relay(proc.stdout)

        def _relay(self, output: bytes) -> int:
            sep = b"\r\n\r\n" if b"\r\n\r\n" in output else b"\n\n"
            head, _, payload = output.partition(sep)
            status, headers = 200, {}
            for line in head.decode("latin-1").splitlines():
                name, _, value = line.partition(":")
                if name.lower() == "status":
                    status = int(value.strip().split()[0])
                elif name:
                    headers[name.strip()] = value.strip()
            self._reply(status, payload, headers)
            return status

        def _reply(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


@pytest.fixture
def forge(tmp_path: Path) -> Forge:
    require_tool("git")
    root = tmp_path / "forge"
    root.mkdir()
    return Forge(root)


@pytest.fixture
def git_server(forge: Forge) -> Iterator[GitServer]:
    server = GitServer(forge).start()
    try:
        yield server
    finally:
        server.stop()
