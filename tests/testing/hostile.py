"""Run the real CLI's edit mode on a tree, with a timeout far below CI's (before the hostile-
tree fixes, alias bombs gave no answer within 90 s)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
IMAGE = "ghcr.io/acme/api"
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: ghcr.io/acme/api:1.0
"""
TIMEOUT = 30


def run_bump(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gitops_ci", "bump-manifest", "--mode", "edit", "--image", IMAGE, *args],
        cwd=root,
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(SCRIPTS), "HOME": str(root.parent)},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
