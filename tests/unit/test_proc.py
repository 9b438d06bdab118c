"""proc.run, the one subprocess chokepoint: real subprocesses, redacted logs and errors."""

from __future__ import annotations

import sys
import time

import pytest

from gitops_ci.doors import proc
from gitops_ci.errors import CommandError, UserError
from gitops_ci.secrets import MASK, Redactor

SECRET = "Pa55-'w\"rd-ünïcore"
PY = sys.executable


def test_success_returns_the_output() -> None:
    result = proc.run(
        [PY, "-c", "import sys; print('out'); print('err', file=sys.stderr)"], redactor=Redactor()
    )
    assert result.returncode == 0
    assert result.stdout == "out\n"
    assert result.stderr == "err\n"


def test_env_cwd_and_stdin_reach_the_command(tmp_path: pytest.TempPathFactory) -> None:
    code = "import os, sys; print(os.environ['GOT'], os.getcwd(), sys.stdin.read())"
    result = proc.run(
        [PY, "-c", code], redactor=Redactor(), env={"GOT": "env-value"}, cwd=str(tmp_path), stdin="in"
    )
    assert result.stdout.split() == ["env-value", str(tmp_path), "in"]


def test_a_failing_command_raises_with_command_exit_code_and_output() -> None:
    with pytest.raises(CommandError) as caught:
        proc.run(
            [PY, "-c", "import sys; print('it broke'); sys.exit(3)"], redactor=Redactor(), fix="try again"
        )
    text = str(caught.value)
    assert caught.value.returncode == 3
    assert "exit code 3" in text
    assert "import sys" in text
    assert "it broke" in text
    assert "Fix: try again" in text


def test_check_false_returns_the_failure() -> None:
    result = proc.run([PY, "-c", "import sys; sys.exit(4)"], redactor=Redactor(), check=False)
    assert result.returncode == 4


def test_a_missing_tool_is_a_user_error_naming_the_tool() -> None:
    with pytest.raises(UserError) as caught:
        proc.run(["gitops-ci-no-such-tool", "--version"], redactor=Redactor())
    assert not isinstance(caught.value, CommandError)
    assert "'gitops-ci-no-such-tool' was not found on PATH" in str(caught.value)
    assert "install gitops-ci-no-such-tool" in str(caught.value)


def test_a_timeout_is_a_user_error() -> None:
    started = time.monotonic()
    with pytest.raises(UserError) as caught:
        proc.run([PY, "-c", "import time; time.sleep(30)"], redactor=Redactor(), timeout=0.5)
    assert time.monotonic() - started < 15
    assert "timed out after 0.5 s" in str(caught.value)


def test_the_log_line_shows_the_command_with_secrets_redacted() -> None:
    lines: list[str] = []
    proc.run([PY, "-c", "pass", "--password", SECRET], redactor=Redactor([SECRET]), log=lines.append)
    assert len(lines) == 1
    assert lines[0].startswith("$ ")
    assert lines[0].endswith(f"--password '{MASK}'")  # shell-quoted, as shlex.join shows it
    assert "core" not in lines[0]


def test_the_error_of_a_failing_command_redacts_the_secret_in_args_and_output() -> None:
    script = "import sys; print(sys.argv[1]); sys.exit(3)"
    with pytest.raises(CommandError) as caught:
        proc.run([PY, "-c", script, SECRET], redactor=Redactor([SECRET]))
    text = str(caught.value)
    assert "exit code 3" in text
    assert "core" not in text
    assert text.count(MASK) == 2  # once in the command line, once in the output tail


def test_a_secret_inside_an_argument_is_redacted() -> None:
    lines: list[str] = []
    with pytest.raises(CommandError) as caught:
        proc.run(
            [PY, "-c", "import sys; sys.exit(1)", f"https://user:{SECRET}@example.com/x"],
            redactor=Redactor([SECRET]),
            log=lines.append,
        )
    assert "core" not in lines[0] and "core" not in str(caught.value)
    assert f"user:{MASK}@example.com" in lines[0]


def test_a_missing_tool_named_by_a_secret_is_redacted() -> None:
    with pytest.raises(UserError) as caught:
        proc.run([f"/nonexistent/{SECRET}"], redactor=Redactor([SECRET]))
    assert "core" not in str(caught.value)


def test_the_output_tail_is_limited() -> None:
    code = "import sys\nfor i in range(100): print(f'line-{i:03d}')\nsys.exit(1)"
    with pytest.raises(CommandError) as caught:
        proc.run([PY, "-c", code], redactor=Redactor())
    tail = caught.value.output_tail.splitlines()
    assert tail == [f"line-{i:03d}" for i in range(100 - proc.TAIL_LINES, 100)]
    assert "line-079" not in str(caught.value)


def test_output_tail_puts_stderr_after_stdout() -> None:
    result = proc.Completed(("x",), 1, "a\nb\n", "c\n")
    assert proc.output_tail(result, lines=2) == "b\nc"


def test_output_that_is_not_utf8_does_not_crash() -> None:
    code = "import sys; sys.stdout.buffer.write(b'caf\\xe9 ok\\n'); sys.exit(2)"
    with pytest.raises(CommandError) as caught:
        proc.run([PY, "-c", code], redactor=Redactor())
    assert "caf\ufffd ok" in str(caught.value)
