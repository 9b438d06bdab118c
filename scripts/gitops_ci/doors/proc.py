"""The one place that runs subprocesses. It logs and raises with secrets redacted."""

from __future__ import annotations

import os
import shlex
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

from gitops_ci.errors import CommandError, UserError

if TYPE_CHECKING:  # subprocess and shutil load when a process runs, not at every start (6 ms)
    import subprocess
from gitops_ci.secrets import Redactor

TAIL_LINES = 20


@dataclass(frozen=True)
class Completed:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    duration: float = 0.0  # wall seconds the command ran


@dataclass(frozen=True)
class Job:
    """One command for ``run_concurrently``; the fields mean what ``run``'s parameters mean."""

    args: tuple[str, ...]
    cwd: str | None = None
    env: Mapping[str, str] | None = field(default=None, hash=False)
    timeout: float | None = None
    nice: int = 0


def run(
    args: Sequence[str],
    *,
    redactor: Redactor,
    log: Callable[[str], None] | None = None,
    cwd: str | None = None,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    check: bool = True,
    timeout: float | None = None,
    fix: str = "",
    nice: int = 0,
) -> Completed:
    """Run ``args`` (never through a shell) and return its output as text.

    Secrets go to a command through ``env`` or ``stdin``, never ``args``; should one slip into
    ``args`` anyway, the log line and the error text still show it as ***.

    ``nice`` > 0 starts the command at a lower CPU priority (through `nice`, so it holds from the
    first instruction and for every worker it starts): what runs alongside gets the cores first.
    """
    # Redact before quoting: quoting a secret that holds a quote would hide it from the redactor.
    shown = shlex.join(redactor.redact_args(args))
    if log is not None:
        log(f"$ {shown}")
    import subprocess

    started = time.monotonic()
    try:
        proc = subprocess.run(
            _with_priority(args, nice, env),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            input=stdin,
            capture_output=True,
            text=True,
            errors="replace",  # a tool printing Latin-1 must not crash us with UnicodeDecodeError
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        raise not_found(args[0], shown, redactor) from exc
    except subprocess.TimeoutExpired as exc:
        raise UserError(
            f"command timed out after {timeout} s: {shown}",
            fix="check the tool is not waiting for input or a network that is unreachable",
        ) from exc
    result = Completed(tuple(args), proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started)
    if check and proc.returncode != 0:
        raise CommandError(shown, proc.returncode, redactor.redact(output_tail(result)), fix=fix)
    return result


def run_concurrently(
    jobs: Sequence[Job],
    *,
    redactor: Redactor,
    log: Callable[[str], None] | None = None,
    max_workers: int | None = None,
) -> list[Completed | UserError]:
    """Run ``jobs`` at the same time (threads, each waiting on its own process) through ``run``.

    Results come back in the order of ``jobs``; a job that cannot start (not found, timed out)
    yields its ``UserError`` instead of stopping the others. Exit codes are not checked.
    """

    def one(job: Job) -> Completed | UserError:
        try:
            return run(
                job.args,
                redactor=redactor,
                log=log,
                cwd=job.cwd,
                env=job.env,
                check=False,
                timeout=job.timeout,
                nice=job.nice,
            )
        except UserError as exc:
            return exc

    if not jobs:
        return []
    from concurrent.futures import ThreadPoolExecutor  # here: it loads logging, which no other run needs

    with ThreadPoolExecutor(max_workers=max_workers or len(jobs)) as pool:
        return list(pool.map(one, jobs))


class Spawned:
    """A process ``spawn`` started in the background: ask whether it has ended, or stop it."""

    def __init__(self, args: Sequence[str], process: subprocess.Popen[bytes]) -> None:
        self.args = tuple(args)
        self._process = process

    def exit_code(self) -> int | None:
        """Its exit code once it has ended; None while it runs."""
        return self._process.poll()

    def stop(self, timeout: float = 10) -> int:
        """Ask it to end (SIGTERM) and wait up to ``timeout`` seconds; kill it if it does not."""
        import subprocess

        self._process.terminate()
        try:
            return self._process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            return self._process.wait()


def spawn(
    args: Sequence[str],
    *,
    redactor: Redactor,
    log: Callable[[str], None] | None = None,
    cwd: str | None = None,
    env: Mapping[str, str] | None = None,
    output: str = os.devnull,
) -> Spawned:
    """Start ``args`` (never through a shell) in the background, its stdout and stderr written to
    the file ``output`` (truncated first). For a server a caller waits on, then stops."""
    shown = shlex.join(redactor.redact_args(args))
    if log is not None:
        log(f"$ {shown} &")
    import subprocess

    with open(output, "wb") as sink:
        try:
            process = subprocess.Popen(
                list(args),
                cwd=cwd,
                env=dict(env) if env is not None else None,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=sink,
            )
        except FileNotFoundError as exc:
            raise not_found(args[0], shown, redactor) from exc
    return Spawned(args, process)


def not_found(program: str, shown: str, redactor: Redactor) -> UserError:
    tool = redactor.redact(program)
    return UserError(
        f"{tool!r} was not found on PATH",
        why=f"running: {shown}",
        fix=f"install {tool} on the runner (or pick another tool in the inputs)",
    )


def _with_priority(args: Sequence[str], nice: int, env: Mapping[str, str] | None) -> list[str]:
    """`nice -n N ARGS…`; ARGS alone when nice is 0, or when `nice` or the program cannot be found
    (then the program still runs, or fails as not found, as it would without it)."""
    import shutil

    program = shutil.which("nice") if nice > 0 else None
    search = None if env is None else env.get("PATH")  # None: the PATH the child inherits
    if program is None or shutil.which(args[0], path=search) is None:
        return list(args)
    return [program, "-n", str(nice), *args]


def output_tail(result: Completed, lines: int = TAIL_LINES) -> str:
    text = "\n".join(part for part in (result.stdout.strip(), result.stderr.strip()) if part)
    return "\n".join(text.splitlines()[-lines:])
