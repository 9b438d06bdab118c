"""After the push: ask each registry which digest every tag points to; fail if any tag is
missing or points elsewhere (a push that silently failed for one tag is caught here)."""

from __future__ import annotations

from typing import Mapping

from gitops_ci.build.login import Login
from gitops_ci.build.registry import Manifest, RegistryClient
from gitops_ci.build.spec import is_loopback, registry_host
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


def client_for(
    host: str, logins: tuple[Login, ...], insecure: frozenset[str], verify: bool | str
) -> RegistryClient:
    login = next((item for item in logins if item.registry == host), None)
    return RegistryClient(
        host=DOCKER_HUB_API if host == "docker.io" else host,
        username=login.username if login else "",
        password=login.password if login else "",
        plain_http=host in insecure or is_loopback(host),
        verify=verify,
    )


def ping_all(
    refs: tuple[str, ...], logins: tuple[Login, ...], insecure: frozenset[str], verify: bool | str
) -> None:
    """Fail early, before a long build, when a registry we must push to does not answer."""
    for host in sorted({split_ref(ref)[0] for ref in refs}):
        client_for(host, logins, insecure, verify).ping()


def verify_pushed(
    pushed: Mapping[str, str], logins: tuple[Login, ...], insecure: frozenset[str], verify: bool | str
) -> Manifest:
    """Every ref → the digest its push reported; return the first ref's manifest as the registry has it."""
    clients: dict[str, RegistryClient] = {}
    found: list[Manifest] = []
    for ref, expected in pushed.items():
        host, path, tag = split_ref(ref)
        client = clients.setdefault(host, client_for(host, logins, insecure, verify))
        manifest = client.manifest(path, tag)
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
