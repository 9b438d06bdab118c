"""Cold and warm time of the per-job bootstrap (scripts/bootstrap.sh); prints a table.

cold: an empty tool cache, as the first gitops-ci step of a job on a hosted runner sees it
      (pip's download cache is disabled too, so packages come from the index);
warm: the second and later gitops-ci steps of the same job (the environment is reused).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOOTSTRAP = ROOT / "scripts" / "bootstrap.sh"
RUNS = 3


def _time(cache: Path, extra_env: dict[str, str]) -> float:
    env = {**os.environ, "RUNNER_TOOL_CACHE": str(cache), **extra_env}
    env.pop("GITHUB_OUTPUT", None)
    start = time.perf_counter()
    subprocess.run(["bash", str(BOOTSTRAP)], env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> int:
    cold: list[float] = []
    warm: list[float] = []
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory() as tmp:
            cache = Path(tmp)
            cold.append(_time(cache, {"PIP_NO_CACHE_DIR": "1"}))
            warm.append(_time(cache, {"PIP_NO_INDEX": "1", "PIP_INDEX_URL": "http://127.0.0.1:9/"}))
    installer = (
        "uv" if subprocess.run(["sh", "-c", "command -v uv"], capture_output=True).returncode == 0 else "pip"
    )
    print(f"bootstrap ({installer}, Python {sys.version.split()[0]}, {RUNS} runs each)")
    print(f"| {'case':<24} | {'median s':>9} | {'min s':>7} | {'max s':>7} |")
    print(f"|{'-' * 26}|{'-' * 11}|{'-' * 9}|{'-' * 9}|")
    for name, values in (("cold (empty cache)", cold), ("warm (reused, offline)", warm)):
        print(
            f"| {name:<24} | {statistics.median(values):>9.2f} | {min(values):>7.2f} | {max(values):>7.2f} |"
        )
    print(f"warm is {statistics.median(cold) / statistics.median(warm):.0f}x faster than cold")
    return 0


if __name__ == "__main__":
    sys.exit(main())
