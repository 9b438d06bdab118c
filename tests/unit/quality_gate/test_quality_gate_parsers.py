"""Each tool's parser, table-driven over outputs recorded from the real tools."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_ci.doors.proc import Completed
from gitops_ci.engines.quality_gate.findings import (
    CRASHED,
    ERROR,
    FAILED,
    NO_TESTS,
    NOTE,
    PASSED,
    WARNING,
    Finding,
)
from gitops_ci.engines.quality_gate.tools import TOOLS, black, flake8, mypy, pytest_junit

RECORDED = Path(__file__).resolve().parents[2] / "fixtures" / "quality_gate" / "recorded"


def recorded(name: str) -> str:
    return (RECORDED / name).read_text(encoding="utf-8")


FLAKE8_OUT = recorded("flake8.txt")
MYPY_OUT = recorded("mypy-notes.txt")
MYPY_SYNTAX = recorded("mypy-syntax.txt")
BLACK_DIFF = recorded("black-diff.txt")
BLACK_CANNOT_NEW = recorded("black-cannot-parse.txt")
BLACK_CANNOT_OLD = recorded("black-cannot-format-old.txt")
JUNIT_FAILED = recorded("junit-failed.xml")
JUNIT_COLLECTION = recorded("junit-collection-error.xml")
JUNIT_XUNIT2 = recorded("junit-xunit2.xml")


def where(findings: list[Finding]) -> list[tuple[str, int, int, str, str]]:
    return [(f.file, f.line, f.col, f.code, f.severity) for f in findings]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            FLAKE8_OUT,
            [
                ("pkg/lint.py", 1, 1, "F401", ERROR),
                ("pkg/a b.py", 3, 80, "W291", WARNING),
                ("pkg/c.py", 7, 5, "C901", WARNING),
            ],
        ),
        ("", []),
    ],
)
def test_flake8(text: str, expected: list[tuple[str, int, int, str, str]]) -> None:
    assert where(flake8.parse(text)) == expected


def test_mypy_attaches_notes_to_their_error_and_keeps_lone_notes() -> None:
    findings = mypy.parse(MYPY_OUT)
    assert where(findings) == [
        ("n.py", 2, 19, "assignment", ERROR),
        ("n.py", 3, 13, "", NOTE),
        ("pkg/typed.py", 2, 12, "return-value", ERROR),
    ]
    assert findings[0].message.splitlines()[1:] == [
        '"list" is invariant -- see https://mypy.readthedocs.io/en/stable/common_issues.html#variance',
        'Consider using "Sequence" instead, which is covariant',
    ]


def test_mypy_syntax_errors_are_findings() -> None:
    assert where(mypy.parse(MYPY_SYNTAX)) == [
        ("b.py", 1, 8, "syntax", ERROR),
        ("b.py", 2, 2, "syntax", ERROR),
    ]


@pytest.mark.parametrize(
    ("stdout", "stderr", "expected"),
    [
        (
            BLACK_DIFF,
            "",
            [
                ("/tmp/qgt/repo/svc/pkg/style.py", 3, 0, "would-reformat", ERROR),
                ("pkg/two.py", 12, 0, "would-reformat", ERROR),
            ],
        ),
        ("", BLACK_CANNOT_NEW, [("b.py", 1, 6, "cannot-format", ERROR)]),
        ("", BLACK_CANNOT_OLD, [("b.py", 1, 6, "cannot-format", ERROR)]),
    ],
)
def test_black(stdout: str, stderr: str, expected: list[tuple[str, int, int, str, str]]) -> None:
    assert where(black.parse_diff(stdout) + black.parse_errors(stderr)) == expected


@pytest.mark.parametrize(
    ("xml", "expected", "messages"),
    [
        (
            JUNIT_FAILED,
            [("test_a.py", 6, 0, "test-error", ERROR), ("test_a.py", 15, 0, "test-failed", ERROR)],
            [
                'test_a.py::test_uses errored: failed on setup with "RuntimeError: boom"',
                "test_a.py::TestThing::test_method failed: assert 1 == 2",
            ],
        ),
        (
            JUNIT_COLLECTION,
            [("test_b.py", 1, 0, "test-error", ERROR)],
            ["test_b.py::test_b errored: collection failure"],
        ),
        (
            JUNIT_XUNIT2,
            [("tests/test_x.py", 42, 0, "test-failed", ERROR)],
            ["tests/test_x.py::TestY::test_z failed: boom"],
        ),
    ],
)
def test_pytest_junit(xml: str, expected: list[tuple[str, int, int, str, str]], messages: list[str]) -> None:
    findings = pytest_junit.parse_junit(xml)
    assert where(findings) == expected
    assert [f.message for f in findings] == messages


def done(code: int, stdout: str = "", stderr: str = "") -> Completed:
    return Completed(("python", "-m", "tool"), code, stdout, stderr)


@pytest.mark.parametrize(
    ("tool", "completed", "status"),
    [
        ("flake8", done(0), PASSED),
        ("flake8", done(1, FLAKE8_OUT), FAILED),
        ("flake8", done(0, FLAKE8_OUT), FAILED),  # --exit-zero in the user's args still shows findings
        ("flake8", done(1, "", "Traceback ...\nImportError: plugin"), CRASHED),  # "failed" but nothing read
        ("flake8", done(2, "", "flake8: error: unrecognized arguments"), CRASHED),
        ("mypy", done(0), PASSED),
        ("mypy", done(1, MYPY_OUT), FAILED),
        ("mypy", done(2, MYPY_SYNTAX), FAILED),
        ("mypy", done(2, "", "mypy: can't read file 'nope': No such file or directory"), CRASHED),
        ("black", done(0), PASSED),
        ("black", done(1, BLACK_DIFF), FAILED),
        ("black", done(123, "", BLACK_CANNOT_NEW), FAILED),
        ("black", done(123, "", "error: unexpected internal error"), CRASHED),
        ("pytest", done(5), NO_TESTS),
        ("pytest", done(4, "", "ERROR: usage: unrecognized arguments"), CRASHED),
        ("pytest", done(3, "", "INTERNALERROR> boom"), CRASHED),
    ],
)
def test_exit_codes_decide_with_the_findings(
    tool: str, completed: Completed, status: str, tmp_path: object
) -> None:
    assert TOOLS[tool].interpret(completed, str(tmp_path)).status == status


def test_pytest_reads_its_junit_report(tmp_path: object) -> None:
    report_dir = str(tmp_path)
    with open(pytest_junit.junit_path(report_dir), "w", encoding="utf-8") as handle:
        handle.write(JUNIT_FAILED)
    outcome = TOOLS["pytest"].interpret(done(1), report_dir)
    assert outcome.status == FAILED and len(outcome.findings) == 2
    assert TOOLS["pytest"].interpret(done(2), report_dir).status == FAILED


def test_every_tool_asks_for_the_output_its_parser_reads() -> None:
    assert TOOLS["flake8"].command(["src"], "/r")[-1] == f"--format={flake8.FORMAT}"
    assert TOOLS["pytest"].command(["-x"], "/r")[:2] == ["-x", "--junitxml=/r/pytest-junit.xml"]
    assert "--diff" in TOOLS["black"].command(["."], "/r")
    assert "--show-column-numbers" in TOOLS["mypy"].command(["."], "/r")
