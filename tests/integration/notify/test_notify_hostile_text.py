"""notify against the loopback sink (issue 18): a failing server that echoes the secret parts of
the webhook URL (point 3); a commit message that is not UTF-8 and a URL with a wrong scheme
(point 8)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
from pathlib import Path

import pytest
from testing.forge import BOT_ENV
from testing.webhook_sink import Answer, WebhookSink
from testing.tools import require_tool

from integration.notify.test_notify_delivery import FAST, _unmasked, run_cli

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


def _with_userinfo(url: str, userinfo: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{userinfo}@{rest}"


# (path and query, userinfo, the parts a server may echo one by one)
HOSTILE = {
    "generic": (
        "/hooks/a1b2c3d4e5f6g7h8/deploy?token=QueryS3cretValue&wait=true",
        "hookuser:HookPassw0rd",
        ["QueryS3cretValue", "HookPassw0rd", "hookuser:HookPassw0rd", "a1b2c3d4e5f6g7h8"],
    ),
    "slack-path": (
        "/services/T0ACME01/B0HOOK02/sl4ckH00kT0kenXYZ",
        "",
        ["T0ACME01", "B0HOOK02", "sl4ckH00kT0kenXYZ"],
    ),
    "discord-path": (
        "/api/webhooks/123456789012345678/D1sc0rd_T0ken-abc",
        "",
        ["123456789012345678", "D1sc0rd_T0ken-abc"],
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_failing_server_echoing_each_secret_part_of_the_url_shows_none(case: str, tmp_path: Path) -> None:
    tail, userinfo, parts = HOSTILE[case]
    basic = base64.b64encode(userinfo.encode()).decode() if userinfo else "none"
    echo = "bad request for " + " | ".join(parts) + f" | Authorization: Basic {basic}"
    with WebhookSink([Answer(500, echo)]) as sink:
        url = sink.url + tail
        code, out, err, outputs, summary = run_cli(
            ["--channel", "webhook", "--timeout", "1", "--retry-backoff", "0.1"],
            tmp_path,
            INPUT_WEBHOOK_URL=_with_userinfo(url, userinfo) if userinfo else url,
        )
        received = sink.received
    assert code == 0 and outputs["delivered"] == "false" and received, err
    if userinfo:  # the server really got the Basic header it echoes
        assert received[0].headers["authorization"] == f"Basic {basic}"
    warning = next(line for line in out.splitlines() if line.startswith("::warning::"))
    assert "HTTP 500: bad request for ***" in warning
    shown = {"log": _unmasked(out) + err, "summary": summary, "outputs": json.dumps(outputs)}
    for where, text in shown.items():
        for secret in [*parts, basic] if userinfo else parts:
            assert secret not in text, f"{secret!r} in the {where}"


def _git(repo: Path, *args: str, stdin: bytes | None = None) -> bytes:
    env = {**os.environ, **BOT_ENV, "GIT_CONFIG_NOSYSTEM": "1"}
    done = subprocess.run(["git", *args], cwd=repo, input=stdin, check=True, capture_output=True, env=env)
    return done.stdout


def _commit_message_bytes(tmp: Path) -> bytes:
    """The message of a real commit whose bytes are Latin-1, not UTF-8, as `git log` gives it.

    `git commit` itself re-encodes such a message; other tools (libgit2, old git) write it as
    is, which is what `hash-object` does here."""
    require_tool("git")
    repo = tmp / "app"
    repo.mkdir()
    _git(repo, "init", "-q")
    tree = _git(repo, "mktree", stdin=b"").strip()
    who = b"Dev <dev@example.test> 1700000000 +0000"
    commit = (
        b"tree "
        + tree
        + b"\nauthor "
        + who
        + b"\ncommitter "
        + who
        + b"\n\nfix: caf\xe9 cr\xe8me br\xfbl\xe9e\n"
    )
    sha = _git(repo, "hash-object", "-t", "commit", "-w", "--stdin", stdin=commit).strip().decode()
    _git(repo, "update-ref", "HEAD", sha)
    raw = _git(repo, "log", "-1", "--format=%B")
    assert b"caf\xe9" in raw, "the commit's message is not the Latin-1 bytes"
    return raw.strip()


@pytest.mark.parametrize("channel", ["slack", "teams", "discord", "webhook"])
@pytest.mark.parametrize("via", ["input", "event"])
def test_a_commit_message_that_is_not_utf8_is_delivered(channel: str, via: str, tmp_path: Path) -> None:
    raw = _commit_message_bytes(tmp_path)
    if via == "input":  # INPUT_COMMIT_MESSAGE: os.environ decodes the bytes with surrogateescape
        env = {"INPUT_COMMIT_MESSAGE": os.fsdecode(raw)}
    else:  # the event file: head_commit.message holding the raw bytes
        event = tmp_path / "event.json"
        event.write_bytes(b'{"head_commit": {"message": "' + raw + b'"}}')
        env = {"GITHUB_EVENT_PATH": str(event)}
    with WebhookSink([Answer(200)]) as sink:
        code, out, err, outputs, summary = run_cli(
            ["--channel", channel, "--text", "{commit_message}", *FAST],
            tmp_path,
            INPUT_WEBHOOK_URL=sink.url + "/hook/1",
            **env,
        )
        received = sink.received
    assert code == 0, out + err
    assert outputs["delivered"] == "true" and len(received) == 1
    body = json.dumps(received[0].json(), ensure_ascii=False)
    assert "fix: caf\ufffd cr\ufffdme br\ufffdl\ufffde" in body
    assert "fix: caf\ufffd" in json.dumps(json.loads(outputs["payload"]), ensure_ascii=False)


@pytest.mark.parametrize("bad", ["htps://{hostport}/hook", "ftp://{hostport}/hook", "{hostport}/hook"])
def test_a_url_with_a_wrong_scheme_is_refused_before_any_request(bad: str, tmp_path: Path) -> None:
    with WebhookSink([Answer(200)]) as sink:
        url = bad.format(hostport=sink.url.removeprefix("http://"))
        code, out, err, outputs, _ = run_cli(["--channel", "slack", *FAST], tmp_path, INPUT_WEBHOOK_URL=url)
        received = sink.received
    assert code == 1 and not received
    error = next(line for line in out.splitlines() if line.startswith("::error::"))
    assert "input 'webhook-url' is not an http(s) URL" in error and "/hook" not in error
    assert "attempts" not in outputs
