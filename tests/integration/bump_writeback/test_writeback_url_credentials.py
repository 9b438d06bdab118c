"""Credentials pasted into the infra-repo URL (issue 18, point 1): taken out of the URL at once,
masked, and sent as the Authorization header; never in a log line, an output, the clone's
.git/config or git's argv (its own and its children's, from GIT_TRACE)."""

from __future__ import annotations

import os
import shutil
import stat
import urllib.parse
from pathlib import Path

import pytest

from testing.bump_cli import INFRA, SHOP, Cli, Run
from testing.forge import Forge
from testing.git_http import GitServer

URL_TOKEN = "ghp_UrlPasted0123456789abcdefTOKEN"
PASSWORD = "S3cret/Passw0rd!@x"  # needs percent-encoding in a URL


def _wrap_git(tmp: Path) -> tuple[Path, Path]:
    """A `git` first on PATH that records its argv and, after each call, the clone's .git/config."""
    real = shutil.which("git")
    assert real
    bin_dir, log = tmp / "wrap-bin", tmp / "git-wrapper.log"
    bin_dir.mkdir(parents=True)
    wrapper = bin_dir / "git"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'printf "argv: %s\\n" "$*" >> "{log}"\n'
        f'"{real}" "$@"; rc=$?\n'
        'for f in "$TMPDIR"/gitops-ci-*/infra/.git/config; do\n'
        f'  [ -f "$f" ] && cat "$f" >> "{log}"\n'
        "done\n"
        "exit $rc\n"
    )
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    return bin_dir, log


def _with_userinfo(url: str, userinfo: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{userinfo}@{rest}"


def _bump(cli: Cli, tmp: Path, infra_url: str, tag: str, *extra: str) -> tuple[Run, str]:
    bin_dir, log = _wrap_git(tmp / f"run-{tag}")
    trace = tmp / f"trace-{tag}.log"
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_TOKEN": "",  # only the URL's credentials can open the repo
        "GIT_TRACE": str(trace),
        "GITOPS_CI_DEBUG": "1",
    }
    args = ("bump-manifest", "--mode", "commit", "--infra-repo", infra_url, "--image", SHOP, "--tag", tag)
    run = cli(*args, *extra, env=env)
    return run, log.read_text() + "\n" + trace.read_text()


def _outputs_file(cli: Cli) -> str:
    path = cli.tmp / f"output-{cli.count}"
    return path.read_text() if path.exists() else ""


def _assert_nowhere(secret: str, run: Run, outputs_file: str, git_seen: str) -> None:
    assert "clone" in git_seen and "remote-http" in git_seen, "the wrapper/trace saw no clone"
    logs = "\n".join(line for line in run.text.splitlines() if not line.startswith("::add-mask::"))
    for where, text in (
        ("stdout/stderr", logs),
        ("$GITHUB_OUTPUT", outputs_file),
        ("summary", run.summary),
        ("git argv / .git/config", git_seen),
    ):
        for form in (secret, urllib.parse.quote(secret, safe="")):
            assert form not in text, f"secret found in {where}"


@pytest.mark.parametrize(
    ("userinfo", "secret", "account"),
    [
        (f"x-access-token:{URL_TOKEN}", URL_TOKEN, ""),
        (URL_TOKEN, URL_TOKEN, ""),  # a bare token as the user
        (f"alice:{urllib.parse.quote(PASSWORD, safe='')}", PASSWORD, f"alice:{PASSWORD}"),
    ],
    ids=["x-access-token", "bare-token", "user-password"],
)
def test_commit_mode_with_credentials_in_the_url(
    infra: Forge, cli: Cli, git_server: GitServer, tmp_path: Path, userinfo: str, secret: str, account: str
) -> None:
    git_server.tokens = {URL_TOKEN}
    git_server.accounts = {account} if account else set()
    url = _with_userinfo(git_server.repo_url(INFRA), userinfo)

    run, git_seen = _bump(cli, tmp_path, url, "1.7.0")

    assert run.returncode == 0, run.text
    assert '[remote "origin"]' in git_seen, "the wrapper saw no clone's .git/config"
    assert f"{SHOP}:1.7.0" in infra.read(INFRA, "main", "envs/prod/shop-api.yaml")
    assert f"::add-mask::{secret}" in run.stdout
    _assert_nowhere(secret, run, _outputs_file(cli), git_seen)
    # The credentials reached the server in the header only, never in the request path.
    assert git_server.pushes() and all(r.authorization.startswith("Basic ") for r in git_server.requests)
    assert not [r for r in git_server.requests if secret in r.path + r.query]


def test_a_failure_with_credentials_in_the_url_shows_them_nowhere(
    infra: Forge, cli: Cli, git_server: GitServer, tmp_path: Path
) -> None:
    git_server.tokens = {URL_TOKEN}
    url = _with_userinfo(git_server.repo_url(INFRA), f"x-access-token:{URL_TOKEN}")

    run, git_seen = _bump(cli, tmp_path, url, "1.8.0", "--base-branch", "no-such-branch")

    assert run.returncode == 1, run.text
    outputs = _outputs_file(cli)
    assert "does not exist in the infra repo" in run.outputs["error"]
    assert git_server.url + "/acme/infra.git" in run.outputs["error"]  # the URL, without userinfo
    assert git_server.requests and all(r.status == 200 for r in git_server.requests)  # it did log in
    _assert_nowhere(URL_TOKEN, run, outputs, git_seen)
