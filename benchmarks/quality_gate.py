"""quality-gate's wall time vs the same four tools run one after another; prints a table.

The projects are real ones from the package registry, as sdists (click 8.1.7, attrs 23.2.0,
jinja2 3.1.4: mid-size, typed, with test suites). Each run gets a fresh copy of the unpacked
sdist, so every side starts cold (no .mypy_cache, no .pytest_cache, an empty black cache);
rounds alternate the order of the sides. With this checkout's .venv tools, three sides:

- the four tools one after another, as four workflow steps run them: the arguments and report
  flags the gate uses (`--format` for flake8, `--junitxml` for pytest, …), nothing more;
- the same with the gate's own flags as well (black's `--fast`), to show that part apart;
- the gate: tools at once, black and flake8 (which spread over every core themselves) at a lower
  CPU priority so mypy and pytest keep a core each; parsing and reports included.

    .venv/bin/python benchmarks/quality_gate.py [--project click==8.1.7] [--rounds N]
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from gitops_ci.engines.quality_gate.tools import TOOLS  # noqa: E402

# Real projects from the package registry, as sdists, each with the checks its own CI runs: mypy
# as its config says, pytest on its tests against its own source (PYTHONPATH=src, plus any
# runtime dependency the tools' environment lacks, installed aside with --no-deps).
PROJECTS: dict[str, dict[str, Any]] = {
    "click==8.1.7": {
        "mypy": ["src/click"],
        # the deprecation warnings a newer pytest raises as errors under its filterwarnings=error
        "pytest": [
            "tests",
            "-W",
            "ignore::DeprecationWarning",
            "-W",
            "ignore::pytest.PytestRemovedIn10Warning",
        ],
        "deps": [],
    },
    "attrs==23.2.0": {"mypy": ["src"], "pytest": [], "deps": []},
    "jinja2==3.1.4": {"mypy": [], "pytest": ["tests"], "deps": ["markupsafe==2.1.5"]},
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


class Project:
    def __init__(self, spec: str, tmp: Path) -> None:
        config = PROJECTS[spec]
        self.source = fetch(spec, tmp / "sdist" / spec)
        self.args = {"black": ["."], "flake8": [], "mypy": config["mypy"], "pytest": config["pytest"]}
        deps = tmp / "deps" / spec
        if config["deps"]:
            pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(deps)]
            subprocess.run([*pip, *config["deps"]], check=True)
        self.pythonpath = os.pathsep.join([str(self.source / "src"), str(deps)])

    def env(self, reports: Path) -> dict[str, str]:
        """A fresh black cache per run, as on a new runner (black skips files its cache knows)."""
        return {**os.environ, "BLACK_CACHE_DIR": str(reports / "black-cache"), "PYTHONPATH": self.pythonpath}


def sequential(project: Project, copy: Path, reports: Path, gate_flags: bool = False) -> float:
    """The four tools one after another, as four workflow steps run them: the same arguments and
    report flags as the gate; `gate_flags` adds the gate's own flags too (black's --fast)."""
    env = project.env(reports)
    start = time.perf_counter()
    for name, tool in TOOLS.items():
        args = [*tool.gate_args, *project.args[name]] if gate_flags else project.args[name]
        argv = [sys.executable, "-m", tool.module, *tool.command(args, str(reports))]
        subprocess.run(argv, cwd=copy, env=env, capture_output=True, check=False)
    return time.perf_counter() - start


def gate(project: Project, copy: Path, reports: Path) -> float:
    argv = [sys.executable, "-m", "gitops_ci", "quality-gate", "--working-directory", str(copy)]
    argv += ["--python", sys.executable, "--fail-on", "never", "--report-dir", str(reports), "--json"]
    for name, args in project.args.items():
        argv.append(f"--{name}-args={subprocess.list2cmdline(args)}")
    env = {**project.env(reports), "PYTHONPATH": os.pathsep.join([str(ROOT / "scripts"), project.pythonpath])}
    start = time.perf_counter()
    subprocess.run(argv, env=env, capture_output=True, check=True)
    return time.perf_counter() - start


SIDES: dict[str, Callable[[Project, Path, Path], float]] = {
    "four tools one after another": sequential,
    "the same, with the gate's flags": functools.partial(sequential, gate_flags=True),
    "quality-gate (concurrent)": gate,
}


def black_verdicts(project: Project, tmp: Path) -> str:
    """The gate's black (--fast) must flag exactly the files black's default run flags, with the
    same diffs: otherwise the comparison would not be like with like."""
    found = []
    for flags in ([], ["--fast"]):
        copy = tmp / f"verdict{len(flags)}" / project.source.name
        shutil.copytree(project.source, copy)
        argv = [sys.executable, "-m", "black", "--check", "--diff", "--no-color", *flags, "."]
        done = subprocess.run(argv, cwd=copy, env=project.env(copy.parent), capture_output=True, text=True)
        found.append((done.returncode, diffs(done.stdout.replace(str(copy), "."))))
        shutil.rmtree(copy.parent)
    if found[0] != found[1]:
        raise SystemExit(f"{project.source.name}: black --fast does not report what black reports")
    return f"black with and without --fast flags the same {len(found[0][1])} files with the same diffs"


def diffs(text: str) -> dict[str, list[str]]:
    """black --diff output → file → its diff lines (the workers print files in any order)."""
    out: dict[str, list[str]] = {}
    lines: list[str] = []
    for line in text.splitlines():
        if line.startswith("--- "):
            lines = out.setdefault(line[4:].split("\t")[0], [])
        elif not line.startswith("+++ "):
            lines.append(line)
    return out


def measure(spec: str, rounds: int, tmp: Path) -> dict[str, list[float]]:
    project = Project(spec, tmp)
    verdicts = black_verdicts(project, tmp)
    times: dict[str, list[float]] = {label: [] for label in SIDES}
    for n in range(rounds):
        order = list(SIDES.items()) if n % 2 == 0 else list(reversed(SIDES.items()))
        for index, (label, side) in enumerate(order):
            copy = tmp / f"{spec}-{n}-{index}" / project.source.name
            shutil.copytree(project.source, copy)
            times[label].append(side(project, copy, copy.parent / "reports"))
            shutil.rmtree(copy.parent, ignore_errors=True)
        print(f"{spec}: round {n + 1}/{rounds} done", file=sys.stderr, flush=True)
    files = sum(1 for _ in project.source.rglob("*.py"))
    lines = sum(len(f.read_bytes().splitlines()) for f in project.source.rglob("*.py"))
    print(
        f"\n{spec} ({files} .py files, {lines} lines), {rounds} rounds, {os.cpu_count()} cores; {verdicts}:"
    )
    return times


def table(times: dict[str, list[float]]) -> None:
    print("| case                            |  median s |   min s |   max s | / sequential |")
    print("|---------------------------------|-----------|---------|---------|--------------|")
    base = statistics.median(times["four tools one after another"])
    for label, values in times.items():
        median = statistics.median(values)
        print(
            f"| {label:<31} | {median:9.2f} | {min(values):7.2f} | {max(values):7.2f} "
            f"| {median / base:11.2f}x |"
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--project", action="append", choices=sorted(PROJECTS), help="default: all")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        for spec in args.project or list(PROJECTS):
            table(measure(spec, args.rounds, Path(tmp_name)))
    print(f"(1-minute load average at the end: {os.getloadavg()[0]:.1f}; goal: gate <= 0.65x sequential)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
