"""The chain's inputs to notify: each stage's outcome and the first failure's message."""

from __future__ import annotations

import io
import json
from pathlib import Path

from gitops_ci import main as cli

OUTCOMES = "quality-gate=failure\nbuild-and-push=skipped\nbump-manifest=skipped"


def dry_run(tmp_path: Path, *argv: str, **env: str) -> tuple[int, str, str]:
    defaults = tmp_path / "defaults.yml"
    defaults.write_text("", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    args = ["notify", "--channel", "webhook", "--dry-run", *argv]
    code = cli.main(
        args, {"GITOPS_CI_DEFAULTS": str(defaults), "GITHUB_REPOSITORY": "acme/myapp", **env}, out, err
    )
    return code, out.getvalue(), err.getvalue()


def fields(payload: dict[str, object]) -> dict[str, str]:
    return {f["name"]: f["value"] for f in payload["fields"]}  # type: ignore[attr-defined]


def test_a_failed_stage_makes_the_message_a_failure_naming_the_stage_and_its_error(tmp_path: Path) -> None:
    code, out, err = dry_run(
        tmp_path,
        INPUT_STATUS="success",
        INPUT_STAGE_OUTCOMES=OUTCOMES,
        INPUT_FAILURE_MESSAGE="app.py:3: flake8 F401: 'os' imported but unused\n",
    )
    assert (code, err) == (0, "")
    payload = json.loads(out)
    assert payload["status"] == "failure" and payload["title"].endswith("failed")
    got = fields(payload)
    assert got["Failed stage"] == "quality-gate"
    assert got["Error"] == "app.py:3: flake8 F401: 'os' imported but unused"
    assert got["Stages"] == "❌ quality-gate · ⏭️ build-and-push · ⏭️ bump-manifest"


def test_all_stages_green_keep_the_given_status_and_name_no_failure(tmp_path: Path) -> None:
    outcomes = "quality-gate=success\nbuild-and-push=success\nbump-manifest=success"
    code, out, _ = dry_run(tmp_path, INPUT_STAGE_OUTCOMES=outcomes)
    payload = json.loads(out)
    assert code == 0 and payload["status"] == "success"
    assert "Failed stage" not in fields(payload) and "Error" not in fields(payload)
    assert fields(payload)["Stages"] == "✅ quality-gate · ✅ build-and-push · ✅ bump-manifest"


def test_an_unknown_outcome_is_a_user_error_listing_the_valid_ones(tmp_path: Path) -> None:
    code, out, _ = dry_run(tmp_path, INPUT_STAGE_OUTCOMES="quality-gate=passed", GITHUB_ACTIONS="true")
    assert code == 1
    assert "quality-gate='passed' is not an outcome" in out and "success, failure, cancelled, skipped" in out


def test_a_failing_command_sets_its_first_error_as_the_error_output(tmp_path: Path) -> None:
    outputs = tmp_path / "outputs"
    code, out, _ = dry_run(
        tmp_path, INPUT_STAGE_OUTCOMES="gate=nope", GITHUB_ACTIONS="true", GITHUB_OUTPUT=str(outputs)
    )
    assert code == 1
    text = outputs.read_text(encoding="utf-8")
    assert text.startswith("error<<ghadelimiter_") and "gate='nope' is not an outcome" in text


def test_the_first_error_annotation_is_kept_on_one_line_with_its_place() -> None:
    from gitops_ci.annotation import Annotation
    from gitops_ci.doors.runner import Console

    console = Console({}, io.StringIO(), io.StringIO())
    console.annotate(Annotation("warning", "not this"))
    console.annotate(
        Annotation("error", "'os' imported but unused", file="app.py", line=3, title="flake8 F401")
    )
    console.error("a later error")
    assert console.first_error == "app.py:3: flake8 F401: 'os' imported but unused"


def test_the_verify_outcome_is_the_deployment_field(tmp_path: Path) -> None:
    outcomes = "bump-manifest=success\nverify=success"
    code, out, _ = dry_run(tmp_path, INPUT_STAGE_OUTCOMES=outcomes, INPUT_DEPLOYMENT="healthy in 42 s")
    got = fields(json.loads(out))
    assert code == 0 and got["Deployment"] == "healthy in 42 s"
    assert got["Stages"] == "✅ bump-manifest · ✅ verify"


def test_a_failed_verify_names_the_degraded_resources(tmp_path: Path) -> None:
    why = (
        "shop: Degraded for 61 s (past the degraded-grace): Deployment shop/web: Degraded (progress deadline)"
    )
    code, out, _ = dry_run(
        tmp_path,
        INPUT_STAGE_OUTCOMES="bump-manifest=success\nverify=failure",
        INPUT_FAILURE_MESSAGE=f"verify-deployment: {why}",
        INPUT_DEPLOYMENT=why,
    )
    payload = json.loads(out)
    got = fields(payload)
    assert payload["status"] == "failure" and got["Failed stage"] == "verify"
    assert got["Deployment"] == why and "Deployment shop/web: Degraded" in got["Error"]
