"""The downgrade guard's decision rule, case by case, on a real infra dir and recorded trailers."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_ci.engines.writeback import downgrade
from gitops_ci.engines.bump import core as engine
from gitops_ci.engines.writeback.history import Deployment, parse_log
from gitops_ci.engines.writeback.message import Source, trailers
from gitops_ci.engines.bump.model import Scope, Target

APP = "ghcr.io/acme/app"
DIGEST = "sha256:" + "ab" * 32
T5, T7, T9 = "2026-11-02T09:05:00Z", "2026-11-02T09:07:00Z", "2026-11-02T09:09:00Z"


def _infra(tmp_path: Path, pin: str) -> Path:
    (tmp_path / "prod").mkdir()
    (tmp_path / "prod" / "app.yaml").write_text(f"image: {APP}:{pin}  # pinned by gitops-ci\n")
    return tmp_path


def _deployed(tag: str, time: str, commit: str = "", env: str = "prod", digest: str = "") -> Deployment:
    ref = f"{APP}:{tag}" + (f"@{digest}" if digest else "")
    return Deployment(
        f"infra-{tag}", "", "bot", ref, APP, tag, digest or None, env, source_commit=commit, source_time=time
    )


def _held(root: Path, history: list[Deployment], time: str, tag: str = "2.0.5", commit: str = "c5") -> bool:
    target = Target(APP, tag)
    plan = engine.plan(root, (target,), Scope(environment="prod"))
    source = Source("acme/app", commit, time=time)
    return bool(downgrade.held(root, plan, (target,), Scope(environment="prod"), "prod", source, history))


@pytest.mark.parametrize(
    ("case", "pin", "history", "mine", "expected"),
    [
        ("the running build is newer", "2.0.9", [_deployed("2.0.9", T9, "c9")], T5, True),
        ("the running build is older", "2.0.9", [_deployed("2.0.9", T5, "c9")], T7, False),
        ("same time: a tie allows", "2.0.9", [_deployed("2.0.9", T5, "c9")], T5, False),
        ("same source commit allows", "2.0.9", [_deployed("2.0.9", T9, "c5")], T5, False),
        ("its time unknown (an older bump)", "2.0.9", [_deployed("2.0.9", "", "c9")], T5, False),
        ("my time unknown", "2.0.9", [_deployed("2.0.9", T9, "c9")], "", False),
        ("nothing recorded", "2.0.9", [], T5, False),
        (
            "recorded in another environment",
            "2.0.9",
            [_deployed("2.0.9", T9, "c9", env="staging")],
            T5,
            False,
        ),
        ("edited by hand since the bump", "2.0.8", [_deployed("2.0.9", T9, "c9")], T5, False),
        (
            "the pin is an earlier recorded build, restored by hand",
            "2.0.3",
            [_deployed("2.0.9", T9, "c9"), _deployed("2.0.3", T7, "c3")],
            T5,
            True,
        ),
        (
            "the newest recorded bump of the current pin decides",
            "2.0.9",
            [_deployed("2.0.9", T5, "c9"), _deployed("2.0.9", T9, "c9")],
            T7,
            False,
        ),
        ("a tag that only contains the pin's text", "2.0.9", [_deployed("2.0", T9, "c2")], T5, False),
    ],
)
def test_decision_rule(
    tmp_path: Path, case: str, pin: str, history: list[Deployment], mine: str, expected: bool
) -> None:
    assert _held(_infra(tmp_path, pin), history, mine) is expected, case


def test_a_digest_pin_is_matched_by_its_digest(tmp_path: Path) -> None:
    root = _infra(tmp_path, f"2.0.9@{DIGEST}")

    assert _held(root, [_deployed("2.0.9", T9, "c9", digest=DIGEST)], T5)
    assert not _held(root, [_deployed("2.0.9", T9, "c9")], T5)  # the tag alone is another pin


def test_a_target_already_pinned_is_never_held(tmp_path: Path) -> None:
    root = _infra(tmp_path, "2.0.5")

    assert not _held(root, [_deployed("2.0.5", T9, "c9")], T5, tag="2.0.5")


def test_the_notice_names_both_builds_and_the_way_out(tmp_path: Path) -> None:
    root = _infra(tmp_path, "2.0.9")
    target = Target(APP, "2.0.5")
    plan = engine.plan(root, (target,), Scope(environment="prod"))
    source = Source("acme/app", "c5" * 20, time=T5)
    running = _deployed("2.0.9", T9, "c9" * 20)

    (held,) = downgrade.held(root, plan, (target,), Scope(environment="prod"), "prod", source, [running])

    assert held.target == target and held.running == running
    assert held.notice == (
        f"{APP}:2.0.5 not pinned: infra (prod) already runs {APP}:2.0.9 built from commit "
        f"{'c9' * 6} at {T9} (infra commit infra-2.0.9), newer than this build's commit "
        f"{'c5' * 6} at {T5}; pass allow-downgrade: true to replace it"
    )


def test_source_time_round_trips_through_the_trailers() -> None:
    pairs = trailers([Target(APP, "2.0.5")], "prod", Source("acme/app", "c5", time=T5))
    record = "abc\x1f2026-11-02T10:00:00+01:00\x1fbot\x1f" + "\n".join(f"{k}: {v}" for k, v in pairs) + "\x1e"

    (deployment,) = parse_log(record)

    assert ("Source-Time", T5) in pairs
    assert (deployment.source_commit, deployment.source_time, deployment.environment) == ("c5", T5, "prod")
