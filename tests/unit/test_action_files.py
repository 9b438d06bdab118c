"""Hygiene of every action.yml and workflow: generated files current, values through env:,
`set -euo pipefail`, descriptions everywhere, third-party actions pinned by commit SHA."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

import pytest
from ruamel.yaml import YAML

from gitops_ci_dev import render
from gitops_ci.commands import load_all

ROOT = Path(__file__).resolve().parents[2]
ACTION_FILES = sorted([*ROOT.glob("actions/*/action.yml"), *ROOT.glob("action.yml")])
WORKFLOWS = sorted(
    [
        *ROOT.glob(".github/workflows/*.yml"),
        *ROOT.glob("examples/app/.github/workflows/*.yml"),
        *ROOT.glob("examples/workflow-templates/*.yml"),
    ]
)
# The suite's own actions and reusable workflow, used at their major tag (see zizmor.yml).
FIRST_PARTY = re.compile(r"acme/gitops-ci(/[\w./-]+)?@v\d+")

COMMANDS = load_all()


def _load(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def _steps(path: Path) -> Iterator[dict[str, Any]]:
    data = _load(path)
    if "runs" in data:
        yield from data["runs"].get("steps", [])
    for job in (data.get("jobs") or {}).values():
        yield from job.get("steps", [])


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_generated_action_is_current(name: str) -> None:
    command = COMMANDS[name]
    path = render.action_path(command)
    assert path.read_text(encoding="utf-8") == render.render(
        command
    ), f"{path} is out of date: run `python -m gitops_ci_dev.render`"


def test_generated_catalog_is_current() -> None:
    """The input names the defaults check uses without importing every command."""
    text = render.render_catalog(list(COMMANDS.values()))
    assert render.CATALOG.read_text(encoding="utf-8") == text, "run `python -m gitops_ci_dev.render`"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_input_reaches_the_script_through_env(name: str) -> None:
    command = COMMANDS[name]
    data = _load(render.action_path(command))
    run_step = next(s for s in data["runs"]["steps"] if s.get("id") == "run")
    inputs = [o for o in command.options if not o.flag_only]
    assert set(data["inputs"]) == {o.name for o in inputs}
    for option in inputs:
        assert run_step["env"][option.env_name] == f"${{{{ inputs.{option.name} }}}}"


@pytest.mark.parametrize("path", ACTION_FILES + WORKFLOWS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_expression_inside_run(path: Path) -> None:
    for step in _steps(path):
        if "run" in step:
            assert "${{" not in step["run"], f"{path}: step {step.get('name')!r} templates into run:"


@pytest.mark.parametrize("path", ACTION_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_bash_steps_are_strict(path: Path) -> None:
    for step in _steps(path):
        if "run" in step:
            assert step.get("shell") == "bash"
            assert step["run"].lstrip().startswith("set -euo pipefail"), f"{path}: {step.get('name')}"


@pytest.mark.parametrize("path", ACTION_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_inputs_and_outputs_are_described_and_branded(path: Path) -> None:
    data = _load(path)
    assert data.get("description") and data.get("branding", {}).get("icon")
    for section in ("inputs", "outputs"):
        for name, spec in (data.get(section) or {}).items():
            assert spec.get("description"), f"{path}: {section}.{name} has no description"


@pytest.mark.parametrize("path", ACTION_FILES + WORKFLOWS, ids=lambda p: str(p.relative_to(ROOT)))
def test_third_party_actions_are_pinned_by_sha(path: Path) -> None:
    for step in _steps(path):
        uses = step.get("uses", "")
        if uses and not uses.startswith("./") and not FIRST_PARTY.fullmatch(uses):
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses), f"{path}: {uses} is not SHA-pinned"


CHAIN_STEPS = {"quality-gate": "gate", "build-and-push": "build", "bump-manifest": "bump", "notify": "notify"}
# Inputs of the stages' actions that the chain must expose (those it leaves out are set by the
# chain itself, e.g. bump-manifest's digest, or have no use there).
CHAIN_EXPOSES = {
    "build-and-push": {"reuse", "no-cache"},
    "bump-manifest": {"render-check", "on-invalid", "max-file-size", "allow-downgrade", "source-time"},
}


def _chain_inputs() -> dict[str, dict[str, str]]:
    """The chain's inputs documented for each stage (`stage: ...`, `stage, pr mode: ...`)."""
    found: dict[str, dict[str, str]] = {stage: {} for stage in CHAIN_STEPS}
    for name, spec in _load(ROOT / "action.yml")["inputs"].items():
        stage = re.split(r"[:,]", spec["description"], maxsplit=1)[0]
        if stage in found:
            found[stage][name] = spec["description"]
    return found


@pytest.mark.parametrize("stage", sorted(CHAIN_STEPS))
def test_every_chain_input_documented_for_a_stage_reaches_that_stages_step(stage: str) -> None:
    steps = {s.get("id"): s for s in _load(ROOT / "action.yml")["runs"]["steps"]}
    env = steps[CHAIN_STEPS[stage]]["env"]
    stage_inputs = {
        f"INPUT_{n.upper().replace('-', '_')}"
        for n in _load(ROOT / "actions" / stage / "action.yml")["inputs"]
    }
    documented = _chain_inputs()[stage]
    assert CHAIN_EXPOSES.get(stage, set()) <= documented.keys(), "expose these inputs in action.yml"
    for name in documented:
        wired = [
            key for key, value in env.items() if re.search(rf"\binputs\.{re.escape(name)}\b(?!-)", str(value))
        ]
        assert wired, f"action.yml: input {name} is documented for {stage} but not in its step's env"
        assert set(wired) <= stage_inputs, f"action.yml: {name} reaches {wired}, not an input of {stage}"
