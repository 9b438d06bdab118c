"""The registry API client meets any answer a registry (or something posing as one) may give —
random statuses, challenges, digests, media types and bodies, from a real loopback server —
and returns a result or a UserError with a message: never another exception, never a hang."""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitops_ci.engines.build_push.oci import RegistryClient
from gitops_ci.engines.build_push.trust import HostTrust
from gitops_ci.errors import UserError
from testing.scripted import Answer, Scripted

pytestmark = pytest.mark.integration


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=15,
)
MANIFEST_KEYS = ("config", "layers", "manifests", "digest", "size", "platform", "os", "mediaType", "token")
manifest_like = st.recursive(
    st.none() | st.integers() | st.text(max_size=12) | st.just("sha256:" + "a" * 64),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(MANIFEST_KEYS) | st.text(max_size=6), inner, max_size=4),
    max_leaves=15,
)


def _bodies(realm: str) -> st.SearchStrategy[bytes]:
    return (
        manifest_like.map(lambda value: json.dumps(value).encode())
        | json_values.map(lambda value: json.dumps(value).encode())
        | st.binary(max_size=64)
        | st.just(b"")
    )


def _headers(realm: str) -> st.SearchStrategy[dict[str, str]]:
    challenges = st.sampled_from(
        [
            f'Bearer realm="{realm}",service="reg",scope="repository:acme/app:pull"',
            f'Bearer realm="{realm}"',
            'Bearer realm="htps://nowhere"',
            'Bearer realm=""',
            "Bearer",
            "Basic realm=x",
            "Negotiate",
            "",
        ]
    )
    return st.fixed_dictionaries(
        {},
        optional={
            "WWW-Authenticate": challenges,
            "Docker-Content-Digest": st.sampled_from(["sha256:" + "b" * 64, "sha256:zz", "", "md5:1"]),
            "Content-Type": st.sampled_from(["application/vnd.oci.image.manifest.v1+json", "text/html", ""]),
            "Location": st.sampled_from([f"{realm}", "/v2/", "http://127.0.0.1:9/"]),
        },
    )


def _answers(realm: str) -> st.SearchStrategy[list[Answer]]:
    answer = st.tuples(
        st.sampled_from([200, 201, 202, 301, 307, 400, 401, 403, 404, 429, 500, 503]),
        _headers(realm),
        _bodies(realm),
    )
    return st.lists(answer, min_size=1, max_size=6)


def _outcome(call: Callable[[], Any]) -> None:
    try:
        call()
    except UserError as exc:
        assert str(exc).strip()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_registry_answer_is_a_result_or_a_clear_error(scripted_server: str, data: st.DataObject) -> None:
    server = scripted_server
    realm = f"http://{server}/token"
    Scripted.play(data.draw(_answers(realm)))
    client = RegistryClient(server, "octo", "pat-123456", HostTrust(allow_http=True))
    operation = data.draw(st.sampled_from(["ping", "login", "manifest", "image_config", "tag"]))
    calls: dict[str, Callable[[], Any]] = {
        "ping": client.ping,
        "login": client.login,
        "manifest": lambda: client.manifest("acme/app", "1.0"),
        "image_config": lambda: client.image_config("acme/app", "1.0"),
        "tag": lambda: client.tag("acme/app", "sha256:" + "c" * 64, "2.0"),
    }
    _outcome(calls[operation])
