"""Console: $GITHUB_OUTPUT heredocs, the step summary cap, workflow commands and their escaping."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Iterator

import pytest

from gitops_ci.annotation import Annotation
from gitops_ci.context import SUMMARY_CAP
from gitops_ci.doors import runner
from gitops_ci.doors.runner import (
    Console,
    escape_data,
    escape_property,
    format_command,
    heredoc_output,
)
from testing.outputs import read_github_output

MIB = 1024 * 1024


def read_text(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def test_the_reader_follows_the_runner() -> None:
    text = "plain=a=b\nempty<<EOF\nEOF\n\nmulti<<X\none\ntwo\nX\n"
    assert read_github_output(text) == {"plain": "a=b", "empty": "", "multi": "one\ntwo"}
    with pytest.raises(ValueError, match="Matching delimiter not found"):
        read_github_output("name<<EOF\nvalue\n")


def runner_console(tmp_path: Path, *, on_runner: bool = True) -> tuple[Console, io.StringIO, io.StringIO]:
    environ = {
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    if on_runner:
        environ["GITHUB_ACTIONS"] = "true"
    out, err = io.StringIO(), io.StringIO()
    return Console(environ, out, err), out, err


# -- $GITHUB_OUTPUT ---------------------------------------------------------------------------

TRICKY_VALUES = {
    "multi-line": "line one\nline two\n\nline four",
    "trailing-newline": "ends with a newline\n",
    "leading-newline": "\nstarts with a newline",
    "equals": "a=b==c",
    "heredoc-text": "x<<EOF\nEOF\nname<<ghadelimiter_\nghadelimiter_",
    "quotes": 'it\'s "quoted" `and` $(not run)',
    "unicode": "żółć 🚀 漢字 \u200b",
    "carriage-return": "windows\r\nline",
    "empty": "",
}


def test_outputs_round_trip_through_the_runners_reader(tmp_path: Path) -> None:
    console, _, _ = runner_console(tmp_path)
    console.set_outputs(TRICKY_VALUES)
    assert read_github_output(read_text(tmp_path / "output")) == TRICKY_VALUES


def test_outputs_append_to_what_earlier_steps_wrote(tmp_path: Path) -> None:
    (tmp_path / "output").write_text("earlier=kept\n", encoding="utf-8")
    console, _, _ = runner_console(tmp_path)
    console.set_outputs({"first": "1"})
    console.set_outputs({"second": "2"})
    assert read_github_output(read_text(tmp_path / "output")) == {
        "earlier": "kept",
        "first": "1",
        "second": "2",
    }


def test_output_values_that_are_not_strings(tmp_path: Path) -> None:
    console, _, _ = runner_console(tmp_path)
    console.set_outputs(
        {"yes": True, "no": False, "n": 3, "none": None, "tags": ["a", "b"], "map": {"k": "v"}}
    )
    assert read_github_output(read_text(tmp_path / "output")) == {
        "yes": "true",
        "no": "false",
        "n": "3",
        "none": "",
        "tags": '["a","b"]',
        "map": '{"k":"v"}',
    }


def test_outputs_without_github_output_write_nothing(tmp_path: Path) -> None:
    console = Console({}, io.StringIO(), io.StringIO())
    console.set_outputs({"x": "y"})
    assert list(tmp_path.iterdir()) == []


def test_a_given_delimiter_that_occurs_in_the_value_is_replaced() -> None:
    value = "before\nEOF\nafter"
    entry = heredoc_output("notes", value, delimiter="EOF")
    assert not entry.startswith("notes<<EOF\n")
    assert entry.startswith("notes<<ghadelimiter_")
    assert read_github_output(entry) == {"notes": value}


def test_a_given_delimiter_that_does_not_occur_is_used() -> None:
    assert heredoc_output("notes", "a\nb", delimiter="EOF") == "notes<<EOF\na\nb\nEOF\n"


def test_a_random_delimiter_that_collides_is_drawn_again(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens: Iterator[str] = iter(["0" * 32, "0" * 32, "1" * 32])
    monkeypatch.setattr(runner, "_token_hex", lambda nbytes: next(tokens))
    value = f"the value holds\nghadelimiter_{'0' * 32}\nas a line"
    entry = heredoc_output("notes", value)
    assert entry == f"notes<<ghadelimiter_{'1' * 32}\n{value}\nghadelimiter_{'1' * 32}\n"
    assert read_github_output(entry) == {"notes": value}


def test_each_output_gets_a_fresh_random_delimiter() -> None:
    first, second = heredoc_output("a", "x"), heredoc_output("a", "x")
    assert first.splitlines()[0] != second.splitlines()[0]


# -- annotations and other workflow commands ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("100%", "100%25"),
        ("a\r\nb", "a%0D%0Ab"),
        ("%0A is literal", "%250A is literal"),
        ("keep: these, as is", "keep: these, as is"),
    ],
)
def test_escape_data(text: str, escaped: str) -> None:
    assert escape_data(text) == escaped


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("src/a.py", "src/a.py"),
        ("C:\\x,y.py", "C%3A\\x%2Cy.py"),
        ("50%: a\nb,c\r", "50%25%3A a%0Ab%2Cc%0D"),
    ],
)
def test_escape_property(text: str, escaped: str) -> None:
    assert escape_property(text) == escaped


def test_format_command_exact() -> None:
    line = format_command(
        "error",
        "50% done\r\nsee: a, b",
        {"file": "src/a,b:c.py", "line": 3, "col": 0, "endLine": None, "title": "T: x, y%"},
    )
    assert (
        line == "::error file=src/a%2Cb%3Ac.py,line=3,col=0,title=T%3A x%2C y%25::50%25 done%0D%0Asee: a, b"
    )


def test_format_command_without_properties() -> None:
    assert format_command("warning", "plain") == "::warning::plain"


def test_annotation_on_a_runner(tmp_path: Path) -> None:
    console, out, err = runner_console(tmp_path)
    console.annotate(
        Annotation("warning", "two\nlines", file="a:b.py", line=4, col=2, end_line=5, title="t,1")
    )
    assert out.getvalue() == "::warning file=a%3Ab.py,line=4,col=2,endLine=5,title=t%2C1::two%0Alines\n"
    assert err.getvalue() == ""


def test_annotation_outside_a_runner_is_readable_text(tmp_path: Path) -> None:
    console, out, err = runner_console(tmp_path, on_runner=False)
    console.error("it failed", file="src/a.py", line=4, col=2, title="flake8")
    assert err.getvalue() == "error: src/a.py:4:2: flake8: it failed\n"
    assert out.getvalue() == ""


def test_mask_emits_add_mask_for_the_secret_and_its_encodings(tmp_path: Path) -> None:
    console, out, _ = runner_console(tmp_path)
    console.mask("s3cr3t%value")
    lines = out.getvalue().splitlines()
    assert "::add-mask::s3cr3t%25value" in lines
    assert all(line.startswith("::add-mask::") for line in lines)
    assert len(lines) >= 3  # the value, its URL form and its base64 forms
    console.mask("s3cr3t%value")
    assert out.getvalue().splitlines() == lines  # masked once


def test_mask_outside_a_runner_prints_nothing_but_still_redacts(tmp_path: Path) -> None:
    console, out, _ = runner_console(tmp_path, on_runner=False)
    console.mask("s3cr3t-value")
    console.info("the value is s3cr3t-value")
    assert out.getvalue() == "the value is ***\n"


def test_group_on_a_runner(tmp_path: Path) -> None:
    console, out, _ = runner_console(tmp_path)
    with pytest.raises(RuntimeError):
        with console.group("pytest: 100%"):
            console.info("inside")
            raise RuntimeError("boom")
    assert out.getvalue() == "::group::pytest: 100%25\ninside\n::endgroup::\n"


def test_debug_only_on_a_runner_or_when_asked(tmp_path: Path) -> None:
    console, out, _ = runner_console(tmp_path)
    console.debug("a\nb")
    assert out.getvalue() == "::debug::a%0Ab\n"
    quiet = Console({}, io.StringIO(), io.StringIO())
    quiet.debug("hidden")
    assert quiet.stderr.getvalue() == ""  # type: ignore[attr-defined]


def test_json_mode_prints_one_document_and_logs_to_stderr(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    console = Console({}, out, err, json_mode=True)
    console.info("progress")
    console.result({"ok": True, "tags": ["a"]}, "readable")
    assert json.loads(out.getvalue()) == {"ok": True, "tags": ["a"]}
    assert err.getvalue() == "progress\n"


# -- the step summary --------------------------------------------------------------------------


def test_summary_appends_markdown(tmp_path: Path) -> None:
    console, _, _ = runner_console(tmp_path)
    console.summary("# Title")
    console.summary("| a | b |\n")
    assert read_text(tmp_path / "summary.md") == "# Title\n| a | b |\n"


def assert_capped(path: Path) -> str:
    data = path.read_bytes()
    assert len(data) <= SUMMARY_CAP == MIB
    text = data.decode("utf-8")  # strict: a character cut in half would raise here
    assert text.endswith(runner.TRUNCATED_NOTE)
    assert "cut to stay within GitHub's 1 MiB limit" in text
    return text


def test_summary_over_1_mib_in_several_calls_is_cut_with_a_note(tmp_path: Path) -> None:
    console, _, _ = runner_console(tmp_path)
    chunk = "a" + "€😀" * 40_000 + "\n"  # 280,002 bytes: the cut lands inside a multibyte character
    written = ""
    for _ in range(5):
        console.summary(chunk)
        written += chunk
    text = assert_capped(tmp_path / "summary.md")
    kept = text[: -len(runner.TRUNCATED_NOTE)]
    assert written.startswith(kept)
    assert len(kept.encode("utf-8")) > MIB - 4 - len(runner.TRUNCATED_NOTE.encode("utf-8"))
    size = (tmp_path / "summary.md").stat().st_size
    console.summary("later call\n")
    assert (tmp_path / "summary.md").stat().st_size == size


def test_summary_that_fills_the_cap_leaves_room_for_the_note(tmp_path: Path) -> None:
    console, _, _ = runner_console(tmp_path)
    console.summary("x" * (MIB - 11) + "\n")  # fits: 10 bytes to spare, fewer than the note needs
    console.summary("y" * 100)
    assert_capped(tmp_path / "summary.md")


def test_summary_counts_what_the_step_already_wrote(tmp_path: Path) -> None:
    (tmp_path / "summary.md").write_text("é" * (MIB // 2 - 500), encoding="utf-8")  # 1000 bytes to spare
    console, _, _ = runner_console(tmp_path)
    console.summary("more " * 1000)
    text = assert_capped(tmp_path / "summary.md")
    assert "more more" in text


def test_summary_never_grows_a_file_that_is_already_full(tmp_path: Path) -> None:
    (tmp_path / "summary.md").write_text("é" * (MIB // 2), encoding="utf-8")  # exactly 1 MiB
    console, _, _ = runner_console(tmp_path)
    console.summary("more")
    console.summary("and more")
    assert (tmp_path / "summary.md").stat().st_size == MIB


def test_summary_without_github_step_summary_is_skipped() -> None:
    console = Console({}, io.StringIO(), io.StringIO())
    console.summary("nothing happens")
    assert console.stdout.getvalue() == ""  # type: ignore[attr-defined]


def test_truncate_utf8_never_splits_a_character() -> None:
    assert runner.truncate_utf8("a€b", 2) == "a"
    assert runner.truncate_utf8("a€b", 4) == "a€"
    assert runner.truncate_utf8("short", 100) == "short"
