"""Where the tools come from: the project's own environment first (its pinned versions win),
else pinned versions the gate installs into a cached folder of its own."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping

from gitops_ci.doors import proc
from gitops_ci.errors import CommandError, UserError
from gitops_ci.secrets import Redactor

PROBE = (
    "import importlib.util, json, platform, sys\n"
    "found = {m: importlib.util.find_spec(m) is not None for m in sys.argv[1:]}\n"
    "tag = f'py{sys.version_info[0]}{sys.version_info[1]}-{platform.machine()}'\n"
    "print(json.dumps({'tag': tag, 'found': found}))\n"
)
COMPLETE = ".complete"


@dataclass(frozen=True)
class Probe:
    tag: str  # e.g. py311-x86_64: installed tools are only valid for this interpreter
    found: frozenset[str]


@dataclass(frozen=True)
class Installed:
    path: str  # a folder to append to PYTHONPATH; "" when the install failed
    problem: str = ""


def probe(
    python: str, modules: Iterable[str], *, cwd: str, env: Mapping[str, str], redactor: Redactor
) -> Probe:
    fix = "set the `python` input to the interpreter of the project's environment"
    try:
        done = proc.run([python, "-c", PROBE, *modules], redactor=redactor, cwd=cwd, env=env, fix=fix)
        data = json.loads(done.stdout)
    except (CommandError, ValueError) as exc:
        raise UserError(f"could not inspect the project's Python {python!r}", why=str(exc), fix=fix) from exc
    return Probe(str(data["tag"]), frozenset(m for m, ok in data["found"].items() if ok))


def requirements(packages: Iterable[str], versions: Mapping[str, str]) -> list[str]:
    return [f"{p}=={versions[p]}" if versions.get(p) else p for p in sorted(set(packages))]


def install(
    python: str,
    tag: str,
    reqs: list[str],
    *,
    cache: str,
    env: Mapping[str, str],
    redactor: Redactor,
    log: Callable[[str], None] | None = None,
) -> Installed:
    """Install ``reqs`` once per (interpreter, pins) into ``cache``; later runs reuse the folder."""
    key = hashlib.sha256("\n".join([tag, *reqs]).encode()).hexdigest()[:16]
    target = os.path.join(cache, f"tools-{tag}-{key}")
    if os.path.isfile(os.path.join(target, COMPLETE)):
        return Installed(target)
    os.makedirs(cache, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".tools-staging-", dir=cache)
    args = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input"]
    done = proc.run([*args, "--target", staging, *reqs], redactor=redactor, env=env, log=log, check=False)
    if done.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        tail = redactor.redact(proc.output_tail(done))
        return Installed("", f"installing {' '.join(reqs)} failed (pip exit code {done.returncode}):\n{tail}")
    with open(os.path.join(staging, COMPLETE), "w", encoding="utf-8") as handle:
        handle.write(" ".join(reqs) + "\n")
    if not os.path.exists(target):
        os.replace(staging, target)  # one rename publishes it; a concurrent job may have won
    shutil.rmtree(staging, ignore_errors=True)
    return Installed(target)


def with_path(env: Mapping[str, str], folder: str) -> dict[str, str]:
    """``env`` with ``folder`` last on PYTHONPATH, so the project's own packages still win."""
    current = env.get("PYTHONPATH", "")
    return {**env, "PYTHONPATH": f"{current}{os.pathsep}{folder}" if current else folder}
