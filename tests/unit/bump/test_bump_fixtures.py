"""Every manifest shape, byte for byte: each fixture case's output must equal its `after-*`
files exactly (other files untouched), as written, with CRLF line endings, and with a BOM."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable

import pytest

from gitops_ci.engines.bump import core as engine
from gitops_ci.engines.bump.model import Target
from testing.bump_cases import CASES, FIXTURES, Case

Variant = Callable[[bytes], bytes]
VARIANTS: dict[str, Variant] = {
    "lf": lambda data: data,
    "crlf": lambda data: data.replace(b"\n", b"\r\n"),
    "bom-crlf": lambda data: b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n"),
}


def _copy(src: Path, dst: Path, variant: Variant) -> None:
    shutil.copytree(src, dst)
    for path in dst.rglob("*"):
        if path.is_file():
            path.write_bytes(variant(path.read_bytes()))


def _expected(case: Case, name: str, rel: str, variant: Variant) -> bytes:
    after = FIXTURES / case.folder / f"after-{name}" / rel
    before = FIXTURES / case.folder / "before" / rel
    return variant((after if after.exists() else before).read_bytes())


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("name", CASES)
def test_output_is_the_expected_file_byte_for_byte(tmp_path: Path, name: str, variant: str) -> None:
    case, transform = CASES[name], VARIANTS[variant]
    work = tmp_path / "infra"
    _copy(FIXTURES / case.folder / "before", work, transform)

    plan = engine.plan(work, case.targets, case.scope)
    engine.apply(work, plan)

    assert plan.changed
    for path in sorted(p for p in work.rglob("*") if p.is_file()):
        rel = path.relative_to(work).as_posix()
        assert path.read_bytes() == _expected(case, name, rel, transform), rel


@pytest.mark.parametrize("name", CASES)
def test_second_run_is_a_no_op_that_writes_nothing(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    work = tmp_path / "infra"
    shutil.copytree(FIXTURES / case.folder / "before", work)
    first = engine.plan(work, case.targets, case.scope)
    engine.apply(work, first)
    stamps = {p: os.stat(p).st_mtime_ns for p in work.rglob("*") if p.is_file()}
    for path in stamps:
        os.utime(path, ns=(1, 1))

    second = engine.plan(work, case.targets, case.scope)
    engine.apply(work, second)

    assert not second.changed and second.changes == () and second.edits == ()
    assert second.matched == first.matched
    assert all(os.stat(p).st_mtime_ns == 1 for p in stamps)


def test_changes_name_file_line_kind_old_and_new(tmp_path: Path) -> None:
    plan = engine.plan(FIXTURES / "workloads" / "before", CASES["workloads"].targets)
    by_kind = {(c.file, c.line): (c.kind, c.old, c.new) for c in plan.changes}
    assert by_kind[("deployment.yaml", 18)] == (
        "init-container",
        "ghcr.io/acme/shop-api:1.4.1",
        "ghcr.io/acme/shop-api:1.5.0",
    )
    assert by_kind[("deployment.yaml", 22)][0] == "container"
    assert by_kind[("jobs.yaml", 38)][0] == "ephemeral-container"
    assert plan.matched == 8
    assert "ghcr.io/acme/shop-api-worker" in plan.found_images
    assert "ghcr.io/acme2/shop-api" in plan.found_images


def test_helm_templates_are_skipped_with_the_reason(tmp_path: Path) -> None:
    plan = engine.plan(FIXTURES / "helm" / "before", CASES["helm"].targets)
    assert [(s.file, s.reason) for s in plan.skipped] == [
        ("chart/templates/deployment.yaml", "a template with {{ }}, not YAML")
    ]
    assert "chart/templates/deployment.yaml" not in plan.files


def test_kustomize_flow_entry_without_the_key_is_reported_not_guessed(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("images:\n  - {name: nginx, newTag: '1.25'}\n")
    plan = engine.plan(tmp_path, [Target("nginx", "1.27", "sha256:" + "a" * 64)])
    assert not plan.changed and plan.matched == 1
    assert "flow style" in plan.skipped[0].reason and plan.skipped[0].reason.startswith("line 2:")
