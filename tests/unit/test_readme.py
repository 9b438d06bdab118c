"""The README's input/output tables are generated from the action.yml files and the reusable
workflows, and must match them."""

from __future__ import annotations

from pathlib import Path

from gitops_ci_dev import readme

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = {
    "action.yml",
    *(str(p.relative_to(ROOT)) for p in ROOT.glob("actions/*/action.yml")),
    ".github/workflows/gitops-pipeline.yml",
    ".github/workflows/promote.yml",
    ".github/workflows/gitops-monorepo.yml",
}


def test_readme_tables_match_every_action_yml() -> None:
    text = readme.README.read_text(encoding="utf-8")
    assert (
        readme.render(text) == text
    ), "README.md disagrees with an action.yml: run `python -m gitops_ci_dev.readme`"


def test_every_action_has_its_table_in_the_readme() -> None:
    text = readme.README.read_text(encoding="utf-8")
    assert {m.group("path") for m in readme.BLOCK.finditer(text)} == EXPECTED


def test_a_changed_action_yml_makes_the_check_fail(tmp_path: Path) -> None:
    (tmp_path / "actions" / "x").mkdir(parents=True)
    action = tmp_path / "actions" / "x" / "action.yml"
    action.write_text(
        "inputs:\n  mode:\n    description: 'commit | pr'\n    default: commit\n"
        "outputs:\n  sha:\n    description: the commit\n",
        encoding="utf-8",
    )
    stale = "# x\n<!-- gitops-ci:begin actions/x/action.yml -->\nold table\n<!-- gitops-ci:end -->\n"
    fresh = readme.render(stale, tmp_path)
    assert fresh != stale
    assert "| `mode` | commit \\| pr | `commit` |" in fresh and "| `sha` | the commit |" in fresh
    assert readme.render(fresh, tmp_path) == fresh


def test_a_reusable_workflow_gets_its_call_inputs_secrets_and_outputs(tmp_path: Path) -> None:
    (tmp_path / "w.yml").write_text(
        "on:\n  workflow_call:\n    inputs:\n"
        "      repo: {description: the repo, type: string, required: true}\n"
        "      all: {description: every one, type: boolean, default: false}\n"
        "    secrets:\n      token: {description: the token, required: true}\n"
        "    outputs:\n      sha: {description: the commit, value: x}\n"
        "  workflow_dispatch: {}\njobs: {}\n",
        encoding="utf-8",
    )
    fresh = readme.render("<!-- gitops-ci:begin w.yml -->\n<!-- gitops-ci:end -->\n", tmp_path)
    assert "| `repo` | the repo | required |" in fresh and "| `all` | every one | `false` |" in fresh
    assert "| `token` | the token | yes |" in fresh and "| `sha` | the commit |" in fresh
