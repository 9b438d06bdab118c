"""The sample app's own tests pass, so the image build-and-push demonstrates is a working app."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[3] / "examples" / "app"


def test_the_sample_apps_tests_pass() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            str(APP / "tests"),
        ],
        cwd=APP,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
