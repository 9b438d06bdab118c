"""`gitops-ci plan` as a runner step runs it: the event file in, `$GITHUB_OUTPUT` (read back the
way the runner reads it), the step summary, annotations and `--json` out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from testing.outputs import read_github_output
from testing.plan_repo import ZEROS, Repo, pull_request_event, push_event

SCRIPTS = Path(__file__).resolve().parents[3] / "scripts"
OUTPUTS = {"matrix", "services", "count", "all", "reason", "changed-files"}


@dataclass
class Step:
    returncode: int
    stdout: str
    stderr: str
    output_file: str  # $GITHUB_OUTPUT as written
    summary: str

    @property
    def outputs(self) -> dict[str, str]:
        return read_github_output(self.output_file)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "mono")


def step(repo: Repo, *args: str, event: str = "push", event_file: Path | None = None, **env: str) -> Step:
    tmp = repo.path.parent
    (tmp / "defaults.yml").write_text("", encoding="utf-8")
    output, summary = tmp / "output", tmp / "summary"
    for path in (output, summary):
        path.write_text("", encoding="utf-8")
    environ = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp),
        "PYTHONPATH": str(SCRIPTS),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GITOPS_CI_DEFAULTS": str(tmp / "defaults.yml"),
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_EVENT_NAME": event,
        "GITHUB_SHA": repo.head(),
        "GITHUB_WORKSPACE": str(repo.path),
        **({"GITHUB_EVENT_PATH": str(event_file)} if event_file else {}),
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-m", "gitops_ci", "plan", *args],
        cwd=repo.path,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )
    return Step(done.returncode, done.stdout, done.stderr, output.read_text(), summary.read_text())


def test_a_push_writes_the_matrix_and_every_output(repo: Repo) -> None:
    before = repo.head()
    after = repo.commit({"services/api/main.py": "print(2)\n", "services/web/index.js": "1\n"})
    ran = step(repo, event_file=push_event(repo.path.parent / "event.json", before, after))
    assert ran.returncode == 0, ran.stderr
    outputs = ran.outputs
    assert set(outputs) == OUTPUTS
    matrix = json.loads(outputs["matrix"])
    assert [e["name"] for e in matrix["include"]] == ["api", "web"]
    assert matrix["include"][1] == {
        "name": "web",
        "context": "services/web",
        "dockerfile": "services/web/Dockerfile",
        "file": "Dockerfile",
        "image": "ghcr.io/acme/storefront",
        "gate-tools": "black,pytest",
        "gate-working-directory": "services/web",
        "gate-install": "",
        "gate-python": "",
        "gate-coverage-min": "",
    }
    assert (outputs["services"], outputs["count"], outputs["all"]) == ("api,web", "2", "false")
    assert outputs["changed-files"] == "services/api/main.py\nservices/web/index.js"
    assert outputs["reason"] == f"2 of 3 services changed in {before[:12]}..{after[:12]} (the push): api, web"
    # Each value as the runner door writes it: NAME<<DELIMITER, the value, the delimiter.
    assert "\nmatrix=" not in "\n" + ran.output_file
    for name in OUTPUTS:
        assert f"\n{name}<<ghadelimiter_" in "\n" + ran.output_file
    assert outputs["matrix"] == json.dumps(matrix, separators=(",", ":"))  # one line for fromJSON


def test_the_summary_and_the_log_say_which_and_why(repo: Repo) -> None:
    before = repo.head()
    after = repo.commit({"libs/common/util.py": "VALUE = 3\n"})
    ran = step(repo, event_file=push_event(repo.path.parent / "event.json", before, after))
    assert ran.returncode == 0, ran.stderr
    assert ran.summary.startswith("### gitops-ci plan: 1 of 3 services\n")
    assert "| service | image | selected | why |" in ran.summary
    assert "| `api` | `ghcr.io/acme/api` | yes | `libs/common/util.py` |" in ran.summary
    assert "| `web` | `ghcr.io/acme/storefront` | no |  |" in ran.summary
    assert "<details><summary>1 changed files</summary>" in ran.summary
    assert f"plan: 1 of 3 services changed in {before[:12]}..{after[:12]} (the push): api" in ran.stdout
    assert "api     build  libs/common/util.py" in ran.stdout and "web     skip" in ran.stdout


def test_nothing_changed_is_an_empty_matrix_and_no_error(repo: Repo) -> None:
    before = repo.head()
    after = repo.commit({"README.md": "# docs only\n"})
    ran = step(repo, event_file=push_event(repo.path.parent / "event.json", before, after))
    assert ran.returncode == 0, ran.stderr
    outputs = ran.outputs
    assert (outputs["matrix"], outputs["count"], outputs["services"], outputs["all"]) == (
        '{"include":[]}',
        "0",
        "",
        "false",
    )
    assert outputs["changed-files"] == "README.md"
    assert "### gitops-ci plan: 0 of 3 services" in ran.summary


def test_a_first_push_chooses_every_service_and_says_why_everywhere(repo: Repo) -> None:
    ran = step(repo, event_file=push_event(repo.path.parent / "event.json", ZEROS, repo.head()))
    assert ran.returncode == 0, ran.stderr
    outputs = ran.outputs
    assert (outputs["services"], outputs["count"], outputs["all"]) == ("api,web,worker", "3", "true")
    reason = outputs["reason"]
    assert "first push" in reason and "\n" not in reason
    assert f"plan: {reason}" in ran.stdout and reason in ran.summary
    assert "::warning" not in ran.stdout  # a new branch is no misconfiguration


def test_a_shallow_clone_chooses_every_service_with_a_warning(repo: Repo) -> None:
    before = repo.head()
    after = repo.commit({"services/api/main.py": "print(9)\n"})
    shallow = Repo.__new__(Repo)
    shallow.path = repo.clone(repo.path.parent / "shallow", "--depth", "1")
    ran = step(shallow, event_file=push_event(repo.path.parent / "event.json", before, after))
    assert ran.returncode == 0, ran.stderr
    assert ran.outputs["all"] == "true" and "fetch-depth: 0" in ran.outputs["reason"]
    assert "::warning::plan: event.before" in ran.stdout


def test_a_pull_request_event_is_read_from_the_event_file(repo: Repo) -> None:
    repo.git("checkout", "--quiet", "-b", "feature")
    head = repo.commit({"services/worker/app.py": "print('pr')\n"})
    repo.git("checkout", "--quiet", "main")
    base = repo.commit({"services/api/main.py": "print('main')\n"})
    event = pull_request_event(repo.path.parent / "event.json", base, head)
    ran = step(repo, event="pull_request", event_file=event)
    assert ran.returncode == 0, ran.stderr
    assert ran.outputs["services"] == "worker"


def test_another_event_and_all_choose_every_service(repo: Repo) -> None:
    ran = step(repo, event="workflow_dispatch")
    assert (ran.returncode, ran.outputs["count"], ran.outputs["all"]) == (0, "3", "true")
    assert ran.outputs["reason"] == "a workflow_dispatch run compares no commits: every service"
    forced = step(repo, event="push", INPUT_ALL="true")  # no event file needed
    assert (forced.returncode, forced.outputs["all"]) == (0, "true"), forced.stderr


def test_json_prints_one_document(repo: Repo) -> None:
    first = repo.head()
    repo.commit({"services/web/index.js": "2\n"})
    ran = step(repo, "--base", first, "--json", GITHUB_ACTIONS="")
    assert ran.returncode == 0, ran.stderr
    document = json.loads(ran.stdout)
    assert document["services"] == ["web"] and document["count"] == 1 and document["all"] is False
    assert document["matrix"]["include"][0]["image"] == "ghcr.io/acme/storefront"
    assert document["changed-files"] == ["services/web/index.js"]
    assert document["base"] == first and len(document["head"]) == 40
    assert [c["selected"] for c in document["choices"]] == [False, True, False]
    assert "plan: 1 of 3 services changed" in ran.stderr  # the log stays off stdout


def test_an_invalid_services_file_fails_with_an_annotation_on_each_line(repo: Repo) -> None:
    (repo.path / "gitops-ci.services.yml").write_text(
        "services:\n  - name: API\n    context: services/api\n  - name: web\n    context: /web\n"
    )
    ran = step(repo, event="workflow_dispatch")
    assert ran.returncode == 1
    assert (
        "::error file=gitops-ci.services.yml,line=2,title=services file::services[0]: the name `API`"
        in ran.stdout
    )
    assert (
        "::error file=gitops-ci.services.yml,line=5,title=services file::service `web`: `context`"
        in ran.stdout
    )
    assert "is not valid (3 problems)" in ran.stdout  # and no image for either: no defaults.registry
    error = ran.outputs["error"]
    assert error.startswith("gitops-ci.services.yml:2: services file: services[0]: the name `API`")
    assert set(ran.outputs) == {"error"}  # nothing half-written


def test_a_missing_services_file_names_the_input(repo: Repo) -> None:
    ran = step(repo, "--services-file", "ci/none.yml", event="workflow_dispatch")
    assert ran.returncode == 1 and "the services file ci/none.yml does not exist" in ran.stdout


def test_a_base_that_reads_as_an_option_is_refused(repo: Repo) -> None:
    ran = step(repo, event="workflow_dispatch", INPUT_BASE="--output=/tmp/x")
    assert ran.returncode == 1 and "input 'base': '--output=/tmp/x' is not a commit" in ran.stdout


def test_an_unreadable_event_file_on_a_push_is_an_error(repo: Repo) -> None:
    broken = repo.path.parent / "event.json"
    broken.write_text("{not json")
    ran = step(repo, event_file=broken)
    assert ran.returncode == 1 and "cannot read the event payload" in ran.stdout
    dispatch = step(repo, event="workflow_dispatch", event_file=broken)  # no payload needed
    assert dispatch.returncode == 0, dispatch.stderr
