"""A real container registry (CNCF distribution, `docker-registry`) on loopback, with htpasswd
auth when a user name is given, and TLS when a certificate is given."""

from __future__ import annotations

import contextlib
import json
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from gitops_ci.doors import proc
from gitops_ci.doors.http import Client, RequestFailed, SessionRetry
from gitops_ci.secrets import Redactor
from gitops_ci_dev import need_tool

MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)


@dataclass(frozen=True)
class Tls:
    """The registry's certificate and key (PEM files), and the CA that signed it."""

    certificate: str
    key: str
    ca: str


@dataclass(frozen=True)
class LocalRegistry:
    host: str  # 127.0.0.1:PORT
    username: str
    password: str
    ca: str = ""  # the CA to trust when the registry speaks TLS; "" for plain HTTP

    @property
    def url(self) -> str:
        return f"{'https' if self.ca else 'http'}://{self.host}"

    @property
    def verify(self) -> bool | str:
        return self.ca or True

    @property
    def _auth(self) -> tuple[str, str] | None:
        return (self.username, self.password) if self.username else None

    def digest(self, repository: str, tag: str) -> str | None:
        """The digest the registry itself gives for a tag (None when the tag is not there)."""
        response = _CLIENT.request(
            "HEAD",
            f"{self.url}/v2/{repository}/manifests/{tag}",
            headers={"Accept": MANIFEST_TYPES},
            auth=self._auth,
            verify=self.verify,
        )
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return str(response.headers["Docker-Content-Digest"])

    def tags(self, repository: str) -> list[str]:
        response = _CLIENT.request(
            "GET", f"{self.url}/v2/{repository}/tags/list", auth=self._auth, verify=self.verify
        )
        if response.status_code == 404:
            return []
        response.raise_for_status()
        return [str(tag) for tag in response.json().get("tags") or []]


# The test's own reads of the registry, through the package's HTTP door: no retries (a test wants
# the registry's first answer), 10 s per request; the readiness probe waits 1 s at a time.
_CLIENT = Client(retry=SessionRetry(total=0), timeout=10)
_PROBE = Client(retry=SessionRetry(total=0), timeout=1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def htpasswd(path: Path, username: str, password: str) -> None:
    done = proc.run(
        [need_tool("htpasswd"), "-B", "-i", "-c", str(path), username],
        redactor=Redactor([password]),
        stdin=password,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"htpasswd failed: {done.stderr}")


@contextlib.contextmanager
def running_registry(
    root: Path, username: str = "ci", password: str = "s3cret-Pa55word", tls: Tls | None = None
) -> Iterator[LocalRegistry]:
    """Start `docker-registry serve` on a free loopback port with its storage under `root`;
    stop it after. An empty `username` serves without auth; `tls` serves HTTPS only."""
    tool = need_tool("docker-registry")
    root.mkdir(parents=True, exist_ok=True)
    host = f"127.0.0.1:{free_port()}"
    config: dict[str, object] = {
        "version": 0.1,
        "log": {"level": "warn", "accesslog": {"disabled": True}},
        "storage": {"filesystem": {"rootdirectory": str(root / "data")}, "delete": {"enabled": True}},
        "http": {"addr": host},
    }
    if tls:
        config["http"] = {"addr": host, "tls": {"certificate": tls.certificate, "key": tls.key}}
    if username:
        htpasswd(root / "htpasswd", username, password)
        config["auth"] = {"htpasswd": {"realm": "gitops-ci-local", "path": str(root / "htpasswd")}}
    (root / "config.yml").write_text(json.dumps(config), encoding="utf-8")  # JSON is YAML
    server = proc.spawn(
        [tool, "serve", str(root / "config.yml")], redactor=Redactor(), output=str(root / "registry.log")
    )
    registry = LocalRegistry(host, username, password, tls.ca if tls else "")
    try:
        _wait_ready(registry, server, root / "registry.log")
        yield registry
    finally:
        server.stop(timeout=10)


def _wait_ready(registry: LocalRegistry, server: proc.Spawned, log: Path) -> None:
    url = f"{registry.url}/v2/"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if server.exit_code() is not None:
            raise RuntimeError(f"docker-registry exited: {log.read_text(errors='replace')}")
        with contextlib.suppress(RequestFailed):
            if _PROBE.request("GET", url, verify=registry.verify).status_code in (200, 401):
                return
        time.sleep(0.05)
    raise RuntimeError(f"docker-registry did not answer at {url}")
