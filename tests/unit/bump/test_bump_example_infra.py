"""The sample infra repo in examples/: every pin of the sample image, per environment."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gitops_ci.engines.bump import core as engine
from gitops_ci.engines.bump.model import Scope, Target

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "infra"
IMAGE = Target("ghcr.io/acme/myapp", "0.2.0")


def test_every_pin_is_found() -> None:
    plan = engine.plan(EXAMPLE, [IMAGE])
    assert [(c.file, c.kind, c.old) for c in plan.changes] == [
        ("apps/myapp/base/deployment.yaml", "container", "ghcr.io/acme/myapp:latest"),
        ("apps/myapp/overlays/production/kustomization.yaml", "kustomize-image", "0.1.0"),
        ("apps/myapp/overlays/staging/kustomization.yaml", "kustomize-image", "0.1.0"),
    ]
    assert plan.skipped == ()


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_an_environment_changes_its_overlay_only(tmp_path: Path, environment: str) -> None:
    work = tmp_path / "infra"
    shutil.copytree(EXAMPLE, work)
    plan = engine.plan(work, [IMAGE], Scope(environment=environment))
    engine.apply(work, plan)
    overlay = f"apps/myapp/overlays/{environment}/kustomization.yaml"
    assert plan.files == (overlay,)
    for path in work.rglob("*"):
        if path.is_file():
            rel = path.relative_to(work).as_posix()
            old = (EXAMPLE / rel).read_bytes()
            assert path.read_bytes() == (old.replace(b'"0.1.0"', b'"0.2.0"') if rel == overlay else old), rel


def test_the_argo_cd_applications_watch_the_overlays() -> None:
    for environment in ("staging", "production"):
        text = (EXAMPLE / "argocd" / f"myapp-{environment}.yaml").read_text()
        assert f"path: apps/myapp/overlays/{environment}\n" in text
        assert (EXAMPLE / f"apps/myapp/overlays/{environment}/kustomization.yaml").is_file()
