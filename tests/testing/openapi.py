"""Validate requests and responses against GitHub's own REST description (the committed subset).

OpenAPI 3.0 schemas are JSON Schema draft-4/5 plus `nullable`; `nullable: true` is turned into
a `null` alternative so plain jsonschema can check them.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import jsonschema

SUBSET = Path(__file__).resolve().parents[1] / "github-openapi" / "subset.json"


class SpecViolation(AssertionError):
    """A request or response that GitHub's description does not allow."""


@dataclass(frozen=True)
class Operation:
    template: str
    method: str
    spec: dict[str, Any]
    params: dict[str, str]

    @property
    def operation_id(self) -> str:
        return str(self.spec["operationId"])


def _nullable(node: Any) -> Any:
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable(v) for k, v in node.items()}
    if out.pop("nullable", False):
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    return dict(_nullable(json.loads(SUBSET.read_text(encoding="utf-8"))))


def _resolve(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = document()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def find(method: str, path: str) -> Operation:
    for template, item in document()["paths"].items():
        pattern = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
        match = re.match(pattern, path)
        if match and method.lower() in item:
            return Operation(template, method.lower(), item[method.lower()], match.groupdict())
    raise SpecViolation(f"{method} {path} is not an operation in the described subset")


def _check(instance: Any, schema: Any, what: str) -> None:
    root = {"components": document().get("components", {}), **copy.deepcopy(schema)}
    try:
        jsonschema.Draft7Validator(root).validate(instance)
    except jsonschema.ValidationError as exc:
        raise SpecViolation(f"{what}: {exc.message} at {list(exc.absolute_path)}") from None


def validate_request(op: Operation, query: Mapping[str, list[str]], body: Any) -> None:
    for raw in op.spec.get("parameters", []):
        param = _resolve(raw)
        value = op.params.get(param["name"]) if param["in"] == "path" else query.get(param["name"])
        if param.get("required") and value is None:
            raise SpecViolation(
                f"{op.operation_id}: required {param['in']} parameter {param['name']!r} missing"
            )
        if param["in"] == "query" and value is not None and "enum" in param.get("schema", {}):
            if value[0] not in param["schema"]["enum"]:
                raise SpecViolation(
                    f"{op.operation_id}: {param['name']}={value[0]!r} not in the allowed values"
                )
    request_body = _resolve(op.spec.get("requestBody"))
    if request_body is None:
        return
    if body is None:
        if request_body.get("required"):
            raise SpecViolation(f"{op.operation_id}: request body required")
        return
    schema = request_body["content"]["application/json"]["schema"]
    _check(body, schema, f"{op.operation_id} request body")


def validate_response(op: Operation, status: int, body: Any) -> bool:
    """Check a documented response; return False when the status is not documented for it."""
    response = _resolve(op.spec["responses"].get(str(status)))
    if response is None:
        return False
    content = response.get("content", {}).get("application/json")
    if content is not None:
        _check(body, content["schema"], f"{op.operation_id} response {status}")
    return True


def example(name: str) -> Any:
    """A documented example (components/examples/NAME), as a fresh copy to adapt."""
    return copy.deepcopy(document()["components"]["examples"][name]["value"])
