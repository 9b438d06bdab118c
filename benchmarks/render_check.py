"""Benchmark: what the render check adds to a bump, as a user pays for it (whole processes).

On the bump-engine benchmark's generated monorepo (321 services, base + 3 kustomize overlays
each, ~5,100 YAML files), paired runs of `gitops-ci bump-manifest --dry-run` of one service's
image with `--render-check false` and `auto`, and the floor: the same `kubectl kustomize` runs
the check makes (the 4 roots that include a changed file, before and after), one after another.

    .venv/bin/python benchmarks/render_check.py [--services 320] [--repeat 5]

Prints one table. Never used as a timed assertion.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bump_engine import ENVS, generate, service_names  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # every finished child, grandchildren too
    return usage.ru_utime + usage.ru_stime


def timed(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds of one process and the processes it waited for."""
    cpu, start = _cpu(), time.perf_counter()
    subprocess.run(args, env=env, capture_output=True, check=True)
    return time.perf_counter() - start, _cpu() - cpu


def bump(tree: Path, image: str, mode: str) -> tuple[float, float]:
    args = [sys.executable, "-m", "gitops_ci", "bump-manifest", "--infra-dir", str(tree), "--image", image]
    args += ["--tag", "1.1.0", "--dry-run", "--render-check", mode]
    return timed(args, {**os.environ, "PYTHONPATH": str(ROOT / "scripts")})


def renders(kubectl: str, roots: list[Path]) -> tuple[float, float]:
    wall = cpu = 0.0
    for root in roots * 2:  # before and after
        one = timed([kubectl, "kustomize", str(root)])
        wall, cpu = wall + one[0], cpu + one[1]
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=320)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        sys.exit("kubectl is not on PATH")
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        tree = Path(tmp)
        files = generate(tree, args.services)
        name = service_names(args.services)[0]
        image = f"ghcr.io/acme/{name}"
        roots = [tree / f"services/{name}/base"] + [tree / f"services/{name}/overlays/{e}" for e in ENVS]
        runs: dict[str, list[tuple[float, float]]] = {"false": [], "auto": [], "floor": []}
        bump(tree, image, "auto")  # warm the page cache
        for _ in range(args.repeat):  # paired: each round runs every variant once
            runs["false"].append(bump(tree, image, "false"))
            runs["auto"].append(bump(tree, image, "auto"))
            runs["floor"].append(renders(kubectl, roots))
    med = {key: statistics.median(wall for wall, _ in values) for key, values in runs.items()}
    cpu = {key: statistics.median(c for _, c in values) for key, values in runs.items()}
    print(f"{files} YAML files, {args.services + 1} services; bump of {image}; median of {args.repeat}")
    print(f"{'variant':<44} {'wall s':>7} {'min s':>7} {'CPU s':>7}")
    rows = (
        ("bump-manifest --render-check false", "false"),
        ("bump-manifest --render-check auto", "auto"),
        ("8 x kubectl kustomize, one after another", "floor"),
    )
    for label, key in rows:
        print(f"{label:<44} {med[key]:>7.3f} {min(w for w, _ in runs[key]):>7.3f} {cpu[key]:>7.3f}")
    print(
        f"render check adds {med['auto'] - med['false']:.3f} s wall ({med['auto'] / med['false']:.2f}x), "
        f"{cpu['auto'] - cpu['false']:.3f} s CPU; the renders alone: {cpu['floor']:.3f} s CPU"
    )


if __name__ == "__main__":
    main()
