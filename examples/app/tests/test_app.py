from __future__ import annotations

import json
import sys
import threading
import urllib.request
from http.server import ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import app  # noqa: E402


def test_root_says_hello_with_the_version() -> None:
    assert app.respond("/", "1.2.3") == (200, {"message": "hello from myapp", "version": "1.2.3"})


def test_health() -> None:
    assert app.respond("/healthz", "dev") == (200, {"status": "ok"})


def test_unknown_path_is_404() -> None:
    assert app.respond("/nope", "dev")[0] == 404


def test_serves_http() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), app.Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/healthz", timeout=5) as reply:
            assert json.loads(reply.read()) == {"status": "ok"}
    finally:
        server.shutdown()
        server.server_close()
