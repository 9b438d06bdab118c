"""quality-gate used as users write it (`uses: acme/gitops-ci/actions/quality-gate@v1`), run by
act on the failing sample: the job fails, and the step summary holds the table.

act runs the job on the host; it prints each step's summary file in its log as
`Summary - <markdown>` once the step ends, so that is where the test reads it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from testing.act import run_act
from testing.tools import require_tool

pytestmark = pytest.mark.e2e

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "quality_gate" / "failing"

WORKFLOW = """
name: quality
on: push
jobs:
  gate:
    runs-on: ubuntu-latest
    steps:
      - id: gate
        uses: acme/gitops-ci/actions/quality-gate@v1
        with:
          # act on the host does not check the workspace out: point at the test's copy.
          working-directory: {workdir}
          python: {python}
      - name: outputs reach the workflow
        if: always()
        env:
          PASSED: ${{{{ steps.gate.outputs.passed }}}}
          FAILED_TOOLS: ${{{{ steps.gate.outputs.failed-tools }}}}
          FINDINGS: ${{{{ steps.gate.outputs.findings }}}}
        run: |
          set -euo pipefail
          echo "gate-passed=$PASSED failed=$FAILED_TOOLS findings=$FINDINGS"
"""


def test_the_gate_fails_the_job_and_writes_the_summary_table(tmp_path: Path) -> None:
    for tool in ("black", "flake8", "mypy", "pytest"):
        require_tool(tool)
    files = {f"svc/{p.relative_to(SAMPLE)}": p.read_text() for p in SAMPLE.rglob("*") if p.is_file()}
    workflow = WORKFLOW.format(workdir=tmp_path / "workspace" / "svc", python=sys.executable)
    run = run_act(tmp_path, workflow, files=files)
    log = run.log
    assert run.returncode != 0 and "Job failed" in log, log[-4000:]
    assert re.search(r"Failure - Main acme/gitops-ci/actions/quality-gate@v1", log)
    # The summary: verdict, the table, one collapsible block per failing tool.
    summary = log[log.index("Summary - ## quality-gate") :]
    assert summary.startswith("Summary - ## quality-gate ❌ failed: black, flake8, mypy, pytest")
    assert "| tool | status | findings | time |" in summary
    for tool in ("black", "flake8", "mypy", "pytest"):
        assert re.search(rf"^\| {tool} \| ❌ failed \| 1 \| \d+\.\d s \|$", summary, re.MULTILINE), tool
        assert f"<details><summary><b>{tool}</b>: failed, 1 finding</summary>" in summary
    # Annotations on the files, relative to the repository root.
    for where in (
        "file=svc/pkg/style.py,line=3",
        "file=svc/pkg/lint.py,line=1,col=1",
        "file=svc/pkg/typed.py,line=2",
    ):
        assert f"::error {where}," in log
    assert "::error file=svc/check_calc.py,line=6,title=pytest test-failed::" in log
    assert "gate-passed=false failed=black,flake8,mypy,pytest" in log
    assert '"black":1,"flake8":1,"mypy":1,"pytest":1' in log
    assert "is_formatted" not in log  # black's own outputs stay out of the step's outputs
