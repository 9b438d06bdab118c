"""notify against a real HTTP server on loopback: retries, bounds, errors, HMAC, secrecy.

Waits are kept tiny with --timeout / --retry-backoff; assertions are about attempts and outcomes,
never about elapsed time.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from testing import notify_cases
from testing.outputs import read_output_file
from testing.webhook_sink import Answer, WebhookSink

from gitops_ci import main as cli
from gitops_ci.doors.http import RetryPolicy
from gitops_ci.engines.notify import core as deliver
from gitops_ci.engines.notify.model import Target

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

SECRET_PATH = "/services/T0001/B0002/s3cr3tW3bh00kT0k3n"
FAST = ["--timeout", "3", "--retry-backoff", "0.05"]


def run_cli(argv: list[str], tmp_path: Path, **env: str) -> tuple[int, str, str, dict[str, str], str]:
    """main.main on a runner: returns exit code, stdout, stderr, $GITHUB_OUTPUT values, summary."""
    output, summary = tmp_path / "output", tmp_path / "summary"
    defaults = tmp_path / "defaults.yml"
    defaults.write_text("", encoding="utf-8")
    environ = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITOPS_CI_DEFAULTS": str(defaults),
        "GITHUB_REPOSITORY": "acme/shop-api",
        "GITHUB_RUN_ID": "77",
        **env,
    }
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["notify", *argv], environ, out, err)
    outputs = read_output_file(output)
    text = summary.read_text(encoding="utf-8") if summary.exists() else ""
    return code, out.getvalue(), err.getvalue(), outputs, text


def test_429_with_retry_after_then_200_is_delivered_in_two_attempts(tmp_path: Path) -> None:
    answers = [Answer(429, "rate limited", (("Retry-After", "1"),)), Answer(200, "ok")]
    with WebhookSink(answers) as sink:
        code, out, err, outputs, summary = run_cli(
            ["--channel", "slack", "--status", "failure", *FAST],
            tmp_path,
            INPUT_WEBHOOK_URL=sink.url + SECRET_PATH,
        )
    assert code == 0, err
    assert (outputs["delivered"], outputs["attempts"], outputs["status-code"]) == ("true", "2", "200")
    assert len(sink.received) == 2 and sink.received[0].body == sink.received[1].body
    assert sink.received[1].json()["blocks"][0]["text"]["text"].startswith("❌ acme/shop-api")
    assert "::warning" not in out and "Delivered to slack" in summary


def test_discord_body_retry_after_is_honoured(tmp_path: Path) -> None:
    limited = Answer.json(
        429, {"message": "You are being rate limited.", "retry_after": 0.2, "global": False}
    )
    with WebhookSink([limited, Answer(204, "")]) as sink:
        result = deliver.run(
            notify_cases.inputs(
                "discord", "success", dry_run=False, target=Target(webhook_url=sink.url + "/api/webhooks/1/t")
            ),
            notify_cases.services(),
        )
    assert (result.delivered, result.attempts, result.status_code) == (True, 2, 204)


def test_repeated_500s_give_up_within_the_bound_with_a_warning(tmp_path: Path) -> None:
    with WebhookSink([Answer(500, "upstream exploded")]) as sink:
        code, out, err, outputs, _ = run_cli(
            ["--channel", "teams", "--timeout", "1", "--retry-backoff", "0.1"],
            tmp_path,
            INPUT_WEBHOOK_URL=sink.url + SECRET_PATH,
        )
    assert code == 0
    assert outputs["delivered"] == "false" and outputs["status-code"] == "500"
    attempts = int(outputs["attempts"])
    assert 2 <= attempts == len(sink.received) <= RetryPolicy.attempts
    warning = next(line for line in out.splitlines() if line.startswith("::warning::"))
    assert "teams message was not delivered" in warning and "HTTP 500: upstream exploded" in warning
    assert "would pass the 1 s time bound" in warning or "gave up after" in warning


def test_a_retry_after_beyond_the_bound_gives_up_at_once(tmp_path: Path) -> None:
    with WebhookSink([Answer(429, "slow down", (("Retry-After", "120"),))]) as sink:
        code, out, _, outputs, _ = run_cli(
            ["--channel", "discord", *FAST], tmp_path, INPUT_WEBHOOK_URL=sink.url + "/x"
        )
    assert code == 0 and (outputs["delivered"], outputs["attempts"]) == ("false", "1")
    assert "HTTP 429: slow down; gave up: waiting 120 s more would pass the 3 s time bound" in out


def test_repeated_500s_with_fail_on_error_fail_the_step(tmp_path: Path) -> None:
    with WebhookSink([Answer(503, "")]) as sink:
        code, out, _, outputs, _ = run_cli(
            ["--channel", "webhook", "--fail-on-error", "--json", *FAST],
            tmp_path,
            INPUT_WEBHOOK_URL=sink.url + "/h",
        )
    assert code == 1 and outputs["delivered"] == "false"
    assert any(
        line.startswith("::error::notify: the webhook message was not delivered") for line in out.splitlines()
    )
    document = json.loads(out[out.index("{") :])
    assert document["ok"] is False and document["attempts"] == len(sink.received) > 1


def test_a_server_that_never_answers_is_bounded_by_the_timeout(tmp_path: Path) -> None:
    with WebhookSink([Answer(hang=True)]) as sink:
        result = deliver.run(
            notify_cases.inputs(
                "webhook",
                "failure",
                dry_run=False,
                target=Target(webhook_url=sink.url + "/slow"),
            ),
            notify_cases.services(RetryPolicy(total=1.0, backoff=0.05, attempt_timeout=0.5)),
        )
    assert result.delivered is False and result.status_code is None
    assert result.attempts >= 1 and "no answer within" in result.reason


def test_a_dropped_connection_is_retried(tmp_path: Path) -> None:
    with WebhookSink([Answer(drop=True), Answer(200)]) as sink:
        code, _, err, outputs, _ = run_cli(
            ["--channel", "webhook", *FAST], tmp_path, INPUT_WEBHOOK_URL=sink.url + "/d"
        )
    assert code == 0, err
    assert (outputs["delivered"], outputs["attempts"]) == ("true", "2")


def test_400_is_not_retried_and_says_why(tmp_path: Path) -> None:
    with WebhookSink([Answer(400, "invalid_blocks")]) as sink:
        code, out, _, outputs, _ = run_cli(
            ["--channel", "slack", "--fail-on-error", *FAST],
            tmp_path,
            INPUT_WEBHOOK_URL=sink.url + SECRET_PATH,
        )
    assert code == 1 and len(sink.received) == 1
    assert (outputs["delivered"], outputs["attempts"], outputs["status-code"]) == ("false", "1", "400")
    assert (
        "::error::notify: the slack message was not delivered after 1 attempt: HTTP 400: invalid_blocks"
        in out
    )


def test_hmac_signature_is_verified_by_the_sink(tmp_path: Path) -> None:
    with WebhookSink([Answer(200)], secret="shared-s3cret") as sink:
        code, _, err, outputs, _ = run_cli(
            ["--channel", "webhook", "--status", "success", *FAST],
            tmp_path,
            INPUT_WEBHOOK_URL=sink.url + "/hook",
            INPUT_WEBHOOK_SECRET="shared-s3cret",
        )
    assert code == 0, err and outputs["delivered"] == "true"
    assert sink.received[0].signature_ok is True
    assert sink.received[0].json()["schema"] == "gitops-ci/notify/v1"


def test_a_wrong_secret_fails_verification(tmp_path: Path) -> None:
    with WebhookSink([Answer(200)], secret="shared-s3cret") as sink:
        run_cli(
            ["--channel", "webhook", *FAST],
            tmp_path,
            INPUT_WEBHOOK_URL=sink.url + "/h",
            INPUT_WEBHOOK_SECRET="guess",
        )
        run_cli(["--channel", "webhook", *FAST], tmp_path, INPUT_WEBHOOK_URL=sink.url + "/h")
    assert [r.signature_ok for r in sink.received] == [False, False]


def test_slack_bot_token_posts_to_the_overridable_api(tmp_path: Path) -> None:
    answers = [
        Answer.json(200, {"ok": True, "ts": "1.2"}),
        Answer.json(200, {"ok": False, "error": "not_in_channel"}),
    ]
    with WebhookSink(answers) as sink:
        env = {"INPUT_SLACK_TOKEN": "xoxb-111-222-s3cr3t", "INPUT_SLACK_API_URL": sink.url + "/api"}
        first = run_cli(["--slack-channel", "C0DEPLOY", "--slack-thread-ts", "1.1", *FAST], tmp_path, **env)
        second = run_cli(["--slack-channel", "C0DEPLOY", *FAST], tmp_path, **env)
    request = sink.received[0]
    assert request.path == "/api/chat.postMessage"
    assert request.headers["authorization"] == "Bearer xoxb-111-222-s3cr3t"
    assert (request.json()["channel"], request.json()["thread_ts"]) == ("C0DEPLOY", "1.1")
    assert first[3]["delivered"] == "true" and first[3]["channel"] == "slack"
    assert second[3]["delivered"] == "false" and len(sink.received) == 2  # a refusal is not retried
    assert "Slack API refused the message: not_in_channel" in second[1]
    assert "s3cr3t" not in _unmasked(first[1] + first[2] + second[1] + second[2])


def _unmasked(log: str) -> str:
    """The log without the ::add-mask:: lines, which must carry the secret to mask it."""
    return "\n".join(line for line in log.splitlines() if not line.startswith("::add-mask::"))


@pytest.mark.parametrize(
    "answers",
    [[Answer(500, SECRET_PATH)], [Answer(drop=True)], [Answer(404, "no_service")], [Answer(200)]],
    ids=["500-echoing-the-path", "dropped", "404", "200"],
)
def test_the_webhook_url_appears_in_no_log_line_or_output(answers: list[Any], tmp_path: Path) -> None:
    with WebhookSink(answers) as sink:
        url = sink.url + SECRET_PATH
        code, out, err, outputs, summary = run_cli(
            ["--channel", "slack", "--status", "failure", "--json", *FAST], tmp_path, INPUT_WEBHOOK_URL=url
        )
    everything = _unmasked(out) + err + json.dumps(outputs) + summary
    assert "s3cr3tW3bh00kT0k3n" not in everything and url not in everything
    assert f"::add-mask::{url}" in out  # masked on the runner the moment it was read


def test_an_unreachable_port_is_a_warning_not_a_traceback(tmp_path: Path) -> None:
    with WebhookSink() as sink:
        url = sink.url + SECRET_PATH
    code, out, err, outputs, _ = run_cli(["--channel", "discord", *FAST], tmp_path, INPUT_WEBHOOK_URL=url)
    assert code == 0 and outputs["delivered"] == "false" and outputs["status-code"] == ""
    assert "connection failed" in out and "Traceback" not in err
    assert "s3cr3tW3bh00kT0k3n" not in _unmasked(out) + err
