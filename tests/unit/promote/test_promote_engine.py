"""The promote engine in edit mode on a plain folder: the diff between two environments (--all),
the write, a dry run, and the refusals that need the infra repo's history."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from gitops_ci.engines.promote import core
from gitops_ci.engines.promote.model import Inputs, Services
from gitops_ci.errors import UserError
from gitops_ci.secrets import Redactor

A, B = "sha256:" + "a" * 64, "sha256:" + "b" * 64
POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
    - name: api
      image: ghcr.io/acme/api:{api}
    - name: web
      image: "ghcr.io/acme/web:{web}"
    - name: worker
      image: ghcr.io/acme/worker:{worker}
"""
STAGING = POD.format(api=f"1.4.2@{A}", web="2.1.0", worker="3.0.0")
PRODUCTION = POD.format(api=f"1.0.0@{B}", web="2.0.0", worker="3.0.0")


def tree(tmp_path: Path) -> Path:
    for env, text in (("staging", STAGING), ("production", PRODUCTION)):
        (tmp_path / "envs" / env).mkdir(parents=True)
        (tmp_path / "envs" / env / "pod.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "envs" / "staging" / "only.yaml").write_text(
        "services:\n  extra:\n    image: ghcr.io/acme/extra:9.9.9\n", encoding="utf-8"
    )
    return tmp_path


def services() -> Services:
    return Services(Redactor([]), {}, log=lambda line: None, warn=lambda line: None, clock=lambda: 0.0)


def inputs(root: Path, **changes: Any) -> Inputs:
    return replace(
        Inputs("staging", "production", every=True, infra_dir=root, render_check="false"), **changes
    )


def test_all_writes_every_image_that_differs_and_nothing_else(tmp_path: Path) -> None:
    root = tree(tmp_path)

    result = core.run(inputs(root), services())

    assert [(p.image, p.old, p.new) for p in result.promotions] == [
        ("ghcr.io/acme/api", (f"ghcr.io/acme/api:1.0.0@{B}",), f"ghcr.io/acme/api:1.4.2@{A}"),
        ("ghcr.io/acme/web", ("ghcr.io/acme/web:2.0.0",), "ghcr.io/acme/web:2.1.0"),
    ]
    assert [p.image for p in result.found.promotions if not p.differs] == ["ghcr.io/acme/worker"]
    assert result.found.only_from == ("ghcr.io/acme/extra",)
    assert (root / "envs/production/pod.yaml").read_text(encoding="utf-8") == STAGING
    assert result.written.files == ("envs/production/pod.yaml",)

    again = core.run(inputs(root), services())
    assert not again.written.changed and again.promotions == ()


def test_a_dry_run_shows_the_diff_and_writes_nothing(tmp_path: Path) -> None:
    root = tree(tmp_path)

    result = core.run(inputs(root, every=False, images=("ghcr.io/acme/api",), dry_run=True), services())

    assert result.written.changed and f"+      image: ghcr.io/acme/api:1.4.2@{A}" in result.written.diff
    assert (root / "envs/production/pod.yaml").read_text(encoding="utf-8") == PRODUCTION


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"min_soak": 60.0}, "no infra commit's trailers record it in staging"),
        ({"from_commit": "abcdef1"}, "--from-commit needs the infra repo's history"),
        ({"require_digest": True}, "staging pins ghcr.io/acme/web:2.1.0 without a digest"),
        ({"to_env": "qa"}, "the qa environment pins no image"),
    ],
)
def test_refusals_write_nothing(tmp_path: Path, changes: dict[str, Any], message: str) -> None:
    root = tree(tmp_path)

    with pytest.raises(UserError) as caught:
        core.run(inputs(root, **changes), services())

    assert message in str(caught.value)
    assert (root / "envs/production/pod.yaml").read_text(encoding="utf-8") == PRODUCTION
