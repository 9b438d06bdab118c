"""Two gitops-ci steps in one job: the first creates the environment, the second reuses it
without touching the network (its pip is pointed at a dead index and told not to use one)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from testing.act import run_act

pytestmark = pytest.mark.e2e

WORKFLOW = """
name: two-steps
on: push
jobs:
  reuse:
    runs-on: ubuntu-latest
    steps:
      - id: first
        uses: acme/gitops-ci/actions/setup@v1
      - id: second
        uses: acme/gitops-ci/actions/setup@v1
        env:
          PIP_INDEX_URL: http://127.0.0.1:9/simple
          PIP_NO_INDEX: "1"
          UV_OFFLINE: "1"
      - name: compare
        env:
          FIRST: ${{ steps.first.outputs.python }}
          SECOND: ${{ steps.second.outputs.python }}
          CLI: ${{ steps.second.outputs.cli }}
        run: |
          set -euo pipefail
          test -n "$FIRST"
          test "$FIRST" = "$SECOND"
          echo "same-env=$FIRST"
          "$CLI" --version
"""


def test_second_step_reuses_the_environment(tmp_path: Path) -> None:
    run = run_act(tmp_path, WORKFLOW)
    assert run.succeeded, run.log[-4000:]
    created = re.findall(r"gitops-ci: creating environment (\S+)", run.log)
    reused = re.findall(r"gitops-ci: reusing environment (\S+)", run.log)
    assert len(created) == 1, run.log[-4000:]
    # The second setup step, and the bare CLI in the last step, both find the same environment.
    assert len(reused) == 2 and set(reused) == set(created)
    assert "same-env=" + created[0] + "/bin/python" in run.log
    assert re.search(r"gitops-ci \d+\.\d+\.\d+", run.log)
    venv = Path(created[0])
    assert venv.is_relative_to(tmp_path), "the tool cache must be the test's own"
    assert (venv / ".complete").is_file()
    assert not list(venv.parent.glob(".venv-staging.*")), "no half-made environment is left"
