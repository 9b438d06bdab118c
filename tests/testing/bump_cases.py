"""The table of fixture cases for the bump engine: each folder under tests/fixtures/manifests
holds `before/` and the exact expected `after/` (only the files that change).

`python tests/testing/bump_cases.py` rewrites every `after/` from the engine's output: use it
only to add a case, then read the diff by hand before committing.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from gitops_ci.engines.bump import core as engine  # noqa: E402
from gitops_ci.engines.bump.model import Plan, Scope, Target  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "manifests"
DIGEST = "sha256:" + "ab" * 32


@dataclass(frozen=True)
class Case:
    folder: str
    targets: tuple[Target, ...]
    scope: Scope = field(default_factory=Scope)


CASES = {
    "workloads": Case("workloads", (Target("ghcr.io/acme/shop-api", "1.5.0"),)),
    "workloads-digest": Case("workloads", (Target("ghcr.io/acme/shop-api", "1.5.0", DIGEST),)),
    "workloads-digest-only": Case(
        "workloads", (Target("ghcr.io/acme/shop-api", None, DIGEST, digest_only=True),)
    ),
    "workloads-selected": Case(
        "workloads",
        (Target("ghcr.io/acme/shop-api", "1.5.0"),),
        Scope(kinds=("Deployment",), names=("shop-api",), containers=("api", "migrate")),
    ),
    "kustomize": Case("kustomize", (Target("ghcr.io/acme/shop-api", "1.10"),)),
    "kustomize-digest": Case("kustomize", (Target("ghcr.io/acme/shop-api", "1.5.0", DIGEST),)),
    "kustomize-digest-only": Case(
        "kustomize", (Target("ghcr.io/acme/shop-api", None, DIGEST, digest_only=True),)
    ),
    "argocd": Case("argocd", (Target("ghcr.io/acme/shop-api", "1.5.0"), Target("nginx", "1.27"))),
    "helm": Case("helm", (Target("ghcr.io/acme/shop-api", "v1.5.0"),)),
    "argocd-helm": Case(
        "argocd-helm", (Target("ghcr.io/acme/shop-api", "v1.5.0", key_paths=("app.imageTag",)),)
    ),
    "argocd-helm-digest": Case("argocd-helm", (Target("ghcr.io/acme/shop-api", "v1.5.0", DIGEST),)),
    "helm-digest": Case("helm", (Target("ghcr.io/acme/shop-api", "v1.5.0", DIGEST),)),
    "markers": Case("markers", (Target("ghcr.io/acme/shop-api", "1.5.0", DIGEST),)),
    "keypath": Case(
        "keypath", (Target("ghcr.io/acme/shop-api", "1.5.0", key_paths=("app.imageTag", "sidecars.*.ref")),)
    ),
    "k8s-docs": Case(
        "k8s-docs",
        (
            Target("docker.io/library/busybox", "1.36"),
            Target("nginx", "1.27.2"),
            Target("registry.k8s.io/nginx-slim", "0.27"),
        ),
    ),
}


def run(case: Case, work: Path) -> Plan:
    """Copy the case's `before/` to ``work``, plan and apply there."""
    shutil.copytree(FIXTURES / case.folder / "before", work)
    plan = engine.plan(work, case.targets, case.scope)
    engine.apply(work, plan)
    return plan


def regenerate(name: str, case: Case, scratch: Path) -> None:
    out = FIXTURES / case.folder / f"after-{name}"
    shutil.rmtree(out, ignore_errors=True)
    plan = run(case, scratch / name)
    for edit in plan.edits:
        (out / edit.file).parent.mkdir(parents=True, exist_ok=True)
        (out / edit.file).write_bytes(edit.after)


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for case_name, case in CASES.items():
            if len(sys.argv) == 1 or case_name in sys.argv[1:]:
                regenerate(case_name, case, Path(tmp))
