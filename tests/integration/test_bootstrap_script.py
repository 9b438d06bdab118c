"""scripts/bootstrap.sh fails fast, with a clear ::error::, where it cannot work."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from testing.act import REPO_ROOT
from testing.tools import require_tool

pytestmark = pytest.mark.integration
BOOTSTRAP = REPO_ROOT / "scripts" / "bootstrap.sh"


def _run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    bash = require_tool("bash")
    full = {"PATH": os.environ["PATH"], "RUNNER_TEMP": str(tmp_path), **env}
    return subprocess.run([bash, str(BOOTSTRAP)], env=full, capture_output=True, text=True, check=False)


def test_unsupported_os_is_refused(tmp_path: Path) -> None:
    proc = _run(tmp_path, RUNNER_OS="Windows")
    assert proc.returncode == 1
    assert proc.stdout.startswith("::error title=gitops-ci setup::")
    assert "'Windows'" in proc.stdout and "ubuntu-latest" in proc.stdout
    assert not (tmp_path / "gitops-ci").exists()


def test_old_python_is_refused_with_the_fix(tmp_path: Path) -> None:
    old = tmp_path / "python3.8"
    old.write_text(
        "#!/bin/sh\n" 'case "$*" in *version_info*\\>=*) exit 1;; *python_version*) echo 3.8.18;; esac\n',
        encoding="utf-8",
    )
    old.chmod(0o755)
    proc = _run(tmp_path, RUNNER_OS="Linux", GITOPS_CI_BASE_PYTHON=str(old))
    assert proc.returncode == 1
    assert "::error title=gitops-ci setup::" in proc.stdout
    assert "3.8.18" in proc.stdout and "actions/setup-python" in proc.stdout


def test_missing_python_is_refused(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"  # a PATH with the basics but no python3
    bin_dir.mkdir()
    for tool in ("dirname", "uname"):
        (bin_dir / tool).symlink_to(require_tool(tool))
    proc = _run(tmp_path, RUNNER_OS="Linux", PATH=str(bin_dir))
    assert proc.returncode == 1
    assert "::error title=gitops-ci setup::python3 was not found" in proc.stdout
    assert "actions/setup-python" in proc.stdout
