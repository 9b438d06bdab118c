"""Worker processes change nothing about the result: same plan, same order, same errors."""

from __future__ import annotations

import multiprocessing
import shutil
from pathlib import Path

import pytest

from gitops_ci.engines.bump.files import discover
from gitops_ci.engines.bump.model import Scope, Target
from gitops_ci.engines.bump.scan import scan
from testing.bump_cases import CASES, FIXTURES

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="worker processes need fork"
)


def test_workers_give_the_same_results_as_one_process(tmp_path: Path) -> None:
    for case in ("workloads", "kustomize", "helm", "markers"):
        shutil.copytree(FIXTURES / case / "before", tmp_path / case)
    targets = CASES["workloads-digest"].targets
    files = discover(tmp_path.resolve(), Scope())
    assert scan(tmp_path, files, targets, Scope(), workers=3) == scan(
        tmp_path, files, targets, Scope(), workers=1
    )


def test_an_invalid_file_found_by_a_worker_reaches_the_caller(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("image: x/app:1\n")
    (tmp_path / "b.yaml").write_text("image: x/app:1\n  broken: [\n")
    results = scan(tmp_path, ["a.yaml", "b.yaml"], [Target("x/app", "2")], Scope(), workers=2)
    assert [(r.file, r.invalid and (r.invalid.file, r.invalid.line)) for r in results] == [
        ("a.yaml", None),
        ("b.yaml", ("b.yaml", 2)),
    ]
