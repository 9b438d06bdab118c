"""build-and-push inputs for tests that plan a build without running one."""

from __future__ import annotations

from datetime import datetime, timezone

from gitops_ci.engines.build_push import core as pipeline
from gitops_ci.engines.build_push.context import GitContext


def build_inputs(build_args: tuple[tuple[str, str], ...] = ()) -> pipeline.Inputs:
    """One image, no tag rules, a push to main at a fixed time, context /c."""
    return pipeline.Inputs(
        images=("ghcr.io/acme/app",),
        rules=(),
        git=GitContext("push", "refs/heads/main", "a" * 40),
        created=datetime(2026, 1, 1, tzinfo=timezone.utc),
        context_dir="/c",
        file="/c/Dockerfile",
        build_args=build_args,
    )
