"""The decision rules of verify-deployment, table-driven."""

from __future__ import annotations

import pytest

from gitops_ci.engines.verify import rules
from gitops_ci.engines.verify.argocd import deploys, repo_key, same_repo
from gitops_ci.engines.verify.model import AppState, Resource, Target

NEW, OLD, LATER = "n" * 40, "o" * 40, "l" * 40


def later_descends(wanted: str, candidate: str) -> bool:
    return (wanted, candidate) == (NEW, LATER)


def state(
    revision: str = NEW, sync: str = "Synced", health: str = "Healthy", phase: str = "Succeeded", **kw: object
) -> AppState:
    revisions = (revision,) if revision else ()
    return AppState("shop", revisions, sync, health, phase, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("observed", "degraded_for", "expected"),
    [
        (state(), 0, "healthy"),
        (state(LATER), 0, "healthy"),  # a descendant of the infra commit
        (state(OLD), 0, "waiting"),  # not there yet
        (state(""), 0, "waiting"),
        (state(sync="OutOfSync"), 0, "waiting"),
        (state(health="Progressing"), 0, "waiting"),
        (state(health="Missing"), 0, "waiting"),
        (state(phase="Running"), 0, "waiting"),
        (state(phase=""), 0, "waiting"),  # never synced by an operation
        (state(health="Degraded"), 5, "waiting"),  # within the grace
        (state(health="Degraded"), 10, "failed"),  # at the grace
        (state(OLD, health="Degraded"), 100, "waiting"),  # the old commit's trouble is not ours
        (state(phase="Failed", operation_message="boom"), 0, "failed"),
        (state(OLD, phase="Error"), 0, "failed"),  # no operation revision known: it counts
        (state(OLD, phase="Failed", operation_revisions=(OLD,)), 0, "waiting"),  # an old commit's failure
        (state(phase="Failed", operation_revisions=(LATER,)), 0, "failed"),
    ],
)
def test_judge(observed: AppState, degraded_for: float, expected: str) -> None:
    assert rules.judge(observed, NEW, later_descends, degraded_for, grace=10).state == expected


def test_failed_operation_message() -> None:
    verdict = rules.judge(state(phase="Error", operation_message="hook failed"), NEW, later_descends, 0, 10)
    assert verdict.message == "shop: the sync operation ended Error: hook failed"


def test_degraded_message_lists_the_resources() -> None:
    bad = (
        Resource("Deployment", "shop", "web", "Degraded", "progress deadline exceeded"),
        Resource("Job", "", "m", "Degraded"),
    )
    verdict = rules.judge(state(health="Degraded", resources=bad), NEW, later_descends, 12, 10)
    assert verdict.message == (
        "shop: Degraded for 12 s (past the degraded-grace): "
        "Deployment shop/web: Degraded (progress deadline exceeded); Job m: Degraded"
    )


def test_waiting_message_says_what_was_seen() -> None:
    verdict = rules.judge(state(OLD, sync="OutOfSync", phase=""), NEW, later_descends, 0, 10)
    assert verdict.message == f"shop: sync OutOfSync at {OLD[:12]}, health Healthy, no operation yet"


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://github.com/Acme/Infra.git", "github.com/acme/infra"),
        ("https://x-access-token:s3cr3t@github.com/acme/infra/", "github.com/acme/infra"),
        ("git@github.com:acme/infra.git", "github.com/acme/infra"),
        ("ssh://git@github.com/acme/infra", "github.com/acme/infra"),
        ("acme/infra", "acme/infra"),
    ],
)
def test_repo_key(url: str, key: str) -> None:
    assert repo_key(url) == key


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("https://github.com/acme/infra", "acme/infra", True),
        ("https://github.com/acme/infra", "git@github.com:acme/infra.git", True),
        ("https://github.com/acme/infra-prod", "acme/infra", False),
        ("https://github.com/other/infra", "acme/infra", False),
        ("", "acme/infra", False),
    ],
)
def test_same_repo(a: str, b: str, same: bool) -> None:
    assert same_repo(a, b) is same


@pytest.mark.parametrize(
    ("path", "changed", "found"),
    [
        ("apps/shop", ("apps/shop/deploy.yaml",), True),
        ("apps/shop/", ("apps/shop/overlays/prod/k.yaml",), True),
        ("apps/shop", ("apps/shopfront/deploy.yaml",), False),  # a prefix of the name is not the folder
        (".", ("anything.yaml",), True),
        ("apps/shop", (), True),  # no changed files given: the repo decides
    ],
)
def test_deploys(path: str, changed: tuple[str, ...], found: bool) -> None:
    source = {"repoURL": "https://github.com/acme/infra", "path": path}
    assert deploys(source, Target(NEW, (), "acme/infra", changed)) is found
