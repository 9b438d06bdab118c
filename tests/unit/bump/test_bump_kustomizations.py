"""Which kustomization roots include a changed file (read from the kustomization files, nothing
rendered), where the patch that shadows a pin sits, and when an image is the new reference."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_ci.engines.bump.kustomizations import Tree
from gitops_ci.engines.bump.model import Target
from gitops_ci.engines.bump.render_check import runs, shadow
from testing.kustomize_trees import (
    APP,
    IMAGES,
    JSON6902_INLINE,
    OLD,
    SHOP,
    overlay,
    patch_file_tree,
    tree,
    write,
)

DIGEST = "sha256:" + "c" * 64


def test_roots_including_a_base_file_are_the_base_and_every_overlay_on_it(tmp_path: Path) -> None:
    files = tree(overlay("prod", IMAGES))
    files["apps/other/kustomization.yaml"] = "resources:\n  - deployment.yaml\n"
    files["apps/other/deployment.yaml"] = "kind: Deployment\n"

    found = Tree.find(write(tmp_path, files)).including([f"{APP}/base/deployment.yaml"])

    assert found == [f"{APP}/base", f"{APP}/overlays/prod", f"{APP}/overlays/staging"]


def test_an_overlay_file_is_included_by_its_overlay_only(tmp_path: Path) -> None:
    infra = write(tmp_path, patch_file_tree())

    assert Tree.find(infra).including([f"{APP}/overlays/prod/set-image.yaml"]) == [f"{APP}/overlays/prod"]
    assert Tree.find(infra).including([f"{APP}/overlays/prod/kustomization.yaml"]) == [f"{APP}/overlays/prod"]
    assert Tree.find(infra).including(["apps/elsewhere/values.yaml"]) == []


def test_inclusion_is_transitive_through_components_and_bases_and_skips_components(tmp_path: Path) -> None:
    files = tree(overlay("prod"))
    files["components/sidecar/kustomization.yaml"] = (
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n  - path: sidecar.yaml\n"
    )
    files["components/sidecar/sidecar.yaml"] = "kind: Deployment\n"
    files["envs/eu/kustomization.yaml"] = (
        f"resources:\n  - ../../{APP}/overlays/prod/\ncomponents:\n  - ../../components/sidecar\n"
    )
    files["envs/us/kustomization.yaml"] = "bases:\n  - ../eu\n"
    files["envs/remote/kustomization.yaml"] = "resources:\n  - https://github.com/acme/x//base?ref=v1\n"
    infra = write(tmp_path, files)

    assert Tree.find(infra).including(["components/sidecar/sidecar.yaml"]) == ["envs/eu", "envs/us"]
    assert Tree.find(infra).including([f"{APP}/base/deployment.yaml"]) == [
        f"{APP}/base",
        f"{APP}/overlays/prod",
        f"{APP}/overlays/staging",
        "envs/eu",
        "envs/us",
    ]


def test_a_kustomization_at_the_top_and_one_that_climbs_with_dot_dot(tmp_path: Path) -> None:
    files = {
        "kustomization.yaml": "resources:\n  - app\n",
        "app/kustomization.yaml": "resources:\n  - deployment.yaml\n",
        "app/deployment.yaml": "kind: Deployment\n",
        "app/overlays/dev/kustomization.yaml": "resources:\n  - ../..\n",
    }

    found = Tree.find(write(tmp_path, files)).including(["app/deployment.yaml"])

    assert found == [".", "app", "app/overlays/dev"]


@pytest.mark.parametrize(
    "prod, extra, where",
    [
        (overlay("prod", "patches:\n  - path: set-image.yaml\n"), True, "overlays/prod/set-image.yaml"),
        (JSON6902_INLINE, False, "overlays/prod/kustomization.yaml"),
        (overlay("prod", IMAGES), False, "overlays/prod/kustomization.yaml"),
    ],
    ids=["patch-file", "inline", "images"],
)
def test_the_shadowing_file_is_found(tmp_path: Path, prod: str, extra: bool, where: str) -> None:
    files = patch_file_tree() if extra else tree(prod)
    found_in, _ = shadow(Tree.find(write(tmp_path, files)), f"{APP}/overlays/prod", [OLD], SHOP)

    assert found_in == f"{APP}/{where}"


@pytest.mark.parametrize(
    "image, target, expected",
    [
        (f"{SHOP}:1.4.2", Target(SHOP, "1.4.2"), True),
        (f"{SHOP}:1.4.1", Target(SHOP, "1.4.2"), False),
        (f"{SHOP}:1.4.2@{DIGEST}", Target(SHOP, "1.4.2"), False),  # the digest decides what runs
        (f"{SHOP}@{DIGEST}", Target(SHOP, "1.4.2", DIGEST), True),
        (f"{SHOP}:1.0.0@{DIGEST}", Target(SHOP, "1.4.2", DIGEST), True),
        (f"{SHOP}:1.4.2", Target(SHOP, "1.4.2", DIGEST), False),
        ("docker.io/library/nginx:1.27", Target("nginx", "1.27"), True),
        (f"{SHOP}-worker:1.4.2", Target(SHOP, "1.4.2"), False),
    ],
)
def test_runs_the_new_reference(image: str, target: Target, expected: bool) -> None:
    assert runs(image, target) is expected
