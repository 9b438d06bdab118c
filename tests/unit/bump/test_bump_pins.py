"""Reading pins through the edit engine: every shape says what it pins now, and nothing is written."""

from __future__ import annotations

from pathlib import Path

from gitops_ci.engines.bump import core
from gitops_ci.engines.bump.model import Scope, Version

API = "ghcr.io/acme/api"
DIGEST = "sha256:" + "a" * 64
OTHER = "sha256:" + "b" * 64

FILES = {
    "envs/staging/deployment.yaml": f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: {API}:1.4.2@{DIGEST}
        - name: web
          image: ghcr.io/acme/web:2.0.0
""",
    "envs/staging/kustomization.yaml": f"""\
images:
  - name: {API}
    newTag: 1.4.2
    digest: {DIGEST}
  - name: ghcr.io/acme/bare
""",
    "envs/staging/values.yaml": f"""\
worker:
  image:
    repository: ghcr.io/acme/worker
    tag: 3.1.0
marked:
  tag: 7.0.0 # {{"gitops-ci": "ghcr.io/acme/marked:tag"}}
  digest: {OTHER} # {{"gitops-ci": "ghcr.io/acme/marked:digest"}}
""",
    "envs/production/deployment.yaml": f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: {API}:1.0.0
""",
}


def _tree(tmp_path: Path) -> Path:
    for name, text in FILES.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_each_shape_reads_the_version_it_pins_and_nothing_is_written(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    repos = (API, "ghcr.io/acme/web", "ghcr.io/acme/worker", "ghcr.io/acme/marked", "ghcr.io/acme/bare")

    pins = core.pins(root, repos, Scope(environment="staging"))

    seen = sorted((p.file.rsplit("/", 1)[-1], p.line, p.kind, p.repository, p.version) for p in pins)
    assert seen == [
        ("deployment.yaml", 10, "container", API, Version("1.4.2", DIGEST)),
        ("deployment.yaml", 12, "container", "ghcr.io/acme/web", Version("2.0.0", None)),
        ("kustomization.yaml", 2, "kustomize-image", API, Version("1.4.2", DIGEST)),
        ("kustomization.yaml", 5, "kustomize-image", "ghcr.io/acme/bare", Version(holds=())),
        ("values.yaml", 3, "helm-values", "ghcr.io/acme/worker", Version("3.1.0", None)),
        ("values.yaml", 6, "marker", "ghcr.io/acme/marked", Version("7.0.0", None, ("tag",))),
        ("values.yaml", 7, "marker", "ghcr.io/acme/marked", Version(None, OTHER, ("digest",))),
    ]
    assert all((root / name).read_text(encoding="utf-8") == text for name, text in FILES.items())


def test_pins_are_limited_to_the_environment(tmp_path: Path) -> None:
    root = _tree(tmp_path)

    production = core.pins(root, (API,), Scope(environment="production"))

    assert [(p.file, p.line, p.version) for p in production] == [
        ("envs/production/deployment.yaml", 10, Version("1.0.0", None))
    ]


def test_images_lists_every_repository_an_environment_pins(tmp_path: Path) -> None:
    root = _tree(tmp_path)

    assert core.images(root, Scope(environment="staging")) == (
        "ghcr.io/acme/api",
        "ghcr.io/acme/bare",
        "ghcr.io/acme/marked",
        "ghcr.io/acme/web",
        "ghcr.io/acme/worker",
    )
    assert core.images(root, Scope(environment="production")) == ("ghcr.io/acme/api",)
