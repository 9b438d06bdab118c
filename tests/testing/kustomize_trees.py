"""Infra trees for the render check: a base Deployment and overlays, some of which set the
image themselves (the shapes that made a bump report "changed" and deploy nothing)."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

SHOP = "ghcr.io/acme/shop-api"
OLD = f"{SHOP}:1.0.0"
APP = "apps/shop-api"

DEPLOYMENT = f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop-api
spec:
  template:
    spec:
      containers:
        - name: app
          image: {OLD}
"""

# A strategic merge patch in its own file that pins the image.
SET_IMAGE_PATCH = f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop-api
spec:
  template:
    spec:
      containers:
        - name: app
          image: {OLD}
"""

JSON6902_INLINE = f"""\
namespace: prod
resources:
  - ../../base
patches:
  - target:
      kind: Deployment
      name: shop-api
    patch: |-
      - op: replace
        path: /spec/template/spec/containers/0/image
        value: {OLD}
"""

JSON6902_LEGACY_INLINE = f"""\
namespace: prod
resources:
  - ../../base
patchesJson6902:
  - target:
      group: apps
      version: v1
      kind: Deployment
      name: shop-api
    patch: |-
      - op: replace
        path: /spec/template/spec/containers/0/image
        value: {OLD}
"""

SMP_INLINE = f"""\
namespace: prod
resources:
  - ../../base
patchesStrategicMerge:
  - |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: shop-api
    spec:
      template:
        spec:
          containers:
            - name: app
              image: {OLD}
"""

# A JSON patch `test` op guards the old image: the edit breaks this overlay's build.
JSON6902_TEST_OP = f"""\
namespace: prod
resources:
  - ../../base
patches:
  - target:
      kind: Deployment
    patch: |-
      - op: test
        path: /spec/template/spec/containers/0/image
        value: {OLD}
"""


def overlay(namespace: str, extra: str = "") -> str:
    return f"namespace: {namespace}\nresources:\n  - ../../base\n{extra}"


IMAGES = f"""\
images:
  - name: {SHOP}
    newTag: "1.0.0"
"""


def tree(prod: str, prod_files: Mapping[str, str] | None = None) -> dict[str, str]:
    """`apps/shop-api/{{base,overlays/staging,overlays/prod}}`; staging plain, prod as given."""
    files = {
        f"{APP}/base/deployment.yaml": DEPLOYMENT,
        f"{APP}/base/kustomization.yaml": "resources:\n  - deployment.yaml\n",
        f"{APP}/overlays/staging/kustomization.yaml": overlay("staging"),
        f"{APP}/overlays/prod/kustomization.yaml": prod,
    }
    files.update({f"{APP}/overlays/prod/{name}": text for name, text in (prod_files or {}).items()})
    return files


def patch_file_tree() -> dict[str, str]:
    return tree(overlay("prod", "patches:\n  - path: set-image.yaml\n"), {"set-image.yaml": SET_IMAGE_PATCH})


def write(root: Path, files: Mapping[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
