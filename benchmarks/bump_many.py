"""Benchmark: many services of one repository deployed in one bump (`--set-from` a folder of
build metadata files) against one service, and against one run per service, as whole
`gitops-ci bump-manifest` processes on the infra monorepo benchmarks/bump_engine.py generates
(services svc0...svc337 + platform-agent: 5,424 YAML files, 15 a service that name it).

Cases, run side by side in every round (the order turns round by round; each round pins new
versions, so every run changes something):
  one            --set-from a folder holding one metadata file (svc250)
  N in one       --set-from a folder of N metadata files (svc0, svc6, ... : N services)
  N runs of one  N processes one after the other, each --set-from a folder of one of those files

    .venv/bin/python benchmarks/bump_many.py [--mode commit|edit] [--images 50] [--rounds 5]
                                             [--source-time]

commit mode (the default) pushes one commit a run to a local bare repository (a path, as
--infra-repo takes it): clone, edit, commit, push, as a pipeline pays for it. edit mode edits
one checkout in place. --source-time turns the downgrade guard on (it reads the infra repo's
history and asks the engine which pins are still in place). The render check is off in every
case (it renders kustomizations; benchmarks/render_check.py measures it).

Prints one table. Never used as a timed assertion.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bump_engine import generate  # noqa: E402

from gitops_ci.commands.build_report import document  # noqa: E402
from gitops_ci.engines.build_push.core import Result  # noqa: E402

CLI = str(Path(sys.executable).parent / "gitops-ci")
SERVICES = 338
ONE = "svc250"
REVISION = "3f2a1bc9d8e7f60123456789abcdef0123456789"
ONE_GOAL, RUNS_GOAL = 1.5, 10.0


def metadata(service: str, version: str) -> dict[str, object]:
    """build-and-push's `metadata` output for a pushed build of the service, made by its own code."""
    image = f"ghcr.io/acme/{service}"
    digest = "sha256:" + f"{abs(hash((service, version))):016x}" * 4
    labels = {"org.opencontainers.image.revision": REVISION, "org.opencontainers.image.version": version}
    refs = (f"{image}:{version}", f"{image}:latest")
    return document(Result(image, refs, (version, "latest"), version, labels, "buildah", 1.0, True, digest))


def folder(root: Path, name: str, services: list[str], version: str) -> str:
    path = root / name
    path.mkdir(parents=True)
    for service in services:
        (path / f"{service}.json").write_text(json.dumps(metadata(service, version)))
    return str(path)


def bare_repository(tree: Path, where: Path) -> Path:
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.test"}
    env |= {"GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.test"}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "initial manifests"]):
        subprocess.run(["git", *args], cwd=tree, env=env, check=True)
    subprocess.run(["git", "clone", "-q", "--bare", str(tree), str(where)], check=True)
    return where


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user+sys of the process and its children) seconds of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0 or not ("Changed " in done.stdout or "\nCommit " in done.stdout):
        raise SystemExit(
            f"{' '.join(argv[:6])} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr}"
        )
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mode", choices=("commit", "edit"), default="commit")
    parser.add_argument("--images", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--source-time", action="store_true", help="turn the downgrade guard on")
    args = parser.parse_args()
    many = [f"svc{i * 6}" for i in range(args.images)]
    assert ONE not in many
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_", "GITOPS_CI_"))}
    env |= {"GITHUB_SHA": REVISION, "GITHUB_REPOSITORY": "acme/monorepo"}
    with tempfile.TemporaryDirectory(prefix="bump-many-bench-") as tmp:
        root = Path(tmp)
        files = generate(root / "tree", SERVICES, style="svc")
        if args.mode == "commit":
            target = [
                "--mode",
                "commit",
                "--infra-repo",
                str(bare_repository(root / "tree", root / "infra.git")),
            ]
        else:
            target = ["--mode", "edit", "--infra-dir", str(root / "tree")]
        base = [CLI, "bump-manifest", *target, "--render-check", "false"]
        if args.source_time:
            base += ["--source-time", "2026-12-01T12:00:00Z"]
        else:
            base += ["--allow-downgrade", "true"]  # no guard (and no notice that it is off)
        labels = ("one", f"{args.images} in one", f"{args.images} runs of one")
        wall: dict[str, list[float]] = {label: [] for label in labels}
        cpu: dict[str, list[float]] = {label: [] for label in labels}
        load = f"{os.getloadavg()[0]:.2f}"
        for round_ in range(-1, args.rounds):  # round -1 warms up: bytecode, page cache, the repo's packs
            dirs = root / f"round{round_ + 1}"
            version = f"2.{round_ + 1}"  # and the case: each run of the round pins a new version
            cases = {
                labels[0]: [[*base, "--set-from", folder(dirs, "one", [ONE], f"{version}.0")]],
                labels[1]: [[*base, "--set-from", folder(dirs, "many", many, f"{version}.1")]],
                labels[2]: [
                    [*base, "--set-from", folder(dirs, f"single-{service}", [service], f"{version}.2")]
                    for service in many
                ],
            }
            order = labels[round_ % 3 :] + labels[: round_ % 3]
            for label in order:
                spent = [run(argv, env) for argv in cases[label]]
                if round_ >= 0:
                    wall[label].append(sum(w for w, _ in spent))
                    cpu[label].append(sum(c for _, c in spent))
        load += f" -> {os.getloadavg()[0]:.2f}"
    print(table(labels, wall, cpu, args, files, load))


def table(
    labels: tuple[str, ...],
    wall: dict[str, list[float]],
    cpu: dict[str, list[float]],
    args: argparse.Namespace,
    files: int,
    load: str,
) -> str:
    one, together, runs = labels
    ratio_one = statistics.median(x / y for x, y in zip(wall[together], wall[one]))
    ratio_runs = statistics.median(x / y for x, y in zip(wall[runs], wall[together]))
    guard = "on (--source-time)" if args.source_time else "off"
    where = "commit mode to a local bare repository" if args.mode == "commit" else "edit mode, in place"
    one_goal = f"<= {ONE_GOAL:g}x one: {'met' if ratio_one <= ONE_GOAL else 'NOT met'}"
    runs_goal = f">= {RUNS_GOAL:g}x {together}: {'met' if ratio_runs >= RUNS_GOAL else 'NOT met'}"

    def row(label: str, processes: int, ratio: str, goal: str) -> str:
        medians = f"{statistics.median(wall[label]):.2f} | {statistics.median(cpu[label]):.2f}"
        return f"| {label} | {processes} | {medians} | {ratio} | {goal} |"

    return "\n".join(
        [
            f"bump-manifest --set-from, {where}; {files} YAML files ({SERVICES} services + platform-agent); "
            f"render check off, downgrade guard {guard}; {args.rounds} interleaved rounds; "
            f"{os.cpu_count()} cores, 1-min load average {load}.",
            "",
            "| case | processes | wall s (median) | CPU s (median) | ratio (paired by round) | goal |",
            "|---|---:|---:|---:|---|---|",
            row(one, 1, "1", ""),
            row(together, 1, f"{ratio_one:.2f}x one", one_goal),
            row(runs, args.images, f"{ratio_runs:.1f}x {together}", runs_goal),
        ]
    )


if __name__ == "__main__":
    main()
