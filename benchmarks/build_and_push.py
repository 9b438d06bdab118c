"""build-and-push's wall time vs plain `buildah bud` + `buildah push` of the same context; prints a table.

cold:      fresh buildah storage (the base image is pulled, every step runs);
unchanged: the same storage again with an unchanged context (layer cache, BUILDAH_LAYERS=true);
fixed date: unchanged, with SOURCE_DATE_EPOCH set, so the action's `created` label is stable too.
Both sides push one tag to the same loopback docker-registry (htpasswd auth). The action's
extra work is Python start-up, login/logout, the registry ping and the digest read back.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from testing.containers import buildah_env, push_base_image  # noqa: E402
from testing.registry import LocalRegistry, running_registry  # noqa: E402

APP = ROOT / "examples" / "app"
CLI = Path(sys.executable).parent / "gitops-ci"
LABELS = {
    "cold": "cold (fresh storage)",
    "unchanged": "unchanged (cached)",
    "epoch": "unchanged, fixed date",
}


def timed(action: Callable[[], None]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def run(args: list[str], env: dict[str, str], stdin: str | None = None) -> None:
    done = subprocess.run(args, env=env, input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{args[:2]} failed:\n{done.stdout}\n{done.stderr}")


def plain(registry: LocalRegistry, env: dict[str, str], base: str, repo: str) -> None:
    ref = f"{registry.host}/{repo}:sha-0123456"
    creds = f"{registry.username}:{registry.password}"
    run(["buildah", "bud", "--creds", creds, "--build-arg", f"BASE_IMAGE={base}", "-t", ref, str(APP)], env)
    run(["buildah", "push", "--tls-verify=false", "--creds", creds, ref, f"docker://{ref}"], env)


def action(registry: LocalRegistry, env: dict[str, str], base: str, repo: str) -> None:
    """The CLI as the action runs it; SOURCE_DATE_EPOCH keeps the `created` label, and so the
    layer cache, stable across runs (the table's last row)."""
    inputs = {
        "INPUT_IMAGE": f"{registry.host}/{repo}",
        "INPUT_CONTEXT": str(APP),
        "INPUT_BUILDER": "buildah",
        "INPUT_TAGS": "type=sha",
        "INPUT_LATEST": "false",
        "INPUT_BUILD_ARGS": f"BASE_IMAGE={base}",
        "INPUT_USERNAME": registry.username,
        "INPUT_PASSWORD": registry.password,
        "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
    }
    run([str(CLI), "build-and-push"], {**env, **inputs})


def storage(tmp: Path, name: str, registry: LocalRegistry) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("INPUT_", "GITHUB_"))}
    return {**keep, **buildah_env(tmp / name, registry), "BUILDAH_LAYERS": "true"}


def main() -> int:
    if not shutil.which("buildah") or not shutil.which("docker-registry"):
        print("needs buildah, docker-registry, skopeo and busybox-static (see .ci/run)")
        return 1
    rows: list[tuple[str, float, float]] = []
    with tempfile.TemporaryDirectory() as tmpdir, running_registry(Path(tmpdir) / "registry") as registry:
        tmp = Path(tmpdir)
        base = push_base_image(tmp, registry, storage(tmp, "base", registry))
        sides = {"plain": plain, "action": action}
        times: dict[tuple[str, str], float] = {}
        for side, fn in sides.items():
            env = storage(tmp, side, registry)
            times[("cold", side)] = timed(lambda: fn(registry, env, base, f"bench/{side}-cold"))
            times[("unchanged", side)] = timed(lambda: fn(registry, env, base, f"bench/{side}-warm"))
            env["SOURCE_DATE_EPOCH"] = "1767225600"
            fn(registry, env, base, f"bench/{side}-epoch-prime")
            times[("epoch", side)] = timed(lambda: fn(registry, env, base, f"bench/{side}-epoch"))
        for case in ("cold", "unchanged", "epoch"):
            rows.append((case, times[(case, "plain")], times[(case, "action")]))
    print("build-and-push vs buildah bud + buildah push (examples/app, one tag, one run each)")
    print(f"| {'case':<22} | {'plain s':>8} | {'action s':>8} | {'overhead s':>10} | {'overhead %':>10} |")
    print(f"|{'-' * 24}|{'-' * 10}|{'-' * 10}|{'-' * 12}|{'-' * 12}|")
    for case, plain_s, action_s in rows:
        label = LABELS[case]
        extra = action_s - plain_s
        print(
            f"| {label:<22} | {plain_s:>8.2f} | {action_s:>8.2f} | {extra:>10.2f} | {extra / plain_s:>9.0%} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
