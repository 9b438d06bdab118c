"""Logins: the password on stdin, the private auth file gone afterwards, and a logout command only
where the credential outlives the run (docker's own config)."""

from __future__ import annotations

import base64
import json
import os
import stat
import sys
from pathlib import Path

import pytest

from gitops_ci.engines.build_push.builders import load
from gitops_ci.engines.build_push.builders.base import Builder
from gitops_ci.engines.build_push.login import Login, logged_in
from gitops_ci.engines.build_push.services import Services
from gitops_ci.secrets import Redactor

LOGINS = (Login("reg.example", "ci", "pw-123"),)


class Recording:
    """A builder whose login and logout append a line to `log` (the password read from stdin)."""

    name = "recording"
    install_hint = ""

    def __init__(self, real: Builder, log: Path) -> None:
        self.real = real
        self.log = log

    def _record(self, what: str) -> list[str]:
        script = f"import sys; open({str(self.log)!r}, 'a').write({what!r} + ' ' + sys.stdin.read())"
        return [sys.executable, "-c", script]

    def login(self, registry: str, username: str, authfile: str) -> list[str]:
        Path(authfile).write_text("{}", encoding="utf-8")  # what `buildah login` leaves behind
        return self._record(f"login {registry}")

    def logout(self, registry: str, authfile: str) -> list[str] | None:
        return None if self.real.logout(registry, authfile) is None else self._record(f"logout {registry}")


def services() -> Services:
    return Services(redactor=Redactor(), env=dict(os.environ))


@pytest.mark.parametrize(("name", "logouts"), [("buildah", 0), ("podman", 0), ("docker", 1)])
def test_the_auth_file_is_gone_and_docker_also_logs_out_even_on_failure(
    tmp_path: Path, name: str, logouts: int
) -> None:
    log = tmp_path / "log"
    builder = Recording(load(name), log)
    with pytest.raises(RuntimeError):
        with logged_in(builder, LOGINS, services()) as authfile:  # type: ignore[arg-type]
            assert Path(authfile).exists()
            raise RuntimeError("the build failed")
    assert not Path(authfile).parent.exists()
    lines = log.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "login reg.example pw-123"
    assert lines[1:] == ["logout reg.example "] * logouts


@pytest.mark.parametrize("name", ["buildah", "podman"])
def test_daemonless_logins_are_entries_in_a_private_auth_file_and_no_process(
    tmp_path: Path, name: str
) -> None:
    logins = (*LOGINS, Login("127.0.0.1:5000", "bot", "p:w=2"))
    with logged_in(load(name), logins, services()) as authfile:
        assert stat.S_IMODE(os.stat(authfile).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(Path(authfile).parent).st_mode) == 0o700
        auths = json.loads(Path(authfile).read_text(encoding="utf-8"))["auths"]
    assert {host: base64.b64decode(entry["auth"]).decode() for host, entry in auths.items()} == {
        "reg.example": "ci:pw-123",
        "127.0.0.1:5000": "bot:p:w=2",
    }
    assert not Path(authfile).parent.exists()


@pytest.mark.parametrize("name", ["buildah", "podman", "docker"])
def test_without_logins_there_is_no_auth_file_to_name(name: str) -> None:
    with logged_in(load(name), (), services()) as authfile:
        assert authfile == ""
