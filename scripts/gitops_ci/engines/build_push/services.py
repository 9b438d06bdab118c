"""What the core uses from outside: subprocesses through proc.run, HTTP sessions from the http
door, progress through callbacks."""

from __future__ import annotations

import contextlib
import shutil
import time
from dataclasses import dataclass
from typing import Callable, ContextManager, Iterator, Mapping, Sequence

from gitops_ci.doors import proc
from gitops_ci.doors.http import Client
from gitops_ci.engines.build_push import oci
from gitops_ci.engines.build_push.trust import Trust
from gitops_ci.secrets import Redactor


@contextlib.contextmanager
def _no_group(title: str) -> Iterator[None]:
    yield


def _quiet(message: str) -> None:
    return None


@dataclass(frozen=True)
class Services:
    redactor: Redactor
    env: Mapping[str, str]  # the builders' environment (PATH, HOME, storage settings, secret sources)
    log: Callable[[str], None] = _quiet
    group: Callable[[str], ContextManager[None]] = _no_group
    clock: Callable[[], float] = time.monotonic
    trust: Trust = Trust()  # where registry certificates are trusted from
    timeout: float | None = None
    # A new HTTP session (one per registry host), given the process environment (its proxy variables).
    http: Callable[[Mapping[str, str]], Client] = oci.session

    def run(
        self, args: Sequence[str], *, stdin: str | None = None, check: bool = True, fix: str = ""
    ) -> proc.Completed:
        return proc.run(
            args,
            redactor=self.redactor,
            log=self.log,
            env=self.env,
            stdin=stdin,
            check=check,
            timeout=self.timeout,
            fix=fix,
        )


@dataclass(frozen=True)
class MachineProbe:
    """`builder: auto`'s questions, answered by this machine."""

    services: Services

    def which(self, tool: str) -> bool:
        return shutil.which(tool, path=self.services.env.get("PATH")) is not None

    def answers(self, args: list[str]) -> bool:
        if not self.which(args[0]):
            return False
        done = proc.run(args, redactor=self.services.redactor, env=self.services.env, check=False, timeout=20)
        return done.returncode == 0
