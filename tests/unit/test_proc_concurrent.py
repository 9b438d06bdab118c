"""proc.run_concurrently: jobs really overlap, results keep their order, secrets stay redacted."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from gitops_ci.doors import proc
from gitops_ci.errors import UserError
from gitops_ci.secrets import MASK, Redactor

# Each job announces itself, then waits for the other: only jobs that run at the same time finish.
RENDEZVOUS = """
import os, sys, time
mine, other = sys.argv[1:]
open(mine, "w").close()
deadline = time.monotonic() + 20
while not os.path.exists(other):
    if time.monotonic() > deadline:
        sys.exit(9)
    time.sleep(0.01)
print("met", os.path.basename(other))
"""


def test_jobs_run_at_the_same_time_and_come_back_in_order(tmp_path: Path) -> None:
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    jobs = [
        proc.Job((sys.executable, "-c", RENDEZVOUS, a, b)),
        proc.Job((sys.executable, "-c", RENDEZVOUS, b, a)),
    ]
    first, second = proc.run_concurrently(jobs, redactor=Redactor())
    assert isinstance(first, proc.Completed) and isinstance(second, proc.Completed)
    assert (first.returncode, first.stdout) == (0, "met b\n")
    assert (second.returncode, second.stdout) == (0, "met a\n")
    assert first.duration > 0


def test_a_job_that_cannot_start_does_not_stop_the_others() -> None:
    secret = "hunter2-secret"
    logged: list[str] = []
    jobs = [
        proc.Job(("/nonexistent/tool", secret)),
        proc.Job((sys.executable, "-c", "import sys; sys.exit(3)"), env={"X": "1"}),
    ]
    missing, failed = proc.run_concurrently(jobs, redactor=Redactor([secret]), log=logged.append)
    assert isinstance(missing, UserError) and "was not found" in str(missing)
    assert isinstance(failed, proc.Completed) and failed.returncode == 3
    assert all(secret not in line for line in logged) and any(MASK in line for line in logged)
    assert proc.run_concurrently([], redactor=Redactor()) == []


# Prints its own niceness and, from a child it starts, the child's: workers inherit the priority.
NICENESS = """
import os, subprocess, sys
child = subprocess.run([sys.executable, "-c", "import os; print(os.nice(0))"], capture_output=True, text=True)
print(os.nice(0), child.stdout.strip())
"""


def test_a_job_with_nice_runs_at_lower_priority_and_so_do_its_children() -> None:
    base = os.nice(0)
    jobs = [proc.Job((sys.executable, "-c", NICENESS), nice=7), proc.Job((sys.executable, "-c", NICENESS))]
    niced, normal = proc.run_concurrently(jobs, redactor=Redactor())
    assert isinstance(niced, proc.Completed) and isinstance(normal, proc.Completed)
    assert niced.stdout.split() == [str(min(base + 7, 19))] * 2
    assert normal.stdout.split() == [str(base)] * 2
