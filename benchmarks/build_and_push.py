"""build-and-push's wall time vs plain `buildah bud` + `buildah push` of the same context; prints a table.

Like with like: both sides build a copy of `examples/app` committed to a scratch git repo (the
action's GITHUB_SHA), FROM the same busybox base in the same loopback docker-registry (htpasswd
auth), with the same buildah flags (`--layers`, the same OCI labels the action computes), and both
push every tag (two: `sha-…` and `bench`). Each side has its own buildah storage.

cold:      fresh storage (the base image is pulled, every step runs, every blob is new);
unchanged: the same storage and context again (layer cache; the registry has every blob), the
           action with `reuse: false`, so both sides build;
unchanged commit, same runner: the same again, the action as users run it (`reuse: true`): the
           registry holds an image with this content key, so it adds the tags and builds nothing;
unchanged commit, new runner: fresh storage again (a new CI job), the same registry: plain
           buildah pulls and builds everything (pushing no new blob), the action reuses.

Each round runs both sides (alternating which goes first, since the machine may be shared);
the table shows medians over the rounds, the overhead as the median of each round's difference,
and the 1-minute load average before the first round and after each. The action's extra work is
Python start-up, `git` (the commit time; the checkout's tags only for a release with
`latest: auto`), the login check, and the digest read back; a reused image costs the label
lookup and one manifest PUT per new tag. PYTHONDONTWRITEBYTECODE is left out of both sides'
environment: as on a runner, the first run writes gitops-ci's bytecode and later runs load it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))

from gitops_ci.engines.build_push.content_key import LABEL, content_key  # noqa: E402
from gitops_ci.engines.build_push.context import GitContext  # noqa: E402
from gitops_ci.engines.build_push.labels import oci_labels  # noqa: E402
from testing.containers import buildah_env, push_base_image, skopeo_inspect  # noqa: E402
from testing.registry import LocalRegistry, running_registry  # noqa: E402

APP = ROOT / "examples" / "app"
CLI = Path(sys.executable).parent / "gitops-ci"
COMMIT_TIME = 1767225600  # the scratch commit's date: 2026-01-01T00:00:00Z
CASES = {
    "cold": "cold (fresh storage)",
    "unchanged": "unchanged, reuse: false",
    "same-runner": "unchanged commit, cached",
    "new-runner": "unchanged commit, fresh",
}
REUSE_CASES = ("same-runner", "new-runner")
GOAL_S, GOAL_PCT = 0.5, 0.05  # overhead of the action when both sides build
GOAL_RATIO = 0.3  # the action's time over plain buildah's when the commit is unchanged


def run(args: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    done = subprocess.run(args, env=env, input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{args[:2]} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def timed(action: Callable[[], None]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def scratch_repo(tmp: Path) -> tuple[Path, str]:
    """examples/app committed alone, at a fixed date; returns (context, sha)."""
    context = tmp / "context"
    shutil.copytree(APP, context)
    stamp = f"@{COMMIT_TIME} +0000"
    env = {**os.environ, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
    ident = ["-c", "user.name=bench", "-c", "user.email=bench@example.com"]
    run(["git", "init", "-q", str(context)], env)
    run(["git", "-C", str(context), "add", "-A"], env)
    run(["git", "-C", str(context), *ident, "commit", "-q", "-m", "app"], env)
    return context, run(["git", "-C", str(context), "rev-parse", "HEAD"], env).strip()


class Bench:
    def __init__(self, registry: LocalRegistry, base: str, context: Path, sha: str) -> None:
        self.registry, self.base, self.context, self.sha = registry, base, context, sha
        self.tags = ("bench", f"sha-{sha[:7]}")  # the action's order; `bench` is its version

    def plain(self, env: dict[str, str], repo: str) -> None:
        """What a user would type: the same flags and labels, then one push per tag."""
        image = f"{self.registry.host}/{repo}"
        ctx = GitContext("push", "refs/heads/main", self.sha)
        created = datetime.fromtimestamp(COMMIT_TIME, timezone.utc)
        labels = oci_labels(ctx, image, self.tags[0], created)
        # The same content-key label the action records, so both sides build the same config.
        args = (("BASE_IMAGE", self.base),)
        labels[LABEL] = content_key(
            str(self.context), str(self.context / "Dockerfile"), args, (), "", (), labels.items()
        )
        creds = f"{self.registry.username}:{self.registry.password}"
        build = ["buildah", "bud", "--creds", creds, "--layers", f"--build-arg=BASE_IMAGE={self.base}"]
        build += [f"--label={key}={value}" for key, value in sorted(labels.items())]
        build += [f"--tag={image}:{tag}" for tag in self.tags]
        run([*build, str(self.context)], env)
        for tag in self.tags:
            ref = f"{image}:{tag}"
            run(["buildah", "push", "--tls-verify=false", "--creds", creds, ref, f"docker://{ref}"], env)

    def action(self, env: dict[str, str], repo: str, reuse: bool = True) -> None:
        """The CLI as action.yml runs it."""
        inputs = {
            "INPUT_REUSE": "true" if reuse else "false",
            "INPUT_IMAGE": f"{self.registry.host}/{repo}",
            "INPUT_CONTEXT": str(self.context),
            "INPUT_BUILDER": "buildah",
            "INPUT_TAGS": "type=sha\ntype=raw,value=bench",
            "INPUT_LATEST": "false",
            "INPUT_BUILD_ARGS": f"BASE_IMAGE={self.base}",
            "INPUT_USERNAME": self.registry.username,
            "INPUT_PASSWORD": self.registry.password,
            "GITHUB_SHA": self.sha,
            "GITHUB_REF": "refs/heads/main",
            "GITHUB_EVENT_NAME": "push",
        }
        run([str(CLI), "build-and-push"], {**env, **inputs})


DRIVER = "overlay"  # what hosted runners use; `--driver vfs` where the kernel has no overlay


def storage(tmp: Path, name: str, registry: LocalRegistry) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("INPUT_", "GITHUB_", "BUILDAH_"))}
    keep.pop("SOURCE_DATE_EPOCH", None)
    # As on a runner, the first run writes the bytecode and later ones load it: with this set
    # (as it is on some machines) every run would compile gitops-ci's modules again.
    keep.pop("PYTHONDONTWRITEBYTECODE", None)
    return {**keep, **buildah_env(tmp / name, registry, DRIVER)}


LOADS: list[float] = []  # the 1-minute load average before the first round and after each


def measure(rounds: int) -> dict[tuple[str, str], list[float]]:
    times: dict[tuple[str, str], list[float]] = {(c, s): [] for c in CASES for s in ("plain", "action")}
    LOADS.append(os.getloadavg()[0])
    with tempfile.TemporaryDirectory() as tmpdir, running_registry(Path(tmpdir) / "registry") as registry:
        tmp = Path(tmpdir)
        base = push_base_image(tmp, registry, storage(tmp, "base", registry))
        context, sha = scratch_repo(tmp)
        bench = Bench(registry, base, context, sha)
        for n in range(rounds):
            sides = ("plain", "action") if n % 2 == 0 else ("action", "plain")
            for side in sides:
                for case, seconds in one_side(bench, side, n, tmp, registry).items():
                    times[(case, side)].append(seconds)
            LOADS.append(os.getloadavg()[0])
            print(f"round {n + 1}/{rounds} done (load {LOADS[-1]:.1f})", file=sys.stderr, flush=True)
        same_labels(registry, storage(tmp, "inspect", registry))
    return times


def one_side(bench: Bench, side: str, n: int, tmp: Path, registry: LocalRegistry) -> dict[str, float]:
    """Every case of one side in one round, in the order a pipeline meets them."""
    repo = f"{side}-{n}/app"  # the same title label (`app`) on both sides
    env = storage(tmp, f"{side}-{n}", registry)
    fresh = storage(tmp, f"{side}-{n}-new-runner", registry)
    found: dict[str, float] = {}
    if side == "plain":
        found["cold"] = timed(lambda: bench.plain(env, repo))
        found["unchanged"] = timed(lambda: bench.plain(env, repo))
        found["same-runner"] = timed(lambda: bench.plain(env, repo))
        found["new-runner"] = timed(lambda: bench.plain(fresh, repo))
    else:
        found["cold"] = timed(lambda: bench.action(env, repo))
        found["unchanged"] = timed(lambda: bench.action(env, repo, reuse=False))
        found["same-runner"] = timed(lambda: bench.action(env, repo))
        found["new-runner"] = timed(lambda: bench.action(fresh, repo))
    for name in (f"{side}-{n}", f"{side}-{n}-new-runner"):
        shutil.rmtree(tmp / name, ignore_errors=True)
    return found


def same_labels(registry: LocalRegistry, env: dict[str, str]) -> None:
    """Both sides must have built the same image config, or the comparison is not like with like."""
    found = [
        json.loads(skopeo_inspect(f"{registry.host}/{side}-0/app:bench", registry, env))["Labels"]
        for side in ("plain", "action")
    ]
    if found[0] != found[1]:
        raise SystemExit(f"the two sides built different labels: {found[0]} vs {found[1]}")


def table(times: dict[tuple[str, str], list[float]], rounds: int) -> list[str]:
    lines = [
        f"build-and-push vs buildah bud + buildah push (examples/app, two tags, {DRIVER} storage, "
        f"median of {rounds} rounds)",
        f"| {'case':<26} | {'plain s':>8} | {'action s':>8} | {'overhead s':>10} | {'ratio':>6} "
        "| goal              |",
        f"|{'-' * 28}|{'-' * 10}|{'-' * 10}|{'-' * 12}|{'-' * 8}|-------------------|",
    ]
    for case, label in CASES.items():
        plain, action = times[(case, "plain")], times[(case, "action")]
        plain_s, action_s = statistics.median(plain), statistics.median(action)
        # Paired by round: both sides of a round ran under the same load.
        extra = statistics.median(a - p for p, a in zip(plain, action))
        ratio = statistics.median(a / p for p, a in zip(plain, action))
        if case in REUSE_CASES:
            goal = f"ratio <= {GOAL_RATIO}: " + ("met" if ratio <= GOAL_RATIO else "NOT met")
        else:
            goal = f"+{GOAL_S}s/{GOAL_PCT:.0%}: " + (
                "met" if extra <= GOAL_S or extra <= GOAL_PCT * plain_s else "NOT met"
            )
        row = f"| {label:<26} | {plain_s:>8.2f} | {action_s:>8.2f} | {extra:>10.2f} | {ratio:>6.2f} "
        lines.append(row + f"| {goal:<17} |")
    lines.append("ratio and overhead: medians of each round's paired ratio and difference; every round (s):")
    for (case, side), values in times.items():
        lines.append(f"  {case:<11} {side:<6} " + " ".join(f"{v:.2f}" for v in values))
    if LOADS:
        lines.append(
            f"1-minute load average ({os.cpu_count()} cores): {LOADS[0]:.1f} before, then after each round "
            + " ".join(f"{load:.1f}" for load in LOADS[1:])
            + f" (median {statistics.median(LOADS):.1f})"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--driver", choices=("overlay", "vfs"), default=DRIVER, help="buildah storage driver")
    args = parser.parse_args()
    globals()["DRIVER"] = args.driver
    if not all(shutil.which(t) for t in ("buildah", "docker-registry", "skopeo", "busybox", "git")):
        print("needs buildah, docker-registry, skopeo, busybox-static and git (see .ci/run)")
        return 1
    times = measure(args.rounds)
    print("\n".join(table(times, args.rounds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
