"""The environment gitops-ci runs git with: the token only as a header for the infra repo's
host, and no background gc/maintenance in the throwaway clone."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from gitops_ci.doors.git import auth_env, explain
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


@pytest.mark.parametrize("port", ["34017", "40371", "14041", "403"])
def test_a_port_that_holds_a_status_code_is_not_read_as_one(port: str) -> None:
    url = f"http://127.0.0.1:{port}/acme/nowhere.git"
    detail = f"remote: Repository not found.\nfatal: repository '{url}/' not found"
    assert explain(detail, url).what == f"the infra repo {url} was not found"


@pytest.mark.parametrize(
    "detail, what",
    [
        ("fatal: unable to access 'URL': The requested URL returned error: 403", "may not read"),
        ("fatal: unable to access 'URL': The requested URL returned error: 401", "was not accepted"),
        ("fatal: unable to access 'URL': The requested URL returned error: 404", "was not found"),
    ],
)
def test_status_codes_in_gits_words_still_count(detail: str, what: str) -> None:
    url = "http://127.0.0.1:34017/acme/infra.git"
    assert what in explain(detail.replace("URL", url + "/"), url).what
