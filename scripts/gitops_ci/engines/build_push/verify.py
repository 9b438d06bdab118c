"""After the push: ask each registry which digest every tag points to; fail if any tag is
missing or points elsewhere (a push that silently failed for one tag is caught here)."""

from __future__ import annotations

import tempfile
from typing import Callable, Mapping

from gitops_ci.doors.http import Client
from gitops_ci.engines.build_push.login import Login, login_failed
from gitops_ci.engines.build_push.oci import Manifest, RegistryClient, session
from gitops_ci.engines.build_push.spec import registry_host
from gitops_ci.engines.build_push.trust import BuilderTls, Trust
from gitops_ci.errors import UserError

DOCKER_HUB_API = "registry-1.docker.io"


def split_ref(ref: str) -> tuple[str, str, str]:
    """`host/path/name:tag` → (host, repository path, tag)."""
    name, _, tag = ref.rpartition(":")
    host = registry_host(name)
    path = name[len(host) + 1 :] if name.startswith(host + "/") else name
    if host == "docker.io" and "/" not in path:
        path = f"library/{path}"
    return host, path, tag


class Registries:
    """One API client per registry host for the whole run (one connection, one auth handshake):
    the ping before the build, tags added in the registry, and the read-back after the push.
    What TLS each client found is what the builder is told (`tls`)."""

    def __init__(
        self,
        logins: tuple[Login, ...],
        insecure: frozenset[str],
        trust: Trust,
        http: Callable[[], Client] = session,
    ) -> None:
        self.logins, self.insecure, self.trust, self._http = logins, insecure, trust, http
        self._clients: dict[str, RegistryClient] = {}
        # CA bundles with a host's certs.d CAs added (public certificates); gone with this object.
        self._bundles = tempfile.TemporaryDirectory(prefix="gitops-ci-ca-")

    def client(self, host: str) -> RegistryClient:
        if host not in self._clients:
            login = next((item for item in self.logins if item.registry == host), None)
            self._clients[host] = RegistryClient(
                host=DOCKER_HUB_API if host == "docker.io" else host,
                username=login.username if login else "",
                password=login.password if login else "",
                trust=self.trust.for_host(host, self.insecure, self._bundles.name),
                http=self._http(),
            )
        return self._clients[host]

    def check(self, refs: tuple[str, ...]) -> None:
        """Before a long build: every login's credentials are accepted by its registry, and every
        registry we push to (`refs`) answers."""
        for login in self.logins:
            refused = self.client(login.registry).login()
            if refused:
                raise login_failed(login, refused)
        for host in sorted({split_ref(ref)[0] for ref in refs} - {login.registry for login in self.logins}):
            self.client(host).ping()

    def tls(self, ref: str) -> BuilderTls:
        """The builder's TLS flags for pushing `ref`: as the API client speaks to its registry."""
        client = self.client(split_ref(ref)[0])
        verified = client.scheme == "https" and client.trust.verify is not False
        return BuilderTls(verified, client.trust.cert_dir if verified else "")

    def tag(self, ref: str, digest: str) -> str | None:
        """Add `ref`'s tag to a manifest its repository already holds; None if the registry refuses."""
        host, path, tag = split_ref(ref)
        return self.client(host).tag(path, digest, tag)

    def built(self, ref: str, label: str, key: str) -> tuple[Manifest, dict[str, str]] | None:
        """(manifest, labels) of the image `ref` points to when its label `label` is `key`, else None."""
        host, path, tag = split_ref(ref)
        found = self.client(host).image_config(path, tag)
        if found is None:
            return None
        manifest, config = found
        labels = (config.get("config") or {}).get("Labels") or {}
        if not isinstance(labels, dict) or labels.get(label) != key:
            return None
        return manifest, {str(name): str(value) for name, value in labels.items()}

    def verify_pushed(
        self, pushed: Mapping[str, str], read: Mapping[str, Manifest] | None = None
    ) -> Manifest:
        """Every ref → the digest its push reported; return the first ref's manifest as the
        registry has it. `read`: refs this run has just read from the registry and did not push
        (a reused image's own tag), with what it read; they are not asked for again."""
        found: list[Manifest] = []
        for ref, expected in pushed.items():
            host, path, tag = split_ref(ref)
            manifest = (read or {}).get(ref) or self.client(host).manifest(path, tag)
            _check(ref, expected, manifest)
            assert manifest is not None
            found.append(manifest)
        return found[0]


def _check(ref: str, expected: str, manifest: Manifest | None) -> None:
    if manifest is None:
        raise UserError(
            f"the push of {ref} did not land: the registry does not have that tag",
            fix="run the job again; if it persists, check the registry's storage and quota",
        )
    if manifest.digest != expected:
        raise UserError(
            f"{ref} points to {manifest.digest} in the registry, not to the pushed {expected}",
            why="another push to the same tag raced this one, or the registry rewrote the manifest",
            fix="use a unique tag (type=sha) for what you deploy and pin the digest (image-ref output)",
        )
