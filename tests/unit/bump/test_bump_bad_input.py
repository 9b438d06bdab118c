"""Bad input is a UserError that says what and why, and nothing is written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gitops_ci.engines.bump import core as engine
from gitops_ci.engines.bump.model import Scope, Target
from gitops_ci.errors import UserError

DEPLOY = (
    "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n"
    "        - image: ghcr.io/acme/api:1.0\n"
)


@pytest.fixture
def infra(tmp_path: Path) -> Path:
    root = tmp_path / "infra"
    (root / "apps").mkdir(parents=True)
    (root / "apps" / "deploy.yaml").write_text(DEPLOY)
    return root


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (Target("ghcr.io/acme/api", "1.1\nkind: Secret"), "newline"),
        (Target("ghcr.io/acme/api", "1.1 # x"), "space"),
        (Target("ghcr.io/acme/api", "{1.1}"), "starts with '{'"),
        (Target("ghcr.io/acme/api", "1.1", "sha256:short"), "digest"),
        (Target("ghcr.io/acme/API", "1.1"), "not a valid image repository"),
        (Target("ghcr.io/acme/api"), "no tag or digest"),
        (Target("ghcr.io/acme/api", "1.1", digest_only=True), "needs a digest"),
    ],
)
def test_bad_targets_are_refused_before_reading(infra: Path, target: Target, message: str) -> None:
    before = _snapshot(infra)
    with pytest.raises(UserError, match=message):
        engine.plan(infra, [target])
    assert _snapshot(infra) == before


def test_the_same_image_twice_is_refused(infra: Path) -> None:
    with pytest.raises(UserError, match="given twice"):
        engine.plan(infra, [Target("nginx", "1"), Target("docker.io/library/nginx", "2")])


def test_missing_infra_dir(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        engine.plan(tmp_path / "nope", [Target("nginx", "1")])


@pytest.mark.parametrize("glob", ["../*.yaml", "/etc/*.yaml", "apps/../../x.yaml"])
def test_globs_leading_outside_are_refused(infra: Path, glob: str) -> None:
    with pytest.raises(UserError, match="leads outside the infra dir"):
        engine.plan(infra, [Target("ghcr.io/acme/api", "1.1")], Scope(paths=(glob,)))


def test_a_symlink_leading_outside_is_refused(infra: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.yaml").write_text(DEPLOY)
    os.symlink(tmp_path / "secret.yaml", infra / "apps" / "linked.yaml")
    before = _snapshot(tmp_path)
    with pytest.raises(UserError, match="apps/linked.yaml is a symlink that leads outside"):
        engine.plan(infra, [Target("ghcr.io/acme/api", "1.1")])
    assert _snapshot(tmp_path) == before


def test_a_symlink_inside_is_edited_through_its_target_and_stays_a_link(infra: Path) -> None:
    os.symlink("deploy.yaml", infra / "apps" / "alias.yaml")
    plan = engine.plan(infra, [Target("ghcr.io/acme/api", "1.1")])
    engine.apply(infra, plan)
    assert plan.files == ("apps/deploy.yaml",)
    assert (infra / "apps" / "alias.yaml").is_symlink()
    assert "ghcr.io/acme/api:1.1" in (infra / "apps" / "deploy.yaml").read_text()


def test_broken_yaml_that_mentions_the_image_is_an_error_with_file_and_line(infra: Path) -> None:
    (infra / "apps" / "broken.yaml").write_text("a: 1\nimage: ghcr.io/acme/api:1.0\n  bad: [\n")
    before = _snapshot(infra)
    with pytest.raises(UserError) as err:
        engine.plan(infra, [Target("ghcr.io/acme/api", "1.1")])
    assert str(err.value).startswith("apps/broken.yaml:3: not valid YAML")
    assert _snapshot(infra) == before


def test_broken_yaml_without_the_image_is_skipped_with_the_reason(infra: Path) -> None:
    (infra / "apps" / "broken.yaml").write_text("note: about api\n  bad: [\n")
    plan = engine.plan(infra, [Target("ghcr.io/acme/api", "1.1")])
    assert plan.files == ("apps/deploy.yaml",)
    assert plan.skipped[0].file == "apps/broken.yaml" and "not valid YAML (line" in plan.skipped[0].reason


def test_no_match_is_not_an_error_of_the_engine(infra: Path) -> None:
    plan = engine.plan(infra, [Target("ghcr.io/acme/other", "1.1")])
    assert plan.matched == 0 and not plan.changed
    assert plan.found_images == ("ghcr.io/acme/api",)


def test_a_block_scalar_pin_is_reported_not_edited(infra: Path) -> None:
    (infra / "values.yaml").write_text("image: >-\n  ghcr.io/acme/api:1.0\n")
    plan = engine.plan(infra, [Target("ghcr.io/acme/api", "1.1")])
    assert plan.files == ("apps/deploy.yaml",)
    assert (
        plan.skipped[0].reason
        == "line 1: pins ghcr.io/acme/api but the value is a block scalar (| or >); not edited"
    )


def test_a_marker_with_a_bad_repository_is_reported(infra: Path) -> None:
    (infra / "x.yaml").write_text('v: "1" # {"gitops-ci": "Not A Repo:tag"}\n')
    plan = engine.plan(infra, [Target("ghcr.io/acme/api", "1.1")])
    assert ("x.yaml", "line 1: the marker names 'Not A Repo', which is not an image repository") in [
        (s.file, s.reason) for s in plan.skipped
    ]
