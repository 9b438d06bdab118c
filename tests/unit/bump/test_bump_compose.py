"""Compose files: `services.<name>.image` is reported as kind `compose`, not as Helm values."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_ci.engines.bump import core as engine
from gitops_ci.engines.bump.model import Target

COMPOSE = (
    "services:\n"
    "  api:\n"
    "    image: ghcr.io/acme/shop-api:1.4.1\n"
    "    ports: ['8080:8080']\n"
    "  cache:\n"
    "    image: redis:7.0\n"
)


@pytest.mark.parametrize(
    "name", ["compose.yaml", "docker-compose.yml", "docker-compose.prod.yaml", "stack.yaml"]
)
def test_compose_images_are_reported_as_compose(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text(COMPOSE)
    plan = engine.plan(tmp_path, [Target("ghcr.io/acme/shop-api", "1.5.0")])
    engine.apply(tmp_path, plan)
    assert [(c.file, c.line, c.kind, c.old, c.new) for c in plan.changes] == [
        (name, 3, "compose", "ghcr.io/acme/shop-api:1.4.1", "ghcr.io/acme/shop-api:1.5.0")
    ]
    assert (tmp_path / name).read_text() == COMPOSE.replace("1.4.1", "1.5.0")


def test_a_compose_named_file_with_build_only_services_is_still_compose(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  api:\n    build: .\n  web:\n    image: nginx:1.25\n")
    plan = engine.plan(tmp_path, [Target("nginx", "1.27")])
    assert [(c.kind, c.new) for c in plan.changes] == [("compose", "nginx:1.27")]


def test_helm_values_stay_helm_values(tmp_path: Path) -> None:
    (tmp_path / "values.yaml").write_text("image: nginx:1.25\nservice:\n  port: 80\n")
    plan = engine.plan(tmp_path, [Target("nginx", "1.27")])
    assert [(c.kind, c.new) for c in plan.changes] == [("helm-values", "nginx:1.27")]
