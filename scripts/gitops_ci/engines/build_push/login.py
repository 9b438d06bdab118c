"""Registry logins: a private auth file per run (or the password on a login command's stdin,
never argv), and logout and cleanup afterwards even when the build or push fails."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from gitops_ci.errors import CommandError, UserError

if TYPE_CHECKING:  # `logins` is parsed at the start: logging in loads what it needs
    from gitops_ci.engines.build_push.builders.base import Builder
    from gitops_ci.engines.build_push.services import Services


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
def logged_in(builder: Builder, logins: tuple[Login, ...], services: Services) -> Iterator[str]:
    """Log in to every registry; yield the auth file ("" when no login wrote one: builders then
    get no --authfile, which buildah refuses when the file is missing); log out of each and
    delete it afterwards.

    A builder that reads containers-auth.json gets its logins written there (mode 0600, in a
    private directory); the others run their own login command."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="gitops-ci-auth-") as tmp:
        authfile = str(Path(tmp, "auth.json"))
        done: list[str] = []
        entries: dict[str, dict[str, str]] = {}
        try:
            for login in logins:
                command = builder.login(login.registry, login.username, authfile)
                if command is None:
                    entries[login.registry] = {"auth": _basic(login)}
                else:
                    _login(builder, login, command, services)
                    done.append(login.registry)
            if entries:
                _write_private(authfile, {"auths": entries})
            yield authfile if os.path.exists(authfile) else ""
        finally:
            for registry in done:
                logout = builder.logout(registry, authfile)
                if logout is not None:
                    services.run(logout, check=False)


def _basic(login: Login) -> str:
    import base64

    return base64.b64encode(f"{login.username}:{login.password}".encode()).decode("ascii")


def _write_private(path: str, document: dict[str, object]) -> None:
    import json

    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(document, handle)


def _login(builder: Builder, login: Login, command: list[str], services: Services) -> None:
    try:
        services.run(command, stdin=login.password + "\n")
    except CommandError as exc:
        raise login_failed(
            login, exc.output_tail or f"{builder.name} login exited with {exc.returncode}"
        ) from None


def login_failed(login: Login, why: str) -> UserError:
    return UserError(
        f"login to {login.registry} as {login.username!r} failed",
        why=why,
        fix=f"check the username and password (token) for {login.registry}; for ghcr.io use "
        "`username: ${{ github.actor }}` and a token with `packages: write`",
    )
