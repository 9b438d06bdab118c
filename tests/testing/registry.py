"""A real container registry (CNCF distribution, `docker-registry`) on loopback with htpasswd auth."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import requests

from testing.tools import require_tool

MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)


@dataclass(frozen=True)
class LocalRegistry:
    host: str  # 127.0.0.1:PORT
    username: str
    password: str

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    def digest(self, repository: str, tag: str) -> str | None:
        """The digest the registry itself gives for a tag (None when the tag is not there)."""
        response = requests.head(
            f"{self.url}/v2/{repository}/manifests/{tag}",
            headers={"Accept": MANIFEST_TYPES},
            auth=(self.username, self.password),
            timeout=10,
        )
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.headers["Docker-Content-Digest"]

    def tags(self, repository: str) -> list[str]:
        response = requests.get(
            f"{self.url}/v2/{repository}/tags/list", auth=(self.username, self.password), timeout=10
        )
        if response.status_code == 404:
            return []
        response.raise_for_status()
        return list(response.json().get("tags") or [])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def htpasswd(path: Path, username: str, password: str) -> None:
    tool = require_tool("htpasswd", hint="Debian package apache2-utils")
    done = subprocess.run(
        [tool, "-B", "-i", "-c", str(path), username], input=password, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


@contextlib.contextmanager
def running_registry(
    root: Path, username: str = "ci", password: str = "s3cret-Pa55word"
) -> Iterator[LocalRegistry]:
    """Start `docker-registry serve` on a free loopback port with a tmp storage dir; stop it after."""
    tool = require_tool("docker-registry", hint="Debian package docker-registry")
    root.mkdir(parents=True, exist_ok=True)
    htpasswd(root / "htpasswd", username, password)
    host = f"127.0.0.1:{free_port()}"
    config = {
        "version": 0.1,
        "log": {"level": "warn", "accesslog": {"disabled": True}},
        "storage": {"filesystem": {"rootdirectory": str(root / "data")}, "delete": {"enabled": True}},
        "http": {"addr": host},
        "auth": {"htpasswd": {"realm": "gitops-ci-test", "path": str(root / "htpasswd")}},
    }
    (root / "config.yml").write_text(json.dumps(config), encoding="utf-8")  # JSON is YAML
    with open(root / "registry.log", "wb") as log:
        server = subprocess.Popen([tool, "serve", str(root / "config.yml")], stdout=log, stderr=log)
    try:
        _wait_ready(f"http://{host}/v2/", server, root / "registry.log")
        yield LocalRegistry(host, username, password)
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wait_ready(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"docker-registry exited: {log.read_text(errors='replace')}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=1).status_code in (200, 401):
                return
        time.sleep(0.05)
    raise RuntimeError(f"docker-registry did not answer at {url}")
