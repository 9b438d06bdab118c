"""Benchmark: the bump-manifest edit engine against what other tools do, on a generated
infra monorepo (>= 5,000 YAML files, >= 300 services, 3 environments).

Variants, each in its own subprocess (peak memory is that process's ru_maxrss):
  tool         gitops-ci's engine: plan() + apply()
  parse-all    ruamel.yaml round-trip load + dump of every YAML file (autodiscovery tools)
  prefiltered  round-trip load + dump of only the files whose bytes mention the repository
  grep         `grep -rlF REPO` over the tree: the floor

    .venv/bin/python benchmarks/bump_engine.py [--services 320] [--repeat 5]

`--whole-process` measures instead what a user pays: whole `gitops-ci` processes (the venv's
console script, start-up and imports included), each paired in the same round with its floor,
on a tree whose services are named svc0...svc337 (5,424 files; `svc1` is a prefix of 110 others):
  gitops-ci --version, COMMAND --help   against the bare interpreter (`python -c pass`)
  a real run's start before its work   each command with an input its first check refuses
                                        (exit 1), against the bare interpreter
  bump-manifest on an empty infra dir   the same: what every bump pays before its first file
  bump-manifest --mode edit of one image against `grep -rlF NAME` on the same tree
  a prefix-sharing name (svc1)          against a unique one (svc250)

    .venv/bin/python benchmarks/bump_engine.py --whole-process [--services 338] [--rounds 15] [--start-only]
        [--before OTHER/scripts]

`--start-only` times the start cases alone (no tree is generated). `--before SCRIPTS` runs each
gitops-ci case also with PYTHONPATH=SCRIPTS (another checkout's scripts/ folder, e.g. of main),
paired with this checkout's in the same rounds, and prints this one's time over that one's.

Prints one table. Never used as a timed assertion.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from gitops_ci.commands import MODULES  # noqa: E402

REPO = "ghcr.io/acme/platform-agent"
NEEDLE = "platform-agent"
ENVS = ("dev", "staging", "production")
WORDS = ("orders", "billing", "search", "catalog", "users", "payments", "ledger", "mailer")
AGENT_USERS = 24  # services that run the agent as a sidecar in their base deployment


def service_names(count: int, style: str = "words") -> list[str]:
    if style == "svc":
        return [f"svc{i}" for i in range(count)] + ["platform-agent"]
    return [f"{WORDS[i % len(WORDS)]}-{i:03d}" for i in range(count)] + ["platform-agent"]


def deployment(name: str, image: str, agent: bool) -> str:
    sidecar = f"        - name: agent\n          image: {REPO}:1.0.0 # shared sidecar\n" if agent else ""
    return (
        f"# {name}: workload and service\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n"
        f"  labels: {{app: {name}}}\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {{app: {name}}}\n"
        f"  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      initContainers:\n"
        f"        - name: migrate\n          image: '{image}'\n          args: [migrate]\n      containers:\n"
        f"        - name: {name}\n          image: {image}  # main\n          ports:\n"
        f"            - containerPort: 8080\n{sidecar}---\napiVersion: v1\nkind: Service\nmetadata:\n"
        f"  name: {name}\nspec:\n  selector: {{app: {name}}}\n  ports:\n"
        "    - port: 80\n      targetPort: 8080\n"
    )


def overlay(name: str, env: str, image: str) -> str:
    return (
        f"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: {name}-{env}\n"
        f"resources:\n  - ../../base\npatches:\n  - path: patch.yaml\nimages:\n  - name: {image}\n"
        f'    newTag: "1.0.0" # bumped by CI\n'
    )


def values(name: str, image: str, env: str | None) -> str:
    head = f"# {name} chart values" + (f" for {env}" if env else "") + "\n"
    return (
        f"{head}replicaCount: {3 if env == 'production' else 1}\nimage:\n  repository: {image}\n"
        f"  tag: 1.0.0\n  pullPolicy: IfNotPresent\nresources:\n  limits: {{memory: 256Mi}}\n"
        f"ingress:\n  enabled: {str(env == 'production').lower()}\n  hosts: [{name}.example.com]\n"
    )


def application(name: str, env: str, image: str) -> str:
    return (
        f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}-{env}\n"
        f"  namespace: argocd\nspec:\n  project: default\n  source:\n"
        f"    repoURL: https://github.com/acme/infra.git\n    targetRevision: main\n"
        f"    path: services/{name}/overlays/{env}\n    kustomize:\n      images:\n        - {image}:1.0.0\n"
        f"  destination:\n    server: https://kubernetes.default.svc\n    namespace: {name}-{env}\n"
    )


def generate(root: Path, count: int, style: str = "words") -> int:
    """Write the monorepo; returns the number of YAML files."""
    files: dict[str, str] = {}
    for index, name in enumerate(service_names(count, style)):
        image = REPO if name == "platform-agent" else f"ghcr.io/acme/{name}"
        base = f"services/{name}/base"
        files[f"{base}/deployment.yaml"] = deployment(name, image, index < AGENT_USERS)
        files[f"{base}/configmap.yaml"] = (
            f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  LOG: info\n"
        )
        files[f"{base}/kustomization.yaml"] = "resources:\n  - deployment.yaml\n  - configmap.yaml\n"
        files[f"services/{name}/chart/values.yaml"] = values(name, image, None)
        for env in ENVS:
            files[f"services/{name}/overlays/{env}/kustomization.yaml"] = overlay(name, env, image)
            files[f"services/{name}/overlays/{env}/patch.yaml"] = (
                f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: 3\n"
            )
            files[f"services/{name}/chart/values-{env}.yaml"] = values(name, image, env)
            files[f"argocd/{env}/{name}.yaml"] = application(name, env, image)
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return len(files)


# -- the variants, each run in a child process -------------------------------------------------


def yaml_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml"))


def run_tool(root: Path) -> dict[str, object]:
    from gitops_ci.engines.bump import core as engine
    from gitops_ci.engines.bump.model import Target

    plan = engine.plan(root, [Target(REPO, "1.1.0")])
    engine.apply(root, plan)
    return {"places": len(plan.changes), "files": len(plan.edits), "byte_exact": "yes"}


def run_tool_serial(root: Path) -> dict[str, object]:
    from gitops_ci.engines.bump import scan

    scan.PARALLEL_MIN_FILES = sys.maxsize  # the same engine without worker processes
    return run_tool(root)


def round_trip(paths: list[Path]) -> dict[str, object]:
    from ruamel.yaml import YAML

    yaml = YAML()
    noisy = 0
    for path in paths:
        text = path.read_text()
        out = io.StringIO()
        yaml.dump_all(list(yaml.load_all(text)), out)
        noisy += out.getvalue() != text
    return {
        "files": len(paths),
        "byte_exact": f"no: {noisy} files re-serialised differently" if noisy else "yes",
    }


def run_parse_all(root: Path) -> dict[str, object]:
    return round_trip(yaml_files(root))


def run_prefiltered(root: Path) -> dict[str, object]:
    return round_trip([p for p in yaml_files(root) if NEEDLE.encode() in p.read_bytes()])


def run_grep(root: Path) -> dict[str, object]:
    found = subprocess.run(["grep", "-rlF", NEEDLE, str(root)], capture_output=True, text=True, check=False)
    return {"files": len(found.stdout.splitlines()), "byte_exact": "n/a (finds, edits nothing)"}


VARIANTS: dict[str, Callable[[Path], dict[str, object]]] = {
    "tool": run_tool,
    "tool, 1 process": run_tool_serial,
    "parse-all": run_parse_all,
    "prefiltered": run_prefiltered,
    "grep": run_grep,
}


def child(variant: str, root: Path) -> None:
    """Run one variant; imports happen before the clock starts, for every variant alike."""
    import ruamel.yaml  # noqa: F401

    import gitops_ci.engines.bump.core  # noqa: F401

    start = time.perf_counter()
    result = VARIANTS[variant](root)
    seconds = time.perf_counter() - start
    # The engine may fork workers and grep is a child: count the larger of self and children.
    peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    result |= {"seconds": seconds, "peak_mib": peak / 1024}
    print(json.dumps(result))


def measure_once(variant: str, tree: Path, work: Path) -> dict[str, object]:
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(tree, work, symlinks=True)
    cmd = [sys.executable, __file__, "--child", variant, str(work)]
    return dict(json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout))


def measure(tree: Path, work: Path, repeat: int) -> dict[str, dict[str, object]]:
    """Rounds interleave the variants, so a busy machine slows them all alike; parse-all,
    the slow one, runs once."""
    runs: dict[str, list[dict[str, object]]] = {name: [] for name in VARIANTS}
    for round_ in range(repeat):
        for name in VARIANTS:
            if name != "parse-all" or round_ == repeat // 2:
                runs[name].append(measure_once(name, tree, work))
    return {name: _summary(results) for name, results in runs.items()}


def _summary(runs: list[dict[str, object]]) -> dict[str, object]:
    best = dict(runs[0])
    best["seconds"] = statistics.median(float(str(r["seconds"])) for r in runs)
    best["peak_mib"] = max(float(str(r["peak_mib"])) for r in runs)
    return best


def table(results: dict[str, dict[str, object]], files: int, services: int) -> str:
    tool = float(str(results["tool"]["seconds"]))
    lines = [
        f"Generated monorepo: {files} YAML files, {services} services, {len(ENVS)} environments; "
        f"bumping {REPO} ({results['tool']['places']} places in {results['tool']['files']} files).",
        "",
        "| Variant | Wall time (s, median) | Peak memory (MiB) | vs this tool | Byte-exact |",
        "|---|---:|---:|---:|---|",
    ]
    for name, result in results.items():
        seconds = float(str(result["seconds"]))
        ratio = f"{seconds / tool:.2f}x"
        peak = float(str(result["peak_mib"]))
        lines.append(f"| {name} | {seconds:.3f} | {peak:.1f} | {ratio} | {result['byte_exact']} |")
    return "\n".join(lines)


# -- whole processes, as a user pays for them ----------------------------------------------------

CLI = str(Path(sys.executable).parent / "gitops-ci")
SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
BEFORE = "[before]"
COMMANDS = tuple(MODULES)  # every command, in the order `--help` lists them
# A real run's start before its work: inputs its first check refuses, after every input is read
# (the defaults file included) and the command's handler has started.
START_BEFORE_WORK = {
    "quality-gate": ["--working-directory", "/nonexistent"],
    "build-and-push": ["--context", "/nonexistent", "--image", "ghcr.io/acme/api"],
    "bump-manifest": [
        "--mode",
        "edit",
        "--infra-dir",
        "/nonexistent",
        "--image",
        "ghcr.io/acme/api",
        "--tag",
        "1",
    ],
    "verify-deployment": [],  # no argocd-server
    "notify": ["--stage-outcomes", "build=bogus"],
    "history": ["--infra-dir", "/nonexistent"],
    "rollback": ["--image", "ghcr.io/acme/api", "--infra-dir", "/nonexistent"],
    "promote": [],  # no --from/--to
    "plan": ["--services-file", "/nonexistent.yml"],
}
UNIQUE, PREFIX = "svc250", "svc1"
EMPTY = "bump, empty infra dir"
START_GOAL_MS, GREP_GOAL, PREFIX_GOAL = 60.0, 5.0, 1.5


@dataclass(frozen=True)
class Pair:
    """A case and its floor, run back to back in every round (which one first alternates)."""

    label: str
    case: list[str]
    floor_label: str
    floor: list[str]
    bump: str = ""  # the image name a bump case pins: each run gets a new tag
    expect: int = 0  # the case's exit code (1: refused at its first check)
    scripts: str = ""  # with --before: the PYTHONPATH the case runs with (that checkout's scripts/)


@dataclass
class Runs:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


def pairs(tree: Path | None, render_check: str, before: str = "") -> list[Pair]:
    """The start cases, and with a tree the bump cases; with ``before`` (another checkout's
    scripts/ folder) each gitops-ci case twice, this checkout's and that one's, in every round."""
    found = _pairs(tree, render_check)
    if not before:
        return found
    twinned = []
    for pair in found:
        if pair.case[0] != CLI:
            twinned.append(pair)
            continue
        twinned.append(replace(pair, scripts=str(SCRIPTS)))
        twinned.append(replace(pair, label=f"{pair.label} {BEFORE}", scripts=before))
    return twinned


def _pairs(tree: Path | None, render_check: str) -> list[Pair]:
    python = [sys.executable, "-c", "pass"]
    found = [Pair("python -S -c pass", [sys.executable, "-S", "-c", "pass"], "python -c pass", python)]
    found.append(Pair("gitops-ci --version", [CLI, "--version"], "python -c pass", python))
    found += [Pair(f"gitops-ci {c} --help", [CLI, c, "--help"], "python -c pass", python) for c in COMMANDS]
    found += [
        Pair(f"gitops-ci {c} {' '.join(args)}".rstrip(), [CLI, c, *args], "python -c pass", python, expect=1)
        for c, args in START_BEFORE_WORK.items()
    ]
    if tree is None:
        return found
    # What every bump pays before its first file: start-up, imports, the defaults file, exit.
    empty = tree.parent / "empty"
    empty.mkdir(exist_ok=True)
    fixed = [
        CLI,
        "bump-manifest",
        "--mode",
        "edit",
        "--infra-dir",
        str(empty),
        "--image",
        f"ghcr.io/acme/{UNIQUE}",
    ]
    fixed += ["--tag", "1.0.0", "--on-missing", "warn", "--render-check", render_check]
    found.append(Pair(EMPTY, fixed, "python -c pass", python))
    for name in (UNIQUE, PREFIX, NEEDLE):
        image = f"ghcr.io/acme/{name}"
        bump = [CLI, "bump-manifest", "--mode", "edit", "--infra-dir", str(tree), "--image", image]
        bump += ["--render-check", render_check]
        grep = ["grep", "-rlF", name, str(tree)]
        found.append(Pair(f"bump {name} (edit mode)", bump, f"grep -rlF {name}", grep, name))
    return found


def run_process(argv: list[str], env: dict[str, str], expect: int = 0) -> tuple[float, float, str]:
    """Wall and CPU (user+sys, children included) seconds of one whole process, and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != expect and not (argv[0] == "grep" and done.returncode == 1):
        raise SystemExit(f"{' '.join(argv[:4])} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def whole_process(
    tree: Path | None, rounds: int, render_check: str, before: str = ""
) -> tuple[list[Pair], dict[str, Runs], dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "GITHUB_OUTPUT")}
    env.pop("GITOPS_CI_DEFAULTS", None)  # the suite's own defaults file, as a user's run reads it
    env.pop("PYTHONPATH", None)
    cases = pairs(tree, render_check, before)
    runs: dict[str, Runs] = {}
    changed: dict[str, str] = {}
    for round_ in range(-1, rounds):  # round -1 warms up: bytecode written, page cache filled
        for offset in range(len(cases)):
            pair = cases[(offset + max(round_, 0)) % len(cases)]
            # A new tag for every bump run (twins pin the same image one after the other).
            case = [*pair.case, "--tag", f"2.{round_ + 1}.{offset}"] if pair.bump else pair.case
            sides = [(pair.label, case, pair.expect), (f"{pair.label} | {pair.floor_label}", pair.floor, 0)]
            for key, argv, expect in sides if round_ % 2 == 0 else sides[::-1]:
                side_env = {**env, "PYTHONPATH": pair.scripts} if pair.scripts and argv is case else env
                wall, cpu, out = run_process(argv, side_env, expect)
                if pair.bump and argv[0] == CLI:
                    changed[pair.label] = next(
                        (line for line in out.splitlines() if line.startswith("Changed ")), out.strip()[-200:]
                    )
                if round_ >= 0:
                    runs.setdefault(key, Runs()).wall.append(wall)
                    runs[key].cpu.append(cpu)
    return cases, runs, changed


def _median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def _paired(a: list[float], b: list[float]) -> float:
    """The median of the rounds' ratios a/b."""
    return statistics.median(x / y for x, y in zip(a, b))


def whole_process_table(
    cases: list[Pair], runs: dict[str, Runs], changed: dict[str, str], tree: str, rounds: int, load: str
) -> str:
    lines = [
        f"Whole processes, {rounds} interleaved rounds; {tree}; {os.cpu_count()} cores, "
        f"1-min load average {load}.",
        "",
        "| case | wall ms (median) | CPU ms | floor | floor wall ms | case - floor ms | ratio (paired) "
        "| goal |",
        "|---|---:|---:|---|---:|---:|---:|---|",
    ]
    for pair in cases:
        case, floor = runs[pair.label], runs[f"{pair.label} | {pair.floor_label}"]
        ratio = _paired(case.wall, floor.wall)
        extra = _median_ms(case.wall) - _median_ms(floor.wall)
        if pair.bump:
            goal = f"<= {GREP_GOAL:g}x grep: {'met' if ratio <= GREP_GOAL else 'NOT met'}"
        elif pair.label.removesuffix(f" {BEFORE}") == EMPTY:
            goal = "(a bump's fixed cost)"
        elif pair.label.startswith("gitops-ci"):
            met = _median_ms(case.wall) <= START_GOAL_MS
            goal = f"<= {START_GOAL_MS:g} ms: {'met' if met else 'NOT met'}"
        else:
            goal = "(the interpreter alone)"
        lines.append(
            f"| {pair.label} | {_median_ms(case.wall):.1f} | {_median_ms(case.cpu):.1f} | {pair.floor_label} "
            f"| {_median_ms(floor.wall):.1f} | {extra:+.1f} | {ratio:.2f}x | {goal} |"
        )
    twins = [(p.label, f"{p.label} {BEFORE}") for p in cases if f"{p.label} {BEFORE}" in runs]
    if twins:
        lines += ["", "this checkout against the --before one (its wall time / theirs, paired by round):"]
        lines += [f"  {label}: {_paired(runs[label].wall, runs[old].wall):.2f}x" for label, old in twins]
    if f"bump {PREFIX} (edit mode)" not in runs:
        return "\n".join(lines)
    prefix = _paired(runs[f"bump {PREFIX} (edit mode)"].wall, runs[f"bump {UNIQUE} (edit mode)"].wall)
    lines += [
        "",
        f"prefix-sharing name vs unique one (bump {PREFIX} / bump {UNIQUE}, paired by round): {prefix:.2f}x "
        f"(goal <= {PREFIX_GOAL:g}x: {'met' if prefix <= PREFIX_GOAL else 'NOT met'})",
        *(f"{label}: {text}" for label, text in changed.items()),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--services", type=int, default=None, help="default: 320 (338 with --whole-process)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per fast variant (parse-all runs once)")
    parser.add_argument("--whole-process", action="store_true", help="time whole gitops-ci processes instead")
    parser.add_argument("--rounds", type=int, default=15, help="--whole-process: rounds of every case")
    parser.add_argument(
        "--start-only", action="store_true", help="--whole-process: only the start cases (no tree, no bumps)"
    )
    parser.add_argument(
        "--render-check",
        default="auto",
        help="--whole-process: bump-manifest's render-check input (auto: when kubectl is on PATH)",
    )
    parser.add_argument(
        "--before",
        metavar="SCRIPTS",
        default="",
        help="--whole-process: also run each gitops-ci case with PYTHONPATH=SCRIPTS (another checkout's "
        "scripts/ folder, e.g. of main), paired with this checkout's in every round",
    )
    parser.add_argument("--child", nargs=2, metavar=("VARIANT", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    if args.whole_process and args.start_only:
        load = f"{os.getloadavg()[0]:.1f}"
        cases, runs, changed = whole_process(None, args.rounds, args.render_check, args.before)
        load += f" -> {os.getloadavg()[0]:.1f}"
        print(whole_process_table(cases, runs, changed, "start cases only", args.rounds, load))
        return
    if args.whole_process:
        with tempfile.TemporaryDirectory(prefix="bump-cli-bench-") as tmp:
            tree = Path(tmp, "tree")
            services = args.services or 338
            files = generate(tree, services, style="svc")
            about = f"{files} YAML files, services svc0...svc{services - 1} + platform-agent, 3 environments"
            load = f"{os.getloadavg()[0]:.1f}"
            cases, runs, changed = whole_process(tree, args.rounds, args.render_check, args.before)
            load += f" -> {os.getloadavg()[0]:.1f}"
        print(whole_process_table(cases, runs, changed, about, args.rounds, load))
        return
    args.services = args.services or 320
    with tempfile.TemporaryDirectory(prefix="bump-bench-") as tmp:
        tree, work = Path(tmp, "tree"), Path(tmp, "work")
        files = generate(tree, args.services)
        results = measure(tree, work, args.repeat)
    print(table(results, files, args.services + 1))


if __name__ == "__main__":
    main()
