"""Benchmark: the bump-manifest edit engine against what other tools do, on a generated
infra monorepo (>= 5,000 YAML files, >= 300 services, 3 environments).

Variants, each in its own subprocess (peak memory is that process's ru_maxrss):
  tool         gitops-ci's engine: plan() + apply()
  parse-all    ruamel.yaml round-trip load + dump of every YAML file (autodiscovery tools)
  prefiltered  round-trip load + dump of only the files whose bytes mention the repository
  grep         `grep -rlF REPO` over the tree: the floor

    .venv/bin/python benchmarks/bump_engine.py [--services 320] [--repeat 5]

Prints one table. Never used as a timed assertion.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

REPO = "ghcr.io/acme/platform-agent"
NEEDLE = "platform-agent"
ENVS = ("dev", "staging", "production")
WORDS = ("orders", "billing", "search", "catalog", "users", "payments", "ledger", "mailer")
AGENT_USERS = 24  # services that run the agent as a sidecar in their base deployment


def service_names(count: int) -> list[str]:
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


def generate(root: Path, count: int) -> int:
    """Write the monorepo; returns the number of YAML files."""
    files: dict[str, str] = {}
    for index, name in enumerate(service_names(count)):
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
    from gitops_ci.bump import engine
    from gitops_ci.bump.model import Target

    plan = engine.plan(root, [Target(REPO, "1.1.0")])
    engine.apply(root, plan)
    return {"places": len(plan.changes), "files": len(plan.edits), "byte_exact": "yes"}


def run_tool_serial(root: Path) -> dict[str, object]:
    from gitops_ci.bump import scan

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

    import gitops_ci.bump.engine  # noqa: F401

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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--services", type=int, default=320)
    parser.add_argument("--repeat", type=int, default=5, help="runs per fast variant (parse-all runs once)")
    parser.add_argument("--child", nargs=2, metavar=("VARIANT", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    with tempfile.TemporaryDirectory(prefix="bump-bench-") as tmp:
        tree, work = Path(tmp, "tree"), Path(tmp, "work")
        files = generate(tree, args.services)
        results = measure(tree, work, args.repeat)
    print(table(results, files, args.services + 1))


if __name__ == "__main__":
    main()
