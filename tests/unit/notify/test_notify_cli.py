"""`gitops-ci notify` through main.main: dry run, the run context from GITHUB_*, no silent failure."""

from __future__ import annotations

import io
import json
from pathlib import Path

from gitops_ci import main as cli


def run_main(argv: list[str], tmp_path: Path, **env: str) -> tuple[int, str, str]:
    defaults = tmp_path / "defaults.yml"
    defaults.write_text("", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["notify", *argv], {"GITOPS_CI_DEFAULTS": str(defaults), **env}, out, err)
    return code, out.getvalue(), err.getvalue()


def test_dry_run_prints_the_exact_payload_from_the_run_context(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"head_commit": {"message": 'Add <b>cart</b> & "more"'}}), encoding="utf-8")
    env = {
        "GITHUB_REPOSITORY": "acme/shop-api",
        "GITHUB_WORKFLOW": "deploy",
        "GITHUB_SHA": "3f2a9c1e0b7d4a6f8e5c2b1a09d8c7b6a5f4e3d2",
        "GITHUB_EVENT_PATH": str(event),
        "INPUT_IMAGE_REF": "ghcr.io/acme/shop-api:1.2.3",
    }
    code, out, err = run_main(["--channel", "slack", "--status", "failure", "--dry-run"], tmp_path, **env)
    assert (code, err) == (0, "")
    payload = json.loads(out)
    assert payload["text"] == "❌ acme/shop-api: deploy failed"
    assert payload["blocks"][1]["text"]["text"] == 'Add &lt;b&gt;cart&lt;/b&gt; &amp; "more"'
    fields = [f["text"] for f in payload["blocks"][2]["fields"]]
    assert "*Image*\nghcr.io/acme/shop-api:1.2.3" in fields
    assert (
        "*Commit*\n<https://github.com/acme/shop-api/commit/3f2a9c1e0b7d4a6f8e5c2b1a09d8c7b6a5f4e3d2|3f2a9c1>"
        in fields
    )


def test_the_fork_defaults_file_changes_the_template(tmp_path: Path) -> None:
    defaults = tmp_path / "fork.yml"
    defaults.write_text("notify:\n  title: 'Deploy of {repository} {status_word}'\n", encoding="utf-8")
    code, out, _ = run_main(
        ["--channel", "webhook", "--dry-run", "--json"],
        tmp_path,
        GITOPS_CI_DEFAULTS=str(defaults),
        GITHUB_REPOSITORY="a/b",
    )
    assert code == 0 and json.loads(out)["payload"]["title"] == "Deploy of a/b succeeded"


def test_no_webhook_url_is_a_visible_warning_not_a_silent_pass(tmp_path: Path) -> None:
    code, out, err = run_main(["--channel", "teams", "--status", "failure", "--json"], tmp_path)
    document = json.loads(out)
    assert code == 0 and (document["delivered"], document["ok"]) == (False, True)
    assert "warning: notify: the teams message was not delivered: no Teams Workflows webhook URL given" in err


def test_no_webhook_url_with_fail_on_error_fails(tmp_path: Path) -> None:
    code, out, _ = run_main(["--fail-on-error"], tmp_path, GITHUB_ACTIONS="true")
    assert code == 1
    assert (
        "::error::notify: the auto message was not delivered: no webhook URL or Slack bot token given" in out
    )


def test_bad_input_is_a_user_error(tmp_path: Path) -> None:
    code, _, err = run_main(["--channel", "slack", "--mention", "jane", "--dry-run"], tmp_path)
    assert code == 1 and "not a Slack user or user-group ID" in err
    code, _, err = run_main(["--status", "skipped"], tmp_path)
    assert code == 1 and "'skipped' is not one of success, failure, cancelled" in err
    code, _, err = run_main(["--timeout", "forever"], tmp_path)
    assert code == 1 and "not a number of seconds" in err
