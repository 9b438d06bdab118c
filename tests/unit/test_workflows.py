"""The reusable workflows' shape (issue 15): production is promoted from staging's pin, never from
the build's output; the monorepo workflow deploys every build of a run in one bump, from the
artifacts its matrix legs hand on; every job that writes to the infra repo holds its
environment's concurrency group and no token permission; and every caller (examples, org
templates) passes only inputs and secrets the called workflow declares, all its required ones
included (actionlint checks a call only when the called workflow is local)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from gitops_ci_dev.act import DOWNLOAD_ARTIFACT, UPLOAD_ARTIFACT

ROOT = Path(__file__).resolve().parents[2]
REUSABLE = {
    "gitops-pipeline.yml": ROOT / ".github" / "workflows" / "gitops-pipeline.yml",
    "promote.yml": ROOT / ".github" / "workflows" / "promote.yml",
    "gitops-monorepo.yml": ROOT / ".github" / "workflows" / "gitops-monorepo.yml",
}
CALLERS = sorted(
    [*ROOT.glob("examples/app/.github/workflows/*.yml"), *ROOT.glob("examples/workflow-templates/*.yml")]
)
WRITERS = ("acme/gitops-ci/actions/bump-manifest@v1", "acme/gitops-ci/actions/promote@v1")


def _load(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def _on(data: dict[str, Any]) -> dict[str, Any]:
    on: dict[str, Any] = data.get("on") or data.get(True) or {}  # YAML 1.1 reads `on` as true
    return on


def test_production_is_promoted_from_the_staging_pin_never_from_the_build() -> None:
    jobs = _load(REUSABLE["gitops-pipeline.yml"])["jobs"]
    production = jobs["deploy-production"]
    (step,) = production["steps"]
    assert step["uses"] == "acme/gitops-ci/actions/promote@v1"
    given = step["with"]
    assert given["from"] == "${{ inputs.staging-environment }}"
    assert given["to"] == "${{ inputs.production-environment }}"
    assert given["mode"] == "${{ inputs.production-mode }}" and given["require-digest"] is True
    assert given["image"] == "${{ needs.build.outputs.image }}"  # the name only: the pin is read
    assert not [v for v in map(str, given.values()) if re.search(r"build\.outputs\.(digest|version)", v)]
    assert production["environment"] == "${{ inputs.production-environment }}"
    assert "deploy-staging" in production["needs"] and "verify-staging" in production["needs"]


def test_the_monorepo_deploys_every_build_of_the_run_in_one_bump() -> None:
    jobs = _load(REUSABLE["gitops-monorepo.yml"])["jobs"]
    build, deploy = jobs["build"], jobs["deploy"]
    assert build["strategy"]["matrix"] == "${{ fromJSON(needs.plan.outputs.matrix) }}"
    assert build["strategy"]["fail-fast"] is False
    assert build["if"] == "needs.plan.outputs.count != '0'"
    (upload,) = [s for s in build["steps"] if s.get("uses") == UPLOAD_ARTIFACT and "if" not in s]
    assert upload["with"]["name"] == "gitops-ci-build-${{ matrix.name }}"
    # The metadata reaches the file through env:, never through the script's text.
    (keep,) = [s for s in build["steps"] if "steps.build.outputs.metadata" in str(s.get("env"))]
    assert "${{" not in keep["run"]

    (bump,) = [s for s in deploy["steps"] if s.get("uses") == "acme/gitops-ci/actions/bump-manifest@v1"]
    given = bump["with"]
    assert given["expect-builds"] == "${{ needs.plan.outputs.services }}"
    assert given["partial"] == "${{ inputs.partial }}" and given["mode"] == "${{ inputs.mode }}"
    assert not {"image", "tag", "digest", "set"} & set(given), "the images come from the builds only"
    (download,) = [s for s in deploy["steps"] if s.get("uses") == DOWNLOAD_ARTIFACT and "if" not in s]
    assert download["with"]["pattern"] == "gitops-ci-build-*" and download["with"]["merge-multiple"] is True
    assert given["set-from"] == download["with"]["path"]
    # After a failed leg too (never after a cancel); only when the plan has services.
    assert "!cancelled()" in deploy["if"] and "needs.plan.outputs.count != '0'" in deploy["if"]


def test_artifact_actions_are_pinned_to_what_the_e2e_stand_ins_replace() -> None:
    """The offline runs map exactly these pins to the stand-ins on the real artifact client."""
    for path in (*REUSABLE.values(), *CALLERS):
        for used in re.findall(r"uses: (actions/(?:upload|download)-artifact@\S+)", path.read_text()):
            assert used in (UPLOAD_ARTIFACT, DOWNLOAD_ARTIFACT), f"{path.name}: {used}"


@pytest.mark.parametrize("name", sorted(REUSABLE))
def test_every_job_writing_to_the_infra_repo_holds_its_environments_group(name: str) -> None:
    writers = 0
    for job_id, job in _load(REUSABLE[name])["jobs"].items():
        assert job.get("permissions") is not None, f"{name}: {job_id} has no permissions"
        if not any(step.get("uses") in WRITERS for step in job.get("steps", [])):
            continue
        writers += 1
        assert job["permissions"] == {}, f"{name}: {job_id} writes with the infra token only"
        group = job["concurrency"]["group"]
        assert re.fullmatch(r"gitops-deploy-\$\{\{ [^}]+ \}\}-\$\{\{ [^}]+ \}\}", group), group
        assert job["concurrency"]["cancel-in-progress"] is False
    assert writers


def test_a_manual_promotion_means_the_same_from_the_actions_tab_and_from_a_call() -> None:
    on = _on(_load(REUSABLE["promote.yml"]))
    dispatch, call = on["workflow_dispatch"]["inputs"], on["workflow_call"]["inputs"]
    assert len(dispatch) <= 10, "GitHub shows at most 10 workflow_dispatch inputs"
    assert set(dispatch) <= set(call)
    for name, spec in dispatch.items():
        kind = "string" if spec["type"] == "choice" else spec["type"]
        assert kind == call[name]["type"], name
        assert str(spec.get("default", "")) == str(call[name].get("default", "")) or name == "infra-repo"


@pytest.mark.parametrize("path", CALLERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_callers_pass_what_the_called_workflow_declares(path: Path) -> None:
    for job in _load(path)["jobs"].values():
        uses = job.get("uses", "")
        if not uses:
            continue
        called = re.fullmatch(r"acme/gitops-ci/\.github/workflows/([\w.-]+)@v\d+", uses)
        assert called and called.group(1) in REUSABLE, uses
        declared = _on(_load(REUSABLE[called.group(1)]))["workflow_call"]
        for section in ("inputs", "secrets"):
            given = set(job.get("with" if section == "inputs" else "secrets") or {})
            known = declared.get(section) or {}
            assert given <= set(known), f"{path.name}: {sorted(given - set(known))} not declared"
            required = {n for n, spec in known.items() if spec.get("required")}
            assert required <= given, f"{path.name}: required {sorted(required - given)} missing"
