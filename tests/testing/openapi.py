"""Validate requests and responses against a service's own API description (a committed subset):
GitHub's REST description (OpenAPI 3.0, the default) or Argo CD's (Swagger 2.0).

OpenAPI 3.0 schemas are JSON Schema draft-4/5 plus `nullable`; `nullable: true` is turned into
a `null` alternative so plain jsonschema can check them. Swagger 2.0 keeps schemas under
`definitions`, query parameters' types on the parameter itself and a response's schema directly
on the response; both shapes are read here. A `Spec(strict=True)` also refuses query parameters
the operation does not declare and properties a schema does not name (so a fake's typo in a
field name is caught, not ignored).
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Mapping

import jsonschema

SUBSET = Path(__file__).resolve().parents[1] / "github-openapi" / "subset.json"


class SpecViolation(AssertionError):
    """A request or response that the service's description does not allow."""


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


def _closed(node: Any) -> Any:
    """Every object schema that names its properties allows no others."""
    if isinstance(node, list):
        return [_closed(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: (v if k == "properties" else _closed(v)) for k, v in node.items()}
    if isinstance(node.get("properties"), dict):
        out["properties"] = {name: _closed(v) for name, v in node["properties"].items()}
        out.setdefault("additionalProperties", False)
    return out


class Spec:
    def __init__(self, path: Path, *, strict: bool = False) -> None:
        self.path = path
        self.strict = strict

    @cached_property
    def document(self) -> dict[str, Any]:
        doc = _nullable(json.loads(self.path.read_text(encoding="utf-8")))
        return dict(_closed(doc) if self.strict else doc)

    def _resolve(self, node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            target: Any = self.document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    def find(self, method: str, path: str) -> Operation:
        for template, item in self.document["paths"].items():
            pattern = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
            match = re.match(pattern, path)
            if match and method.lower() in item:
                return Operation(template, method.lower(), item[method.lower()], match.groupdict())
        raise SpecViolation(f"{method} {path} is not an operation in the described subset")

    def _check(self, instance: Any, schema: Any, what: str) -> None:
        named = {k: self.document[k] for k in ("components", "definitions") if k in self.document}
        root = {**named, **copy.deepcopy(schema)}
        try:
            jsonschema.Draft7Validator(root).validate(instance)
        except jsonschema.ValidationError as exc:
            raise SpecViolation(f"{what}: {exc.message} at {list(exc.absolute_path)}") from None

    def validate_request(self, op: Operation, query: Mapping[str, list[str]], body: Any) -> None:
        params = [self._resolve(raw) for raw in op.spec.get("parameters", [])]
        for param in params:
            value = op.params.get(param["name"]) if param["in"] == "path" else query.get(param["name"])
            if param.get("required") and value is None:
                raise SpecViolation(
                    f"{op.operation_id}: required {param['in']} parameter {param['name']!r} missing"
                )
            if param["in"] == "query" and value is not None:
                self._check_query(op, param, value)
        if self.strict:
            declared = {p["name"] for p in params if p["in"] == "query"}
            for name in sorted(set(query) - declared):
                raise SpecViolation(f"{op.operation_id}: query parameter {name!r} is not declared")
        self._check_body(op, params, body)

    def _check_query(self, op: Operation, param: dict[str, Any], value: list[str]) -> None:
        schema = param.get("schema", param)  # OpenAPI 3 nests it; Swagger 2 puts it on the parameter
        if "enum" in schema and value[0] not in schema["enum"]:
            raise SpecViolation(f"{op.operation_id}: {param['name']}={value[0]!r} not in the allowed values")
        if self.strict and schema.get("type") != "array" and len(value) > 1:
            raise SpecViolation(
                f"{op.operation_id}: query parameter {param['name']!r} given {len(value)} times"
            )

    def _check_body(self, op: Operation, params: list[dict[str, Any]], body: Any) -> None:
        in_body = next((p for p in params if p["in"] == "body"), None)
        request_body = self._resolve(op.spec.get("requestBody"))
        if in_body is not None:  # Swagger 2
            request_body = {"required": in_body.get("required"), "content": {"application/json": in_body}}
        if request_body is None:
            if body is not None and self.strict:
                raise SpecViolation(f"{op.operation_id}: takes no request body")
            return
        if body is None:
            if request_body.get("required"):
                raise SpecViolation(f"{op.operation_id}: request body required")
            return
        schema = request_body["content"]["application/json"]["schema"]
        self._check(body, schema, f"{op.operation_id} request body")

    def validate_response(self, op: Operation, status: int, body: Any) -> bool:
        """Check a documented response (or the `default` one); False when neither is documented."""
        responses = op.spec["responses"]
        response = self._resolve(responses.get(str(status)) or responses.get("default"))
        if response is None:
            return False
        schema = response.get("schema")  # Swagger 2
        content = response.get("content", {}).get("application/json")
        if content is not None:
            schema = content["schema"]
        if schema is not None:
            self._check(body, schema, f"{op.operation_id} response {status}")
        return True

    def example(self, name: str) -> Any:
        """A documented example (components/examples/NAME), as a fresh copy to adapt."""
        return copy.deepcopy(self.document["components"]["examples"][name]["value"])


GITHUB = Spec(SUBSET)
find = GITHUB.find
validate_request = GITHUB.validate_request
validate_response = GITHUB.validate_response
example = GITHUB.example


def document() -> dict[str, Any]:
    return GITHUB.document
