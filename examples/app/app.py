"""A tiny web service: `/` says hello with the running version, `/healthz` answers ok.

Standard library only, so the image needs nothing but a Python interpreter."""

from __future__ import annotations

import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def respond(path: str, version: str) -> tuple[int, dict[str, str]]:
    """The status and JSON body for a GET of `path`."""
    if path == "/healthz":
        return 200, {"status": "ok"}
    if path == "/":
        return 200, {"message": "hello from myapp", "version": version}
    return 404, {"error": f"no such page: {path}"}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        status, body = respond(self.path, os.environ.get("APP_VERSION", "dev"))
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main() -> None:
    port = int(os.environ.get("PORT", "8080"))
    ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
