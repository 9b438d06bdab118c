"""Regenerate subset.json: the operations of GitHub's REST description that gitops-ci uses.

    python tests/github-openapi/extract.py [PATH/TO/api.github.com.json]

The source is `@octokit/openapi` (MIT), copied at ../shared/github-openapi/. The subset keeps
each operation whole and every component (schema, parameter, response, example, header) that
it reaches through `$ref`, transitively, so the fake GitHub can validate against it offline.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE.parents[2] / "shared" / "github-openapi" / "api.github.com.json"

# (path template, method): the endpoints PyGithub calls for gitops-ci (see scripts/gitops_ci/github_api.py).
OPERATIONS = (
    ("/repos/{owner}/{repo}", "get"),
    ("/repos/{owner}/{repo}/pulls", "get"),
    ("/repos/{owner}/{repo}/pulls", "post"),
    ("/repos/{owner}/{repo}/pulls/{pull_number}", "get"),
    ("/repos/{owner}/{repo}/pulls/{pull_number}", "patch"),
    ("/repos/{owner}/{repo}/issues/{issue_number}/labels", "post"),
    ("/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers", "post"),
)


def refs_in(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        for value in node.values():
            found |= refs_in(value)
        return found
    if isinstance(node, list):
        return set().union(*(refs_in(v) for v in node)) if node else set()
    return set()


def lookup(doc: dict[str, Any], ref: str) -> Any:
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def place(subset: dict[str, Any], ref: str, value: Any) -> None:
    parts = ref.removeprefix("#/").split("/")
    node = subset
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def with_operations(
    doc: dict[str, Any], subset: dict[str, Any], operations: tuple[tuple[str, str], ...]
) -> dict[str, Any]:
    """``subset`` with each operation whole and everything it reaches through `$ref`."""
    for path, method in operations:
        subset["paths"].setdefault(path, {})[method] = doc["paths"][path][method]
    pending, seen = refs_in(subset["paths"]), set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        value = lookup(doc, ref)
        place(subset, ref, value)
        pending |= refs_in(value) - seen
    return subset


def extract(doc: dict[str, Any]) -> dict[str, Any]:
    subset: dict[str, Any] = {
        "openapi": doc["openapi"],
        "info": {
            **doc["info"],
            "description": "Subset of GitHub's REST description used by gitops-ci tests.",
        },
        "servers": doc.get("servers", []),
        "paths": {},
    }
    return with_operations(doc, subset, OPERATIONS)


def write(argv: list[str], default: Path, out: Path, make: Callable[[dict[str, Any]], dict[str, Any]]) -> int:
    """Read the description (argv[1], else ``default``), write ``make``'s subset to ``out``."""
    source = Path(argv[1]) if len(argv) > 1 else default
    subset = make(json.loads(source.read_text(encoding="utf-8")))
    out.write_text(json.dumps(subset, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {out} ({sum(len(methods) for methods in subset['paths'].values())} operations)")
    return 0


def main(argv: list[str]) -> int:
    return write(argv, DEFAULT_SOURCE, HERE / "subset.json", extract)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
