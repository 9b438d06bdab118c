"""The environment gitops-ci runs git with: the token only as a header for the infra repo's
host, and no background gc/maintenance in the throwaway clone."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from gitops_ci.doors.git import auth_env
from testing.tools import require_tool


def _config(env: dict[str, str], cwd: Path, key: str) -> str:
    git = require_tool("git")
    full = {"PATH": os.environ["PATH"], "HOME": str(cwd), **env}
    proc = subprocess.run([git, "config", "--get", key], cwd=cwd, env=full, capture_output=True, text=True)
    return proc.stdout.strip()


def test_git_sees_no_auto_gc_or_maintenance(tmp_path: Path) -> None:
    env = auth_env("http://127.0.0.1:1234/acme/infra.git", "tok3n-value", {})
    assert _config(env, tmp_path, "gc.auto") == "0"
    assert _config(env, tmp_path, "maintenance.auto") == "false"


def test_the_token_is_a_header_for_that_host_only(tmp_path: Path) -> None:
    env = auth_env("http://127.0.0.1:1234/acme/infra.git", "tok3n-value", {"GIT_CONFIG_COUNT": "1"})
    header = _config(
        {**env, "GIT_CONFIG_KEY_0": "x.y", "GIT_CONFIG_VALUE_0": "z"},
        tmp_path,
        "http.http://127.0.0.1:1234/.extraheader",
    )
    assert header.startswith("Authorization: Basic ")
    assert "tok3n-value" not in header  # base64 of x-access-token:TOKEN, never the raw value
    assert _config({**env, "GIT_CONFIG_KEY_0": "x.y", "GIT_CONFIG_VALUE_0": "z"}, tmp_path, "x.y") == "z"
