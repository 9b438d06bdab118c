"""Registry logins: password on stdin (never argv), a private auth file per run, and logout and
cleanup afterwards even when the build or push fails."""

from __future__ import annotations

import contextlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from gitops_ci.build.builders.base import Builder
from gitops_ci.build.runtime import Runtime
from gitops_ci.build.spec import is_loopback
from gitops_ci.errors import CommandError, UserError


@dataclass(frozen=True)
class Login:
    registry: str
    username: str
    password: str = field(repr=False)


def parse_logins(text: str, *, name: str = "logins") -> tuple[Login, ...]:
    """`HOST=USERNAME:PASSWORD`, one per line (the password may contain `:` and `=`)."""
    logins = []
    for line in (raw.strip() for raw in text.splitlines()):
        if not line or line.startswith("#"):
            continue
        host, _, rest = line.partition("=")
        username, sep, password = rest.partition(":")
        if not host.strip() or not username.strip() or not sep or not password:
            shown = host.strip() + "=…" if host.strip() else "(the line)"
            raise UserError(
                f"input {name!r}: {shown} is not HOST=USERNAME:PASSWORD",
                fix="one login per line, e.g. `docker.io=acme:${{ secrets.DOCKERHUB_TOKEN }}`",
            )
        logins.append(Login(host.strip(), username.strip(), password))
    return tuple(logins)


@contextlib.contextmanager
def logged_in(
    builder: Builder, logins: tuple[Login, ...], runtime: Runtime, insecure: frozenset[str]
) -> Iterator[str]:
    """Log in to every registry; yield the auth file; log out of each and delete it afterwards."""
    with tempfile.TemporaryDirectory(prefix="gitops-ci-auth-") as tmp:
        authfile = str(Path(tmp, "auth.json"))
        done: list[str] = []
        try:
            for login in logins:
                _login(builder, login, authfile, runtime, login.registry in insecure)
                done.append(login.registry)
            yield authfile
        finally:
            for registry in done:
                command = builder.logout(registry, authfile)
                if command is not None:
                    runtime.run(command, check=False)


def _login(builder: Builder, login: Login, authfile: str, runtime: Runtime, insecure: bool) -> None:
    insecure = insecure or is_loopback(login.registry)
    command = builder.login(login.registry, login.username, authfile, insecure)
    try:
        runtime.run(command, stdin=login.password + "\n")
    except CommandError as exc:
        raise UserError(
            f"login to {login.registry} as {login.username!r} failed",
            why=exc.output_tail or f"{builder.name} login exited with {exc.returncode}",
            fix=f"check the username and password (token) for {login.registry}; for ghcr.io use "
            "`username: ${{ github.actor }}` and a token with `packages: write`",
        ) from None
