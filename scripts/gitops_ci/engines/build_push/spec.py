"""What a builder is asked to do: one frozen description of a build, shared by every builder."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path

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


# The distribution spec's reference grammar (distribution/reference): host[:port], then path
# components of lowercase letters and digits joined by `.`, `_`, `__` or dashes.
_HOST = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
)
_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
MAX_NAME = 255


def check_repository(name: str) -> None:
    """A repository name a registry accepts, or a UserError naming the part that is not."""
    host = registry_host(name)
    explicit = name.startswith(host + "/")
    path = name[len(host) + 1 :] if explicit else name
    why = ""
    if explicit and not _valid_host(host):
        why = f"the registry host {host!r} is not HOST or HOST:PORT"
    elif not path or any(not _COMPONENT.fullmatch(part) for part in path.split("/")):
        bad = next((part for part in path.split("/") if not _COMPONENT.fullmatch(part)), path)
        why = (
            f"the path component {bad!r} is not allowed: components are lowercase letters and digits, "
            "joined by `.`, `_`, `__` or `-`, and may not start or end with a separator"
        )
    elif len(name) > MAX_NAME:
        why = f"it is {len(name)} characters long; registries take at most {MAX_NAME}"
    if why:
        raise UserError(
            f"image {name!r} is not a valid repository name",
            why=why,
            fix="write REGISTRY/OWNER/NAME without a tag, e.g. `ghcr.io/acme/shop-api` "
            "(tags come from the tags input)",
        )


def _valid_host(host: str) -> bool:
    if host.startswith("["):  # [IPv6]:port
        return re.fullmatch(r"\[[0-9A-Fa-f:.]+\](?::[0-9]+)?", host) is not None
    name, sep, port = host.partition(":")
    return _HOST.fullmatch(name) is not None and (not sep or port.isdigit())


def check_sources(context_dir: str, file: str, secrets: tuple[Secret, ...]) -> None:
    """What the builder reads from disk exists: the context, the Dockerfile and secret files.
    Checked before any login or build, so the error names the input to fix."""
    context = Path(context_dir)
    if not context.is_dir():
        raise UserError(
            f"the build context {context_dir} is not a directory"
            + (" (it is a file)" if context.exists() else " (it does not exist)"),
            fix="set `context:` to a directory of the checkout, relative to the working directory "
            "(e.g. `context: services/api`); check that actions/checkout ran before this step",
        )
    if not Path(file).is_file():
        raise UserError(f"the Dockerfile {file} does not exist", fix=_dockerfile_fix(context, file))
    for secret in secrets:
        if secret.source == "file" and not Path(secret.where).is_file():
            raise UserError(
                f"the file of build secret {secret.id!r} does not exist: {secret.where}",
                fix=f"create the file in an earlier step, or point `secrets:` at it "
                f"(`{secret.id}=file:PATH`, relative to the working directory), or read it from a "
                f"variable (`{secret.id}=env:VARIABLE`)",
            )


def _dockerfile_fix(context: Path, file: str) -> str:
    found = [name for name in ("Dockerfile", "Containerfile", "dockerfile") if (context / name).is_file()]
    if found and str(context / found[0]) != file:
        return f"the context has {found[0]}: set `file: {found[0]}`"
    return "set `file:` to the Dockerfile's path relative to the context, or add a Dockerfile to the context"
