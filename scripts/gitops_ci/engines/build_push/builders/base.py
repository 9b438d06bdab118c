"""The one Protocol every builder meets. Builders only *describe* commands (pure, unit-tested);
core.py runs them through `Services.run` (the subprocess door)."""

from __future__ import annotations

from typing import Protocol

from gitops_ci.engines.build_push.spec import BuildSpec
from gitops_ci.engines.build_push.trust import BuilderTls


class Probe(Protocol):
    """What `builder: auto` may ask about the machine."""

    def which(self, tool: str) -> bool: ...

    def answers(self, args: list[str]) -> bool: ...


class Builder(Protocol):
    name: str
    tool: str  # the command on PATH
    install_hint: str

    def available(self, probe: Probe) -> bool: ...

    def login(self, registry: str, username: str, authfile: str) -> list[str] | None:
        """The command that logs in (the password arrives on its stdin), or None when the login
        is an entry gitops-ci writes into `authfile` itself (containers-auth.json: buildah, podman
        and skopeo read it), the credentials having been checked against the registry's API."""
        ...

    def logout(self, registry: str, authfile: str) -> list[str] | None:
        """The command that logs out, or None when the login lives only in `authfile` (deleted after)."""
        ...

    def build(self, spec: BuildSpec, authfile: str, workdir: str) -> list[str]:
        """The build command; `authfile` is "" when no login wrote one (then it is not named)."""
        ...

    def push(
        self, spec: BuildSpec, ref: str, authfile: str, digestfile: str, tls: BuilderTls
    ) -> list[str] | None:
        """The command that pushes one reference, or None when the build already pushed it; `tls`
        is how the registry API client found the registry speaks (verified TLS or not)."""
        ...

    def digest(self, workdir: str, digestfile: str) -> str:
        """The digest the builder says it pushed (read from its digest or metadata file)."""
        ...
