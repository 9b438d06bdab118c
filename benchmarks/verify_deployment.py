"""Benchmark: how soon verify-deployment returns after Argo CD reports the commit synced and
healthy (issue 14's goal: within 2 s).

The fake Argo CD (tests/testing/argocd_fake.py, validated against Argo CD's description) runs on
loopback in this process; each run, the application turns Synced + Healthy at the infra commit at
a random moment 1-3 s after verify starts. The latency is the time from that moment until
`verify.core.run` returns healthy, through the real HTTP door, for several poll intervals.

    .venv/bin/python benchmarks/verify_deployment.py [--repeat 8]

Prints one table. Never used as a timed assertion.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "tests")]

from gitops_ci.doors.http import Http  # noqa: E402
from gitops_ci.engines.verify import core  # noqa: E402
from gitops_ci.engines.verify.argocd import ArgoCD  # noqa: E402
from gitops_ci.engines.verify.model import Inputs, Target, Timing  # noqa: E402
from testing.argocd_fake import TOKEN, FakeArgoCD, application  # noqa: E402

NEW, OLD = "a" * 40, "b" * 40


def one_run(fake: FakeArgoCD, poll: float, flip_after: float) -> float:
    flip_at = time.monotonic() + flip_after

    def frame(gets: int, elapsed: float) -> dict[str, Any]:
        if time.monotonic() < flip_at:
            return application("shop", NEW, health="Progressing", phase="Running")
        return application("shop", NEW)

    fake.play("shop", frame)
    backend = ArgoCD(fake.url, TOKEN, Http(), poll_interval=poll)
    result = core.run(Inputs(Target(NEW, ("shop",)), Timing(30, poll, 60)), core.Services(backend))
    done = time.monotonic()
    assert result.healthy, result.problem
    return done - flip_at


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=8)
    args = parser.parse_args()
    rng = random.Random(14)
    fake = FakeArgoCD().start()
    try:
        print("| poll-interval | runs | median latency | max latency | within 2 s |")
        print("|---|---|---|---|---|")
        for poll in (0.25, 0.5, 1.0, 2.0):
            lat = [one_run(fake, poll, rng.uniform(1, 3)) for _ in range(args.repeat)]
            within = sum(x <= 2.0 for x in lat)
            print(
                f"| {poll:g} s{' (default)' if poll == 1.0 else ''} | {len(lat)} | "
                f"{statistics.median(lat):.2f} s | {max(lat):.2f} s | {within}/{len(lat)} |"
            )
        assert not fake.violations, fake.violations
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
