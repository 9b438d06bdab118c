"""Tag and label rules over recorded event contexts (tests/fixtures/build_push/events), exact results."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from gitops_ci.context import RunContext
from gitops_ci.engines.build_push import tags
from gitops_ci.engines.build_push.context import GitContext, from_run
from gitops_ci.engines.build_push.labels import oci_labels
from gitops_ci.errors import UserError

EVENTS = Path(__file__).resolve().parents[2] / "fixtures" / "build_push" / "events"
SHA, HEAD = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"
CREATED = datetime(2026, 5, 4, 3, 2, 1, tzinfo=timezone.utc)

RELEASE_RULES = """\
type=ref,event=branch
type=ref,event=pr
type=semver,pattern={{version}}
type=semver,pattern={{major}}.{{minor}}
type=semver,pattern={{major}}
type=sha
"""
BRANCH_RULES = "type=ref,event=branch\ntype=ref,event=pr\ntype=sha\n"


def recorded(name: str, known_tags: tuple[str, ...] = ()) -> GitContext:
    data = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return from_run(replace(RunContext.from_environ(data["env"]), event=data["event"]), known_tags)


RELEASE_TABLE = [
    ("push_main", ["main", "sha-a1b2c3d"]),
    ("push_feature", ["feature-Login-Page", "sha-a1b2c3d"]),
    ("tag_release", ["1.2.3", "1.2", "1", "sha-a1b2c3d", "latest"]),
    ("tag_prerelease", ["2.0.0-rc.1", "sha-a1b2c3d"]),
    ("pull_request", ["pr-42", "sha-9f8e7d6"]),
    ("schedule", ["main", "sha-a1b2c3d"]),
    ("workflow_dispatch", ["main", "sha-a1b2c3d"]),
]

BRANCH_TABLE = [
    ("push_main", ["main", "sha-a1b2c3d", "latest"]),
    ("push_feature", ["feature-Login-Page", "sha-a1b2c3d"]),
    ("tag_release", ["sha-a1b2c3d"]),
    ("tag_prerelease", ["sha-a1b2c3d"]),
    ("pull_request", ["pr-42", "sha-9f8e7d6"]),
    ("schedule", ["main", "sha-a1b2c3d"]),  # a schedule payload names no default branch: no latest
    ("workflow_dispatch", ["main", "sha-a1b2c3d"]),  # latest moves on pushes only
]


@pytest.mark.parametrize(("event", "expected"), RELEASE_TABLE)
def test_release_rules(event: str, expected: list[str]) -> None:
    meta = tags.compute(tags.parse_rules(RELEASE_RULES), recorded(event))
    assert list(meta.tags) == expected
    assert meta.version == expected[0]


@pytest.mark.parametrize(("event", "expected"), BRANCH_TABLE)
def test_branch_rules(event: str, expected: list[str]) -> None:
    assert list(tags.compute(tags.parse_rules(BRANCH_RULES), recorded(event)).tags) == expected


LABEL_TABLE = [
    ("push_main", "main", SHA, "MIT"),
    ("tag_release", "1.2.3", SHA, "MIT"),
    ("tag_prerelease", "2.0.0-rc.1", SHA, "MIT"),
    ("pull_request", "pr-42", HEAD, "MIT"),
    ("schedule", "main", SHA, None),  # no repository in a schedule payload, so no license
]


@pytest.mark.parametrize(("event", "version", "revision", "licenses"), LABEL_TABLE)
def test_oci_labels(event: str, version: str, revision: str, licenses: str | None) -> None:
    ctx = recorded(event)
    meta = tags.compute(tags.parse_rules(RELEASE_RULES), ctx)
    expected = {
        "org.opencontainers.image.created": "2026-05-04T03:02:01Z",
        "org.opencontainers.image.title": "Shop-API",
        "org.opencontainers.image.version": version,
        "org.opencontainers.image.revision": revision,
        "org.opencontainers.image.source": "https://github.com/Acme/Shop-API",
        "org.opencontainers.image.url": "https://github.com/Acme/Shop-API",
    }
    if licenses:
        expected["org.opencontainers.image.licenses"] = licenses
    assert oci_labels(ctx, "ghcr.io/acme/shop-api", meta.version, CREATED) == expected


def test_user_labels_merge_over_generated_ones() -> None:
    user = {"org.opencontainers.image.title": "Shop", "team": "payments"}
    labels = oci_labels(recorded("push_main"), "ghcr.io/acme/shop-api", "main", CREATED, user)
    assert labels["org.opencontainers.image.title"] == "Shop"
    assert labels["team"] == "payments"
    assert labels["org.opencontainers.image.revision"] == SHA


def test_pull_request_uses_the_head_commit_not_the_merge_commit() -> None:
    ctx = recorded("pull_request")
    assert ctx.sha == HEAD
    assert tags.compute(tags.parse_rules("type=sha,format=long"), ctx).tags == (f"sha-{HEAD}",)


@pytest.mark.parametrize(
    ("known", "latest"),
    [((), True), (("v1.0.0", "v1.2.2", "v2.0.0-rc.1"), True), (("v1.2.3", "v2.0.0"), False)],
)
def test_latest_auto_only_for_the_highest_release(known: tuple[str, ...], latest: bool) -> None:
    meta = tags.compute(tags.parse_rules("type=semver,pattern={{version}}"), recorded("tag_release", known))
    assert ("latest" in meta.tags) is latest


SEMVER, BRANCH = "type=semver,pattern={{version}}", "type=ref,event=branch"


@pytest.mark.parametrize(
    ("rules", "ref", "latest", "needed"),
    [
        (SEMVER, "refs/tags/v1.2.3", "auto", True),
        (SEMVER + "\n" + BRANCH, "refs/tags/1.2.3", "auto", True),
        (SEMVER, "refs/tags/v2.0.0-rc.1", "auto", False),  # a prerelease is never latest
        (SEMVER, "refs/tags/nightly", "auto", False),
        (SEMVER, "refs/heads/main", "auto", False),
        (SEMVER, "refs/tags/v1.2.3", "true", False),
        (SEMVER, "refs/tags/v1.2.3", "false", False),
        (BRANCH, "refs/tags/v1.2.3", "auto", False),  # latest follows the default branch
    ],
)
def test_the_checkouts_tags_are_read_only_when_latest_depends_on_them(
    rules: str, ref: str, latest: str, needed: bool
) -> None:
    assert tags.needs_known_tags(tags.parse_rules(rules), ref, latest) is needed


@pytest.mark.parametrize(
    ("mode", "event", "latest"), [("true", "push_feature", True), ("false", "push_main", False)]
)
def test_latest_true_and_false(mode: str, event: str, latest: bool) -> None:
    meta = tags.compute(tags.parse_rules(BRANCH_RULES), recorded(event), latest=mode)
    assert ("latest" in meta.tags) is latest


RULE_TABLE = [
    ("type=raw,value=stable", "push_main", ["stable"]),
    ("type=raw,value=stable,enable=false", "push_main", []),
    ("type=raw,value=edge,enable={{is_default_branch}}", "push_main", ["edge"]),
    ("type=raw,value=edge,enable={{is_default_branch}}", "push_feature", []),
    ("type=raw,value={{branch}}-{{sha}}", "push_feature", ["feature-Login-Page-a1b2c3d"]),
    ("type=sha,prefix=,suffix=-amd64", "push_main", ["a1b2c3d-amd64"]),
    ("type=ref,event=tag", "tag_release", ["v1.2.3"]),
    ("type=ref,event=branch,prefix=br-", "push_main", ["br-main"]),
    ("type=semver,pattern={{major}}.{{minor}}", "tag_prerelease", []),
    ("type=semver,pattern=v{{version}}", "tag_prerelease", ["v2.0.0-rc.1"]),
    ("type=semver,pattern={{version}},value=0.9.1", "push_main", ["0.9.1"]),
    ("type=semver,pattern={{major}},value=0.9.1", "push_main", []),  # 0.x promises nothing
    ("type=semver,pattern={{version}}", "push_main", []),
]


@pytest.mark.parametrize(("rule", "event", "expected"), RULE_TABLE)
def test_single_rules(rule: str, event: str, expected: list[str]) -> None:
    meta = tags.compute(tags.parse_rules(rule + "\ntype=raw,value=always"), recorded(event), latest="false")
    assert [tag for tag in meta.tags if tag != "always"] == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("feature/x", "feature-x"),
        ("-.lead", "lead"),
        ("a" * 200, "a" * 128),
        ("dependabot/npm_and_yarn/@types/node-20", "dependabot-npm_and_yarn-types-node-20"),
    ],
)
def test_sanitize(raw: str, expected: str) -> None:
    assert tags.sanitize(raw) == expected


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("type=commit", "'type=commit'"),
        ("type=ref", "needs event="),
        ("type=ref,event=push", "needs event="),
        ("type=raw", "needs value="),
        ("type=sha,colour=red", "'colour'"),
        ("type=sha,oops", "'oops'"),
        ("type=raw,value={{nope}}", "'{{nope}}'"),
    ],
)
def test_bad_rules_quote_the_offending_text(text: str, quoted: str) -> None:
    with pytest.raises(UserError) as caught:
        tags.compute(tags.parse_rules(text), recorded("push_main"))
    assert quoted in str(caught.value)


def test_rules_are_one_per_line_and_skip_comments() -> None:
    rules = tags.parse_rules("# ours\ntype=ref,event=branch\n\ntype=sha,format=long\n")
    assert [rule.type for rule in rules] == ["ref", "sha"]


def test_no_tag_for_the_event_is_a_clear_error() -> None:
    with pytest.raises(UserError) as caught:
        tags.compute(tags.parse_rules("type=ref,event=pr"), recorded("push_main"), latest="false")
    assert "type=sha" in caught.value.fix
