"""Many images in one bump: one row per image (commit message, PR body, summary table), the
trailers and history of images built from another commit, readable names, one read of the
infra repo however many targets, and the downgrade guard asking the engine once a round."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gitops_ci.engines.bump import core as engine, scan
from gitops_ci.engines.bump.model import Scope, Target
from gitops_ci.engines.writeback import downgrade, message
from gitops_ci.engines.writeback.history import Deployment, parse_log
from gitops_ci.engines.writeback.message import ImageRow, Source

SHA = "3f2a1bc9d8e7f60123456789abcdef0123456789"
OTHER = "0123456789abcdef0123456789abcdef01234567"
DIGEST = "sha256:" + "ab" * 32
SOURCE = Source(
    "acme/mono", SHA, "alice", "https://github.com/acme/mono/actions/runs/1", time="2026-11-02T09:05:00Z"
)


def _infra(root: Path, services: int, tag: str = "1.0.0") -> Path:
    for i in range(services):
        folder = root / "apps" / f"svc-{i}"
        folder.mkdir(parents=True)
        (folder / "deployment.yaml").write_text(
            f"kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n"
            f"          image: ghcr.io/acme/svc-{i}:{tag}\n"
        )
        (folder / "kustomization.yaml").write_text(
            f"images:\n  - name: ghcr.io/acme/svc-{i}\n    newTag: {tag}\n"
        )
        (folder / "config.yaml").write_text(
            f"kind: ConfigMap\ndata:\n  name: svc-{i}\n"
        )  # names it, pins nothing
    return root


def _targets(count: int, tag: str = "2.0.0", digest: str | None = None) -> list[Target]:
    return [Target(f"ghcr.io/acme/svc-{i}", tag, digest) for i in range(count)]


# -- the rows ---------------------------------------------------------------------------------
def test_one_row_per_image_with_its_old_and_new_version_and_source(tmp_path: Path) -> None:
    root = _infra(tmp_path, 3)
    (root / "apps/svc-2/deployment.yaml").write_text(
        (root / "apps/svc-2/deployment.yaml").read_text().replace(":1.0.0", ":1.1.0")
    )
    targets = [*_targets(2, digest=DIGEST), Target("ghcr.io/acme/svc-2", "1.1.0")]
    plan = engine.plan(root, targets)
    sources = {"ghcr.io/acme/svc-0": SHA, "ghcr.io/acme/svc-1": OTHER, "ghcr.io/acme/svc-2": SHA}

    rows = message.image_rows(plan, targets, sources)

    assert rows == [
        ImageRow("ghcr.io/acme/svc-0", "1.0.0", "2.0.0@sha256:abababababab", SHA, True),
        ImageRow("ghcr.io/acme/svc-1", "1.0.0", "2.0.0@sha256:abababababab", OTHER, True),
        ImageRow("ghcr.io/acme/svc-2", "1.0.0", "1.1.0", SHA, True),  # its kustomization still said 1.0.0
    ]
    assert rows[1].line() == "ghcr.io/acme/svc-1: 1.0.0 -> 2.0.0@sha256:abababababab (source 0123456)"


def test_an_image_already_pinned_and_one_pinned_nowhere_have_their_rows(tmp_path: Path) -> None:
    root = _infra(tmp_path, 1, tag="2.0.0")
    targets = [Target("ghcr.io/acme/svc-0", "2.0.0"), Target("ghcr.io/acme/gone", "1.0.0")]
    plan = engine.plan(root, targets)

    rows = message.image_rows(plan, targets, {t.repository: SHA for t in targets})

    assert [row.line() for row in rows] == [
        "ghcr.io/acme/svc-0: 2.0.0 (unchanged) (source 3f2a1bc)",
        "ghcr.io/acme/gone: pinned nowhere (1.0.0 not pinned) (source 3f2a1bc)",
    ]
    assert message.image_table(rows, SOURCE)[2:] == [
        "| `ghcr.io/acme/svc-0` | `2.0.0` (unchanged) | [3f2a1bc](https://github.com/acme/mono/commit/"
        + SHA
        + ") |",
        "| `ghcr.io/acme/gone` | pinned nowhere (`1.0.0`) | [3f2a1bc](https://github.com/acme/mono/commit/"
        + SHA
        + ") |",
    ]


def test_a_commit_message_of_thirty_images_lists_them_all(tmp_path: Path) -> None:
    root = _infra(tmp_path, 30)
    targets = _targets(30)
    plan = engine.plan(root, targets)
    sources = {t.repository: SHA for t in targets}
    pairs = message.trailers(targets, "prod", SOURCE, (), sources)

    text = message.commit_message("Deploy", plan, pairs, rows=message.image_rows(plan, targets, sources))

    lines = text.splitlines()
    assert lines[2:32] == [f"ghcr.io/acme/svc-{i}: 1.0.0 -> 2.0.0 (source 3f2a1bc)" for i in range(30)]
    assert len(plan.changes) == 60 and "... and 10 more changes" in lines
    assert [line for line in lines if line.startswith("Image: ")] == [
        f"Image: {t.reference}" for t in targets
    ]
    assert not any(
        line.startswith(message.SOURCE_TRAILER) for line in lines
    )  # all built from the run's commit


def test_one_image_alone_keeps_the_commit_message_it_had(tmp_path: Path) -> None:
    root = _infra(tmp_path, 1)
    target = Target("ghcr.io/acme/svc-0", "2.0.0")
    plan = engine.plan(root, [target])
    pairs = message.trailers([target], "", SOURCE)

    assert message.commit_message("Deploy svc-0:2.0.0", plan, pairs) == (
        "Deploy svc-0:2.0.0\n\n"
        "apps/svc-0/deployment.yaml:7: ghcr.io/acme/svc-0:1.0.0 -> ghcr.io/acme/svc-0:2.0.0\n"
        "apps/svc-0/kustomization.yaml:3: 1.0.0 -> 2.0.0\n\n"
        "Image: ghcr.io/acme/svc-0:2.0.0\n"
        "Source-Repository: acme/mono\n"
        f"Source-Commit: {SHA}\n"
        "Source-Time: 2026-11-02T09:05:00Z\n"
        "Workflow-Run: https://github.com/acme/mono/actions/runs/1\n"
        "Deployed-By: alice\n"
    )


def test_a_pr_body_of_thirty_images_has_thirty_rows_and_stays_within_githubs_limit(tmp_path: Path) -> None:
    root = _infra(tmp_path, 30)
    targets = _targets(30)
    plan = engine.plan(root, targets)
    rows = message.image_rows(plan, targets, {t.repository: SHA for t in targets})

    body = message.pr_body(plan, message.unified_diff(plan.edits), SOURCE, [], images=rows)

    assert len(re.findall(r"^\| `ghcr\.io/acme/svc-\d+` \| `1\.0\.0` → `2\.0\.0` \|", body, re.M)) == 30
    assert body.index("| Image | Old → New | Source commit |") < body.index("| Where | Old | New |")
    many = [ImageRow(f"ghcr.io/acme/{'x' * 100}-{i}", "1.0.0", "2.0.0", SHA) for i in range(2000)]
    assert len(message.pr_body(plan, "", SOURCE, [], images=many)) <= message.BODY_LIMIT


# -- trailers and history of an image built from another commit ---------------------------------
def test_an_image_built_from_another_commit_is_recorded_and_read_back_as_such() -> None:
    targets = [Target("ghcr.io/acme/api", "2.0.0"), Target("ghcr.io/acme/web", "3.0.0")]
    pairs = message.trailers(
        targets, "prod", SOURCE, (), {"ghcr.io/acme/api": SHA, "ghcr.io/acme/web": OTHER}
    )
    assert (message.SOURCE_TRAILER, f"ghcr.io/acme/web={OTHER}") in pairs
    assert not any(value.startswith("ghcr.io/acme/api=") for _, value in pairs)
    log = "infra1\x1f2026-11-02T10:00:00Z\x1fbot\x1f" + "".join(f"{k}: {v}\n" for k, v in pairs) + "\x1e"

    api, web = parse_log(log)

    assert (api.repository, api.source_commit, api.source_time) == ("ghcr.io/acme/api", SHA, SOURCE.time)
    # web's own commit, whose time no trailer gives (Source-Time is the run commit's)
    assert (web.repository, web.source_commit, web.source_time) == ("ghcr.io/acme/web", OTHER, "")


# -- names --------------------------------------------------------------------------------------
def test_image_name_of_many_images_stays_readable_and_the_branch_stays_distinct() -> None:
    few = [Target(f"ghcr.io/acme/{n}", "1") for n in ("api", "web")]
    many = _targets(30)
    assert message.fields(few, "", SOURCE)["image_name"] == "api+web"
    name = message.fields(many, "", SOURCE)["image_name"]
    assert name.startswith("svc-0+svc-1+") and name.endswith("-more") and len(name) <= message.NAMES_LIMIT

    first = message.branch_name(
        message.DEFAULT_BRANCH, message.branch_values(many, message.fields(many, "prod", SOURCE))
    )
    other = message.branch_name(
        message.DEFAULT_BRANCH, message.branch_values(many[:29], message.fields(many[:29], "prod", SOURCE))
    )
    assert first != other and all(len(part) <= message.BRANCH_PART_LIMIT for part in first.split("/"))
    assert first == message.branch_name(
        message.DEFAULT_BRANCH, message.branch_values(many, message.fields(many, "prod", SOURCE))
    )
    assert message.title("x" * 300).endswith("...") and len(message.title("x" * 300)) == message.TITLE_LIMIT


# -- one read of the infra repo for many targets --------------------------------------------------
def test_the_infra_repo_is_read_once_for_thirty_targets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _infra(tmp_path, 40)
    reads: list[str] = []
    real = scan.read_bytes

    def counting(path: str, limit: int | None = None) -> bytes:
        reads.append(path)
        return real(path, limit)

    monkeypatch.setattr(scan, "read_bytes", counting)

    plan = engine.plan(root, _targets(30))

    assert len(plan.edits) == 60
    assert len(reads) == 120 and len(set(reads)) == 120  # every file once, not once per target


def test_the_downgrade_guard_asks_the_engine_once_for_every_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _infra(tmp_path, 5, tag="2.0.9")
    targets = _targets(5, tag="2.0.5")
    plan = engine.plan(root, targets)
    history = [
        Deployment(
            f"infra-{i}",
            "",
            "bot",
            f"ghcr.io/acme/svc-{i}:2.0.9",
            f"ghcr.io/acme/svc-{i}",
            "2.0.9",
            None,
            source_commit="c9",
            source_time="2026-11-02T09:09:00Z",
        )
        for i in range(5)
    ]
    plans: list[int] = []
    real = downgrade.engine.plan

    def counting(*args: object, **kwargs: object) -> object:
        plans.append(len(args[1]))  # type: ignore[arg-type]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(downgrade.engine, "plan", counting)
    source = Source("acme/mono", "c5", time="2026-11-02T09:05:00Z")

    held = downgrade.held(root, plan, targets, Scope(), "", source, history)

    assert [h.target for h in held] == targets and plans == [5]  # one plan, all five probes
    built_elsewhere = {targets[0].repository: OTHER}
    again = downgrade.held(root, plan, targets, Scope(), "", source, history, built_elsewhere)
    assert [h.target for h in again] == targets[1:]  # its time unknown: not held
