"""Regenerate subset.json: the operations of Argo CD's API description that gitops-ci uses.

    python tests/argocd-openapi/extract.py [PATH/TO/swagger.json]

The source is Argo CD's own `assets/swagger.json` (Apache-2.0), copied at
../shared/argocd-openapi/. The subset keeps each operation whole and every definition it reaches
through `$ref`, transitively (the same walk as tests/github-openapi/extract.py), so the fake
Argo CD can validate against it offline.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE.parents[2] / "shared" / "argocd-openapi" / "swagger.json"

# (path template, method): what gitops_ci.engines.verify.argocd calls.
OPERATIONS = (
    ("/api/v1/applications", "get"),
    ("/api/v1/applications/{name}", "get"),
)


def _github_extract() -> Any:
    """The $ref walk of the GitHub extractor, reused (both descriptions use `#/...` refs)."""
    spec = importlib.util.spec_from_file_location(
        "github_extract", HERE.parent / "github-openapi" / "extract.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def extract(doc: dict[str, Any]) -> dict[str, Any]:
    walk = _github_extract()
    subset: dict[str, Any] = {
        "swagger": doc["swagger"],
        "info": {
            **doc["info"],
            "description": "Subset of Argo CD's API description used by gitops-ci tests.",
        },
        "consumes": doc.get("consumes", []),
        "produces": doc.get("produces", []),
        "paths": {},
    }
    return walk.with_operations(doc, subset, OPERATIONS)


def main(argv: list[str]) -> int:
    return _github_extract().write(argv, DEFAULT_SOURCE, HERE / "subset.json", extract)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
