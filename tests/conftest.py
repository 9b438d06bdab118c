"""Shared fixtures. Tests never see the runner's own GITHUB_* / INPUT_* variables."""

from __future__ import annotations

import os
from typing import Iterator

import pytest
from hypothesis import settings

# Property and fuzz tests draw the same examples on every run: a CI run cannot fail (or pass) by
# the luck of the draw. Hunting for new failures is a local run with more examples and
# `derandomize=False`.
settings.register_profile("gitops-ci", derandomize=True)
settings.load_profile("gitops-ci")

_AMBIENT_PREFIXES = ("GITHUB_", "INPUT_", "RUNNER_", "GITOPS_CI_DEFAULTS", "ACTIONS_")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Drop ambient runner variables so code that wrongly reads os.environ sees nothing."""
    for name in list(os.environ):
        if name.startswith(_AMBIENT_PREFIXES) or name in ("GH_TOKEN", "CI"):
            monkeypatch.delenv(name, raising=False)
    yield
