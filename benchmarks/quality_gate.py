"""quality-gate's wall time vs the same four tools run one after another; prints a table.

The project is a real one from the package registry, as an sdist (click 8.1.7 by default:
~70 Python files, black-formatted, mypy-typed, pytest tests). Each round copies the unpacked
sdist afresh, so both sides start cold (no .mypy_cache, no .pytest_cache). Both sides run the
exact same command lines (the ones the gate builds), with this checkout's .venv tools.

    .venv/bin/python benchmarks/quality_gate.py [--project DIR] [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from gitops_ci.quality_gate.tools import TOOLS  # noqa: E402

SDIST = "click==8.1.7"
# What click's own CI runs: mypy on the package (setup.cfg: files = src/click); pytest on tests,
# with the deprecation warnings a newer pytest raises as errors under its filterwarnings=error.
ARGS = {
    "black": ["."],
    "flake8": [],
    "mypy": ["src/click"],
    "pytest": ["tests", "-W", "ignore::DeprecationWarning", "-W", "ignore::pytest.PytestRemovedIn10Warning"],
}


def fetch(spec: str, into: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-q",
            "--no-deps",
            "--no-binary",
            ":all:",
            spec,
            "-d",
            str(into),
        ],
        check=True,
    )
    (archive,) = into.glob("*.tar.gz")
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return next(p for p in into.iterdir() if p.is_dir())


def cold_env(reports: Path) -> dict[str, str]:
    """A fresh black cache per run, as on a new runner (black skips files its cache knows)."""
    return {**os.environ, "BLACK_CACHE_DIR": str(reports / "black-cache")}


def sequential(project: Path, reports: Path) -> float:
    env = cold_env(reports)
    start = time.perf_counter()
    for name, tool in TOOLS.items():
        argv = [sys.executable, "-m", tool.module, *tool.command(ARGS[name], str(reports))]
        subprocess.run(argv, cwd=project, env=env, capture_output=True, check=False)
    return time.perf_counter() - start


def gate(project: Path, reports: Path) -> float:
    argv = [sys.executable, "-m", "gitops_ci", "quality-gate", "--working-directory", str(project)]
    argv += ["--python", sys.executable, "--fail-on", "never", "--report-dir", str(reports), "--json"]
    for name, args in ARGS.items():
        argv.append(f"--{name}-args={subprocess.list2cmdline(args)}")
    env = {**cold_env(reports), "PYTHONPATH": str(ROOT / "scripts")}
    start = time.perf_counter()
    subprocess.run(argv, env=env, capture_output=True, check=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--project", type=Path, help="an unpacked project (default: fetch the sdist)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        source = args.project or fetch(SDIST, tmp / "sdist")
        seq: list[float] = []
        par: list[float] = []
        for n in range(args.rounds):
            for label, runner, times in (("seq", sequential, seq), ("gate", gate, par)):
                copy = tmp / f"{label}-{n}" / source.name
                shutil.copytree(source, copy)
                times.append(runner(copy, tmp / f"{label}-{n}-reports"))
        files = sum(1 for _ in source.rglob("*.py"))
    cores, load = os.cpu_count(), os.getloadavg()[0]
    print(
        f"quality-gate vs sequential ({source.name}, {files} .py files, {cores} cores, {args.rounds} rounds)"
    )
    print(f"(1-minute load average at the end: {load:.1f}; other work on the machine skews both)")
    print("| case                         |  median s |   min s |   max s |")
    print("|------------------------------|-----------|---------|---------|")
    for label, times in (("four tools one after another", seq), ("quality-gate (concurrent)", par)):
        print(f"| {label:<28} | {statistics.median(times):9.2f} | {min(times):7.2f} | {max(times):7.2f} |")
    ratio = statistics.median(par) / statistics.median(seq)
    best = min(par) / min(seq)
    print(f"gate / sequential = {ratio:.2f}x by median, {best:.2f}x by best run (goal <= 0.65x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
