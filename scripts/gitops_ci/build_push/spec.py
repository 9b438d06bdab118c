"""What a builder is asked to do: one frozen description of a build, shared by every builder."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from gitops_ci.errors import UserError


@dataclass(frozen=True)
class Secret:
    """A build secret: `id` as the Dockerfile's `RUN --mount=type=secret,id=…` names it, read from
    an environment variable (`env`) or a file (`file`). Its value never reaches a command line."""

    id: str
    source: str  # "env" | "file"
    where: str  # the variable name or the file path

    def flag(self) -> str:
        key = "env" if self.source == "env" else "src"
        return f"id={self.id},{key}={self.where}"


@dataclass(frozen=True)
class BuildSpec:
    context: str
    file: str
    refs: tuple[str, ...]  # every REPO:TAG to produce
    labels: tuple[tuple[str, str], ...] = ()
    build_args: tuple[str, ...] = ()  # NAME=VALUE; never credentials (those become secrets)
    secrets: tuple[Secret, ...] = ()
    platforms: tuple[str, ...] = ()
    target: str = ""
    pull: bool = False
    no_cache: bool = False
    push: bool = True
    cache_ref: str = ""  # a registry repository for layer cache (docker buildx, buildah)

    @property
    def local_name(self) -> str:
        return self.refs[0]


def registry_host(ref: str) -> str:
    """The registry part of an image reference (`docker.io` when there is none)."""
    first, sep, _ = ref.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return first
    return "docker.io"


def is_loopback(host: str) -> bool:
    if host.startswith("["):  # [::1]:5000
        name = host[1:].partition("]")[0]
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def parse_secrets(text: str, *, name: str = "secrets") -> tuple[Secret, ...]:
    """`ID=env:VARIABLE` or `ID=file:PATH`, one per line: where each secret's value is read from."""
    secrets = []
    for line in (raw.strip() for raw in text.splitlines()):
        if not line or line.startswith("#"):
            continue
        secret_id, _, source = line.partition("=")
        kind, sep, where = source.strip().partition(":")
        if (
            not re.fullmatch(r"[A-Za-z0-9_.-]+", secret_id.strip())
            or kind not in ("env", "file")
            or not where
        ):
            raise UserError(
                f"input {name!r}: {line!r} is not ID=env:VARIABLE or ID=file:PATH",
                fix="e.g. `NPM_TOKEN=env:NPM_TOKEN`; in the Dockerfile: "
                "RUN --mount=type=secret,id=NPM_TOKEN …",
            )
        secrets.append(Secret(secret_id.strip(), kind, where.strip()))
    return tuple(secrets)
