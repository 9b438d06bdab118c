"""History reads promotions (Promoted-From trailers, the copied build inherited); the duration and
commit grammars of min-soak and from-commit."""

from __future__ import annotations

import pytest

from gitops_ci.engines.writeback import history
from gitops_ci.errors import UserError
from gitops_ci.inputs import duration_text, parse_commit, parse_duration

API, WEB = "ghcr.io/acme/api", "ghcr.io/acme/web"
STAGING_API, STAGING_WEB, PROMOTION = "1" * 40, "2" * 40, "3" * 40


def record(sha: str, when: str, *trailers: str) -> str:
    return f"{sha}\x1f{when}\x1fbot\x1f" + "\n".join(trailers) + "\n\x1e"


LOG = "".join(
    [
        record(
            PROMOTION,
            "2026-12-01T12:00:00+00:00",
            f"Image: {API}:1.4.2",
            f"Image: {WEB}:2.1.0",
            "Environment: production",
            "Promoted-From: staging",
            f"Promoted-From-Commit: {STAGING_API}",
            f"Promoted-From-Commit: {STAGING_WEB}",
        ),
        record(
            STAGING_WEB,
            "2026-12-01T11:00:00+00:00",
            f"Image: {WEB}:2.1.0",
            "Source-Repository: acme/web",
            "Source-Commit: " + "b" * 40,
            "Source-Time: 2026-12-01T10:59:00Z",
            "Environment: staging",
        ),
        record(
            STAGING_API,
            "2026-12-01T10:00:00+00:00",
            f"Image: {API}:1.4.2",
            "Source-Repository: acme/api",
            "Source-Commit: " + "a" * 40,
            "Environment: staging",
        ),
    ]
)


def test_a_promotion_pairs_each_image_with_its_commit_and_inherits_its_build() -> None:
    api, web = history.select(history.parse_log(LOG), environment="production")
    assert (api.repository, api.promoted_from, api.promoted_from_commit) == (API, "staging", STAGING_API)
    assert (web.repository, web.promoted_from, web.promoted_from_commit) == (WEB, "staging", STAGING_WEB)
    assert (api.source_repository, api.source_commit, api.source_time) == ("acme/api", "a" * 40, "")
    assert (web.source_repository, web.source_commit, web.source_time) == (
        "acme/web",
        "b" * 40,
        "2026-12-01T10:59:00Z",
    )


def test_a_chain_of_promotions_passes_the_build_on() -> None:
    later = record(
        "4" * 40,
        "2026-12-02T09:00:00+00:00",
        f"Image: {API}:1.4.2",
        "Environment: edge",
        "Promoted-From: production",
        f"Promoted-From-Commit: {PROMOTION}",
    )
    (edge,) = history.select(history.parse_log(later + LOG), environment="edge")
    assert edge.source_commit == "a" * 40 and edge.promoted_from == "production"


def test_a_recorded_source_is_kept_and_the_table_marks_promotions() -> None:
    own = record(
        "5" * 40,
        "2026-12-02T09:00:00+00:00",
        f"Image: {API}:1.4.2",
        "Source-Commit: " + "e" * 40,
        "Environment: production",
        "Promoted-From: staging",
        f"Promoted-From-Commit: {STAGING_API}",
    )
    deployments = history.parse_log(own + LOG)
    assert deployments[0].source_commit == "e" * 40
    table = history.table(deployments[:1])
    assert f"{API}:1.4.2 (promoted from staging at 1111111)" in table
    assert history.parse_log(LOG)[-1].promoted_from == ""  # a plain bump


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30m", 1800), ("2h", 7200), ("1d", 86400), ("1w", 604800), ("1h30m", 5400), ("90", 90), ("1.5h", 5400)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text, name="min-soak") == seconds


@pytest.mark.parametrize("text", ["soon", "2 hours", "-1h", "1x", "h", "1h-", "1:30"])
def test_a_bad_duration_names_the_input_and_the_forms(text: str) -> None:
    with pytest.raises(UserError, match=r"input 'min-soak': .* is not a duration") as caught:
        parse_duration(text, name="min-soak")
    assert "30m, 2h, 1d" in caught.value.fix


def test_no_duration_is_no_gate_and_durations_read_back() -> None:
    assert parse_duration("", name="min-soak") is None
    assert [duration_text(s) for s in (0, 42, 90, 7200, 7260, 90000)] == [
        "0s",
        "42s",
        "1m 30s",
        "2h",
        "2h 1m",
        "1d 1h",
    ]


def test_commits_full_or_short() -> None:
    assert parse_commit("3F2A1BC", name="from-commit") == "3f2a1bc"
    assert parse_commit("", name="from-commit") == ""
    with pytest.raises(UserError, match="is not a commit SHA"):
        parse_commit("3f2a", name="from-commit")
