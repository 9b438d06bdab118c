"""Annotation choice within GitHub's per-step caps, and the step summary within its 1 MiB cap."""

from __future__ import annotations

from gitops_ci.engines.quality_gate import selection, summary
from gitops_ci.engines.quality_gate.findings import CRASHED, ERROR, FAILED, MISSING, PASSED, WARNING, Finding
from gitops_ci.engines.quality_gate.model import Result, ToolRun


def finding(
    file: str, line: int, severity: str = ERROR, tool: str = "flake8", message: str = "bad"
) -> Finding:
    return Finding(tool, file, line, 1, "E1", severity, message)


def result(*runs: ToolRun) -> Result:
    return Result(runs, "/r/quality-gate.json", "", 1.0)


def tool_run(tool: str, status: str, findings: tuple[Finding, ...] = (), **extra: object) -> ToolRun:
    return ToolRun(tool, status, findings, 0.5, 1, **extra)


def test_ten_errors_one_per_file_first_and_the_last_says_how_many_more() -> None:
    findings = tuple(finding(f"m{n}.py", line) for n in range(4) for line in range(1, 11))
    chosen = selection.select(result(tool_run("flake8", FAILED, findings)))
    assert len(chosen.annotations) == 10
    assert [a.file for a in chosen.annotations[:4]] == ["m0.py", "m1.py", "m2.py", "m3.py"]
    assert [(a.file, a.line) for a in chosen.annotations[4:8]] == [
        ("m0.py", 2),
        ("m1.py", 2),
        ("m2.py", 2),
        ("m3.py", 2),
    ]
    assert chosen.annotations[-1].message.endswith(selection.more_note(30, ERROR))
    assert "30 more errors" in chosen.annotations[-1].message
    assert all("more" not in a.message for a in chosen.annotations[:-1])
    assert chosen.omitted == {ERROR: 30}


def test_errors_and_warnings_have_separate_caps_and_problems_come_first() -> None:
    warnings = tuple(finding("w.py", n, WARNING) for n in range(1, 13))
    runs = (
        tool_run("mypy", MISSING, problem="mypy is not installed"),
        tool_run("flake8", FAILED, (*warnings, finding("e.py", 1))),
        tool_run("black", PASSED),
    )
    chosen = selection.select(result(*runs))
    levels = selection.levels(chosen.annotations)
    assert levels == {ERROR: 2, WARNING: 10}
    assert chosen.annotations[0].title == "mypy: missing" and chosen.annotations[0].file is None
    assert chosen.annotations[1].file == "e.py"
    assert chosen.omitted == {WARNING: 2}


def test_an_allowed_tool_problem_is_a_warning() -> None:
    run = tool_run("pytest", CRASHED, problem="boom", stderr_tail="Traceback", allowed=True)
    (note,) = selection.select(result(run)).annotations
    assert note.level == WARNING and note.message == "boom\nTraceback"


def test_summary_table_details_and_escaping() -> None:
    runs = (
        tool_run(
            "black",
            FAILED,
            (finding("a.py", 3, tool="black"),),
            detail="--- a.py\n+++ a.py\n-x = 'a'\n+x = \"a\"\n",
        ),
        tool_run("flake8", FAILED, (finding("b|c.py", 1, message="<script> & | pipes\nnext"),)),
        tool_run("mypy", MISSING, problem="mypy is not installed"),
        tool_run("pytest", PASSED),
    )
    text = summary.render(result(*runs), {ERROR: 3})
    assert "| tool | status | findings | time |" in text
    assert "| pytest | ✅ passed | 0 | 0.5 s |" in text
    assert "| mypy | ⛔ missing | 0 | 0.5 s |" in text
    assert text.count("<details>") == 3 and text.count("</details>") == 3  # not for the passing tool
    assert "```diff\n--- a.py\n+++ a.py\n-x = 'a'\n" in text
    assert "| b\\|c.py | 1 | E1 | &lt;script&gt; &amp; \\| pipes<br>next |" in text
    assert "3 more errors were not annotated" in text
    assert "mypy is not installed" in text


def test_summary_is_cut_within_its_budget_and_closes_what_it_opened() -> None:
    diff = "".join(f"-line {n} ```\n+line {n}\n" for n in range(5000))
    runs = (
        tool_run("black", FAILED, (finding("a.py", 1, tool="black"),), detail=diff),
        tool_run("flake8", FAILED, tuple(finding("b.py", n) for n in range(1, 3000))),
    )
    budget = 20_000
    text = summary.render(result(*runs), {}, budget=budget)
    assert len(text.encode()) <= budget
    assert text.count("<details>") == text.count("</details>")
    assert "cut here to fit the summary size limit" in text
    black_block = text.split("<details>")[1]
    assert black_block.count("````") % 2 == 0  # the fence is longer than the ``` inside, and closed
