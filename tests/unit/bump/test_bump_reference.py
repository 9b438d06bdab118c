"""The OCI reference grammar, normalisation and the `--set` grammar, table-driven."""

from __future__ import annotations

import pytest

from gitops_ci.engines.bump.model import Target
from gitops_ci.engines.bump.reference import (
    check_digest,
    check_repository,
    check_tag,
    normalize_name,
    parse_reference,
    parse_set,
)
from gitops_ci.errors import UserError

DIGEST = "sha256:" + "0123456789abcdef" * 4


@pytest.mark.parametrize(
    ("name", "normalized"),
    [
        ("nginx", "docker.io/library/nginx"),
        ("docker.io/nginx", "docker.io/library/nginx"),
        ("index.docker.io/library/nginx", "docker.io/library/nginx"),
        ("bitnami/redis", "docker.io/bitnami/redis"),
        ("ghcr.io/acme/shop-api", "ghcr.io/acme/shop-api"),
        ("localhost/app", "localhost/app"),
        ("localhost:5000/app", "localhost:5000/app"),
        ("registry.k8s.io/nginx-slim", "registry.k8s.io/nginx-slim"),
    ],
)
def test_normalisation_applies_docker_hub_defaults(name: str, normalized: str) -> None:
    assert normalize_name(name) == normalized


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("nginx", ("nginx", None, None)),
        ("nginx:1.25", ("nginx", "1.25", None)),
        ("ghcr.io/acme/x:v1@" + DIGEST, ("ghcr.io/acme/x", "v1", DIGEST)),
        ("localhost:5000/x@" + DIGEST, ("localhost:5000/x", None, DIGEST)),
        ("localhost:5000/x:1", ("localhost:5000/x", "1", None)),
    ],
)
def test_references_parse_into_name_tag_digest(text: str, parts: tuple[str, str | None, str | None]) -> None:
    ref = parse_reference(text)
    assert ref is not None and (ref.name, ref.tag, ref.digest) == parts


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Nginx:1",
        "nginx:",
        "nginx:-x",
        "x:1 # c",
        "{{ .Values.image }}",
        "a//b",
        "x@sha256:abc",
        "x:" + "t" * 129,
    ],
)
def test_non_references_are_not_references(text: str) -> None:
    assert parse_reference(text) is None


@pytest.mark.parametrize(
    ("check", "text", "why"),
    [
        (check_tag, "1.0\nkind: Secret", "a newline"),
        (check_tag, "1.0 # x", "a space"),
        (check_tag, "1.0#x", "`#`"),
        (check_tag, "-rc", "starts with '-'"),
        (check_tag, "*alias", "starts with '*'"),
        (check_tag, "a" * 129, "1-128"),
        (check_digest, "sha256:abc", "64 lowercase hex"),
        (check_digest, "sha256:" + "A" * 64, "64 lowercase hex"),
        (check_digest, "md5:" + "a" * 64, "64 lowercase hex"),
        (check_repository, "ghcr.io/Acme/x", "lowercase"),
        (check_repository, "ghcr.io/acme/x:1.0", "lowercase"),
        (check_repository, "&anchor", "starts with '&'"),
    ],
)
def test_bad_values_are_refused_with_the_reason(check: object, text: str, why: str) -> None:
    with pytest.raises(UserError) as err:
        check(text)  # type: ignore[operator]
    assert repr(text) in str(err.value) and why in str(err.value)


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("ghcr.io/acme/x=1.2", Target("ghcr.io/acme/x", "1.2")),
        ("ghcr.io/acme/x=1.2@" + DIGEST, Target("ghcr.io/acme/x", "1.2", DIGEST)),
        ("ghcr.io/acme/x=@" + DIGEST, Target("ghcr.io/acme/x", None, DIGEST, digest_only=True)),
    ],
)
def test_set_grammar(text: str, target: Target) -> None:
    assert parse_set(text) == target


@pytest.mark.parametrize(
    "text", ["ghcr.io/acme/x", "ghcr.io/acme/x=", "=1.2", "ghcr.io/acme/x=1.2@", "x=1 2"]
)
def test_bad_set_quotes_the_text(text: str) -> None:
    with pytest.raises(UserError) as err:
        parse_set(text)
    assert "--set" in str(err.value) or "tag" in str(err.value) or "digest" in str(err.value)
