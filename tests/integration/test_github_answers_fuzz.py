"""The GitHub API wrapper meets any answer an API (or a proxy in front of it) may give —
random statuses and bodies, from a real loopback server, through PyGithub's real requester —
and returns a result or a UserError with a message: never another exception, never a hang."""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitops_ci.errors import UserError
from gitops_ci.doors.github_api import GitHubApi, RetryPolicy
from testing.scripted import Answer, Scripted

pytestmark = pytest.mark.integration

KEYS = ("number", "html_url", "title", "body", "full_name", "default_branch", "url", "id", "message", "head")
values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=5),
    max_leaves=15,
)
REPO = {"full_name": "acme/infra", "default_branch": "main", "html_url": "http://x/acme/infra", "url": ""}
bodies = values.map(lambda v: json.dumps(v).encode()) | st.binary(max_size=40) | st.just(b"")
answers = st.lists(
    st.tuples(
        st.sampled_from([200, 201, 204, 301, 400, 401, 403, 404, 409, 422, 500, 502]),
        st.fixed_dictionaries({}, optional={"Content-Type": st.just("application/json")}),
        bodies,
    ),
    min_size=1,
    max_size=4,
)


def _outcome(call: Callable[[], Any]) -> None:
    try:
        call()
    except UserError as exc:
        assert str(exc).strip()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_github_answer_is_a_result_or_a_clear_error(scripted_server: str, data: st.DataObject) -> None:
    base = f"http://{scripted_server}"
    # The repository answer first (most calls start there), valid or not, then anything.
    first: Answer = data.draw(
        st.sampled_from([(200, {}, json.dumps({**REPO, "url": base}).encode())]) | answers.map(lambda a: a[0])
    )
    Scripted.play([first, *data.draw(answers)])
    api = GitHubApi(
        base_url=base, token="t0ken-for-the-fuzz", policy=RetryPolicy(attempts=1, backoff=0, max_wait=1)
    )
    operation = data.draw(
        st.sampled_from(["repository", "find", "create", "update", "labels", "reviewers", "auto-merge"])
    )
    calls: dict[str, Callable[[], Any]] = {
        "repository": lambda: api.repository("acme/infra"),
        "find": lambda: api.find_open_pull("acme/infra", "gitops-ci/x", "main"),
        "create": lambda: api.create_pull(
            "acme/infra", base="main", head="b", title="t", body="b", draft=False
        ),
        "update": lambda: api.update_pull("acme/infra", 1, title="t", body="b"),
        "labels": lambda: api.add_labels("acme/infra", 1, ["deploy"]),
        "reviewers": lambda: api.request_reviewers("acme/infra", 1, ["alice"], []),
        "auto-merge": lambda: api.enable_auto_merge("acme/infra", 1),
    }
    _outcome(calls[operation])
