"""The pure part of promote: the reference an environment pins, the diff between two environments,
the refusals, the soak decision, the trailers and the source."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from gitops_ci.engines.bump.model import Pin, Target, Version
from gitops_ci.engines.promote import core, rules, text
from gitops_ci.engines.promote.model import Promotion
from gitops_ci.engines.writeback.history import Deployment
from gitops_ci.engines.writeback.message import Source
from gitops_ci.errors import UserError

API = "ghcr.io/acme/api"
A = "sha256:" + "a" * 64
B = "sha256:" + "b" * 64
NOON = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc).timestamp()


def pin(file: str, tag: str | None, digest: str | None, holds: tuple[str, ...] = ("tag", "digest")) -> Pin:
    return Pin(file, 10, "container", API, Version(tag, digest, holds))


def deployment(sha: str, when: str, source: str = "c" * 40, repository: str = "acme/api") -> Deployment:
    return Deployment(sha, when, "bot", f"{API}:1.4.2@{A}", API, "1.4.2", A, "staging", repository, source)


def promotion(deployed: Deployment | None = None, old: str = f"{API}:1.0.0") -> Promotion:
    return Promotion(Target(API, "1.4.2", A), (old,), True, ("envs/staging/api.yaml",), deployed, "f" * 40)


# -- the reference an environment pins --------------------------------------------------------
def test_the_reference_is_exactly_as_pinned_tag_at_digest_digest_or_tag() -> None:
    assert rules.reference(API, "staging", [pin("a.yaml", "1.4.2", A)]) == Target(API, "1.4.2", A)
    assert rules.reference(API, "staging", [pin("a.yaml", None, A)]) == Target(API, None, A, digest_only=True)
    assert rules.reference(API, "staging", [pin("a.yaml", "1.4.2", None)]) == Target(API, "1.4.2", None)


def test_places_that_agree_give_one_reference_and_parts_held_apart_combine() -> None:
    same = [pin("a.yaml", "1.4.2", A), pin("b.yaml", "1.4.2", A)]
    assert rules.reference(API, "staging", same) == Target(API, "1.4.2", A)
    parts = [pin("values.yaml", "1.4.2", None, ("tag",)), pin("values.yaml", None, A, ("digest",))]
    assert rules.reference(API, "staging", parts) == Target(API, "1.4.2", A)
    named_only = [pin("k.yaml", None, None, ()), pin("a.yaml", "1.4.2", None)]
    assert rules.reference(API, "staging", named_only) == Target(API, "1.4.2", None)


def test_different_references_in_different_files_are_refused_naming_each() -> None:
    pins = [pin("envs/staging/a.yaml", "1.4.2", A), pin("envs/staging/b.yaml", "1.5.0", B)]
    with pytest.raises(UserError) as caught:
        rules.reference(API, "staging", pins)
    error = caught.value
    assert (
        error.what
        == f"{API} is pinned to different references in staging (envs/staging/a.yaml, envs/staging/b.yaml)"
    )
    assert error.why == (
        f"envs/staging/a.yaml:10 pins {API}:1.4.2@{A}; envs/staging/b.yaml:10 pins {API}:1.5.0@{B}"
    )
    assert "nothing was pushed" in error.fix


def test_a_digest_differing_under_the_same_tag_is_refused_too() -> None:
    with pytest.raises(UserError, match="different references"):
        rules.reference(API, "staging", [pin("a.yaml", "1.4.2", A), pin("b.yaml", "1.4.2", None)])


def test_not_pinned_and_pinned_without_a_version_are_refused() -> None:
    with pytest.raises(UserError, match=f"{API} is not pinned in the staging environment"):
        rules.reference(API, "staging", [])
    with pytest.raises(UserError, match="without a tag or digest"):
        rules.reference(API, "staging", [pin("k.yaml", None, None, ())])


# -- the diff between environments ------------------------------------------------------------
def test_differs_compares_the_parts_each_place_holds() -> None:
    target = Target(API, "1.4.2", A)
    assert not rules.differs(target, [pin("p.yaml", "1.4.2", A)])
    assert rules.differs(target, [pin("p.yaml", "1.4.2", B)])
    assert rules.differs(target, [pin("p.yaml", "1.4.2", A), pin("q.yaml", "1.0.0", A)])
    assert not rules.differs(target, [pin("p.yaml", "1.4.2", None, ("tag",))])
    assert rules.differs(Target(API, None, A, digest_only=True), [pin("p.yaml", "1.4.2", A)])
    assert not rules.differs(target, [pin("k.yaml", None, None, ())])


def test_olds_lists_each_distinct_reference_once() -> None:
    pins = [pin("p.yaml", "1.0.0", None), pin("q.yaml", "1.0.0", None), pin("r.yaml", None, B, ("digest",))]
    assert rules.olds(API, pins) == (f"{API}:1.0.0", f"{API} digest {B}")


def test_not_in_the_target_environment_is_refused() -> None:
    with pytest.raises(UserError, match=f"{API} is not pinned in the production environment"):
        rules.check_in_target("staging", "production", API, [])
    rules.check_in_target("staging", "production", API, [pin("p.yaml", "1.0.0", None)])


@pytest.mark.parametrize(
    ("from_env", "to_env", "message"),
    [("staging", "staging", "--from and --to are both 'staging'"), ("", "production", "promote needs")],
)
def test_environments_must_be_two(from_env: str, to_env: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        rules.check_environments(from_env, to_env)


def test_image_or_all_but_not_both() -> None:
    with pytest.raises(UserError, match="not both"):
        rules.check_selection((API,), True)
    with pytest.raises(UserError, match="no image to promote"):
        rules.check_selection((), False)
    rules.check_selection((API,), False)
    rules.check_selection((), True)


def test_require_digest_refuses_a_reference_without_one() -> None:
    bare = Promotion(Target(API, "1.4.2"), (), True)
    with pytest.raises(UserError, match=f"staging pins {API}:1.4.2 without a digest"):
        rules.check_digest("staging", [bare, promotion()])
    rules.check_digest("staging", [promotion()])


# -- the soak decision ------------------------------------------------------------------------
def test_soak_counts_from_the_deploy_commit_time() -> None:
    deployed = promotion(deployment("d" * 40, "2026-12-01T10:00:00+00:00"))
    assert rules.unsoaked("staging", [deployed], 2 * 3600, NOON) == []
    (reason,) = rules.unsoaked("staging", [deployed], 2 * 3600 + 60, NOON)
    assert reason == (
        f"{API}:1.4.2@{A} has run in staging for 2h (since 2026-12-01T10:00:00Z, infra commit dddddddddddd); "
        "it may be promoted from 2026-12-01T12:01:00Z"
    )


def test_soak_unknown_without_a_recorded_deployment_is_a_refusal() -> None:
    (reason,) = rules.unsoaked("staging", [promotion()], 60, NOON)
    assert "no infra commit's trailers record it in staging" in reason
    with pytest.raises(UserError, match="min-soak is 1m and the image has not run that long in staging"):
        rules.check_soak("staging", [promotion()], 60, NOON)
    rules.check_soak("staging", [promotion()], None, NOON)


def test_a_time_in_another_zone_is_compared_in_utc() -> None:
    deployed = promotion(deployment("d" * 40, "2026-12-01T11:30:00+01:00"))  # 10:30 UTC
    assert rules.unsoaked("staging", [deployed], 90 * 60, NOON) == []
    assert rules.unsoaked("staging", [deployed], 91 * 60, NOON) != []


# -- trailers, source, the deploy commit, the table -------------------------------------------
def test_trailers_name_the_environment_and_one_commit_per_image_in_order() -> None:
    one, two = promotion(deployment("1" * 40, "")), promotion(None)
    assert rules.trailers("staging", [one, two]) == (
        ("Promoted-From", "staging"),
        ("Promoted-From-Commit", "1" * 40),
        ("Promoted-From-Commit", "f" * 40),  # not recorded: the commit `from` was read at
    )


def test_the_source_is_the_build_when_every_image_has_the_same_one() -> None:
    run = Source("acme/infra-ops", "e" * 40, "alice", "https://run", time="2026-12-01T00:00:00Z")
    same = [promotion(deployment("1" * 40, "")), promotion(deployment("2" * 40, ""))]
    assert rules.source(run, same) == Source("acme/api", "c" * 40, "alice", "https://run")
    mixed = [promotion(deployment("1" * 40, "")), promotion(deployment("2" * 40, "", source="9" * 40))]
    assert rules.source(run, mixed) == Source("", "", "alice", "https://run")
    assert rules.source(run, [promotion(None)]) == Source("", "", "alice", "https://run")


def test_the_deploy_commit_is_the_newest_that_recorded_the_reference_in_from() -> None:
    history = [
        deployment("3" * 40, "2026-12-01T11:00:00Z"),
        deployment("2" * 40, "2026-12-01T10:00:00Z"),
        Deployment("1" * 40, "", "bot", f"{API}:1.4.2@{A}", API, "1.4.2", A, "production"),
    ]
    found = rules.deployed(history, "staging", Target(API, "1.4.2", A))
    assert found is not None and found.infra_commit == "3" * 40
    assert rules.deployed(history, "staging", Target(API, "1.4.2", B)) is None
    assert rules.deployed(history, "qa", Target(API, "1.4.2", A)) is None


def test_require_healthy_waits_for_the_newest_deploy_commit() -> None:
    older = promotion(deployment("1" * 40, "2026-12-01T10:00:00Z"))
    newer = promotion(deployment("2" * 40, "2026-12-01T11:00:00Z"))
    assert core.newest([older, newer], "f" * 40) == "2" * 40
    assert core.newest([older, promotion(None)], "f" * 40) == "f" * 40


def test_the_table_links_the_build_and_the_infra_commit() -> None:
    rows = text.table(
        [promotion(deployment("1" * 40, "2026-12-01T10:00:00Z"))],
        "staging",
        "production",
        "https://github.example",
        "acme/infra",
    )
    assert rows[0] == "| Image | production before | Promoted | Built from | Deployed to staging |"
    assert rows[2] == (
        f"| `{API}` | `{API}:1.0.0` | `{API}:1.4.2@{A}` "
        f"| [acme/api@ccccccc](https://github.example/acme/api/commit/{'c' * 40}) "
        f"| [acme/infra@1111111](https://github.example/acme/infra/commit/{'1' * 40}) "
        "at 2026-12-01T10:00:00Z |"
    )
    (row,) = text.table([promotion(None)], "staging", "production", "https://github.example")[2:]
    assert row.endswith("| – | `ffffffffffff` |")
