"""The gitops-ci command line, end to end through main.main: help, errors and the secret test."""

from __future__ import annotations

import base64
import io
import json
import os
import shlex
import subprocess
import sys
import urllib.parse
from pathlib import Path
from typing import Any, Callable

import pytest
from testing.outputs import read_github_output

from gitops_ci import __version__
from gitops_ci.doors import proc
from gitops_ci import main as cli
from gitops_ci.commands import COMMANDS, load_all
from gitops_ci.commands.base import JSON_OPTION, Command, Context, Values
from gitops_ci.errors import CommandError, UserError
from gitops_ci.inputs import Option
from gitops_ci.doors.runner import escape_data

SCRIPTS = Path(cli.__file__).resolve().parents[1]


def run_main(argv: list[str], environ: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(argv, environ, out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def empty_defaults(tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "gitops-ci.defaults.yml"
    path.write_text("", encoding="utf-8")
    return {"GITOPS_CI_DEFAULTS": str(path)}


def register(
    monkeypatch: pytest.MonkeyPatch, handler: Callable[[Context, Values], int], *options: Option
) -> str:
    monkeypatch.setitem(
        COMMANDS, "throwaway", Command("throwaway", "t", "t", (*options, JSON_OPTION), handler)
    )
    assert cli.COMMANDS is COMMANDS
    return "throwaway"


# -- help and version --------------------------------------------------------------------------


def test_help_lists_the_four_commands() -> None:
    code, out, err = run_main(["--help"], {})
    assert (code, err) == (0, "")
    listed = [line.split()[0] for line in out.splitlines() if line.startswith("    ") and line.strip()]
    for name in ("quality-gate", "build-and-push", "bump-manifest", "notify"):
        assert name in listed
    assert set(load_all()) == {
        "quality-gate",
        "build-and-push",
        "bump-manifest",
        "verify-deployment",
        "notify",
        "history",
        "rollback",
        "promote",
        "plan",
    }


def test_no_command_prints_help_and_fails() -> None:
    code, out, _ = run_main([], {})
    assert code == 1
    assert "quality-gate" in out


def test_version() -> None:
    code, out, _ = run_main(["--version"], {})
    assert (code, out) == (0, f"gitops-ci {__version__}\n")


def test_python_dash_m_gitops_ci_version() -> None:
    env = {**os.environ, "PYTHONPATH": str(SCRIPTS)}
    done = subprocess.run(
        [sys.executable, "-m", "gitops_ci", "--version"], env=env, capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout) == (0, f"gitops-ci {__version__}\n")


@pytest.mark.parametrize(
    ("name", "not_imported"),
    [
        (
            "build-and-push",
            (
                "gitops_ci.engines.bump",
                "gitops_ci.engines.quality_gate",
                "gitops_ci.engines.notify",
                "ruamel",
            ),
        ),
        (
            "notify",
            ("gitops_ci.engines.bump", "gitops_ci.engines.quality_gate", "gitops_ci.engines.build_push"),
        ),
        (
            "verify-deployment",
            ("gitops_ci.engines.verify", "gitops_ci.engines.notify", "gitops_ci.engines.bump", "requests"),
        ),
    ],
)
def test_a_run_imports_only_its_own_command(name: str, not_imported: tuple[str, ...], tmp_path: Path) -> None:
    """Start-up time: a build does not load the bump engine, the gate or the notifier."""
    probe = (
        "import sys; from gitops_ci.main import main; main([sys.argv[1], '--help']);"
        "print(*sorted(sys.modules), file=sys.stderr)"
    )
    empty = tmp_path / "defaults.yml"
    empty.write_text("", encoding="utf-8")  # the suite's file is YAML; an empty one needs no parser
    env = {**os.environ, "PYTHONPATH": str(SCRIPTS), "GITOPS_CI_DEFAULTS": str(empty)}
    done = subprocess.run([sys.executable, "-c", probe, name], env=env, capture_output=True, text=True)
    modules = done.stderr.split()
    assert done.returncode == 0 and f"gitops_ci.commands.{name.replace('-', '_')}" in modules
    assert [m for m in modules if m.startswith(not_imported)] == []


@pytest.mark.parametrize("columns", [None, "120", "61", "", "0", "-5", "wide"])
def test_the_help_is_as_wide_as_argparse_makes_it(
    columns: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import argparse

    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    ours, stock = cli.Formatter("gitops-ci"), argparse.HelpFormatter("gitops-ci")
    assert (ours._width, ours._max_help_position) == (stock._width, stock._max_help_position)
    assert cli.Formatter("gitops-ci", width=50)._width == 50


def test_an_unknown_command_is_a_usage_error() -> None:
    code, out, err = run_main(["deploy-everything"], {})
    assert code == 2
    assert "invalid choice: 'deploy-everything'" in err


@pytest.mark.parametrize("name", sorted(load_all()))
def test_each_command_help_documents_every_option_and_its_variable(name: str) -> None:
    code, out, _ = run_main([name, "--help"], {})
    assert code == 0
    text = " ".join(out.split())  # argparse wraps lines to the terminal width
    for option in load_all()[name].options:
        assert f"--{option.name}" in text
        if not option.flag_only:
            assert f"env: {option.env_name};" in text
    assert "--defaults-file" in text


# -- errors ------------------------------------------------------------------------------------


def failing(exc: Exception) -> Callable[[Context, Values], int]:
    def handler(ctx: Context, values: Values) -> int:
        raise exc

    return handler


def test_a_user_error_exits_1_with_the_message(
    monkeypatch: pytest.MonkeyPatch, empty_defaults: dict[str, str]
) -> None:
    name = register(monkeypatch, failing(UserError("the image is missing", why="no input", fix="set image:")))
    code, out, err = run_main([name], empty_defaults)
    assert (code, out) == (1, "")
    assert err == "error: the image is missing\nWhy: no input\nFix: set image:\n"


def test_a_user_error_on_a_runner_is_an_error_annotation(
    monkeypatch: pytest.MonkeyPatch, empty_defaults: dict[str, str]
) -> None:
    name = register(monkeypatch, failing(UserError("50% failed", fix="retry: later")))
    code, out, err = run_main([name], {**empty_defaults, "GITHUB_ACTIONS": "true"})
    assert (code, err) == (1, "")
    assert out == "::error::50%25 failed%0AFix: retry: later\n"


def test_a_user_error_with_json_is_a_json_document(
    monkeypatch: pytest.MonkeyPatch, empty_defaults: dict[str, str]
) -> None:
    name = register(monkeypatch, failing(UserError("the image is missing")))
    code, out, err = run_main([name, "--json"], empty_defaults)
    assert code == 1
    assert json.loads(out) == {"ok": False, "error": "the image is missing"}
    assert "the image is missing" in err


def test_an_unexpected_exception_exits_2_with_the_traceback(
    monkeypatch: pytest.MonkeyPatch, empty_defaults: dict[str, str]
) -> None:
    name = register(monkeypatch, failing(ZeroDivisionError("a bug")))
    code, out, err = run_main([name], empty_defaults)
    assert (code, out) == (2, "")
    assert err.startswith("Traceback (most recent call last):\n")
    assert "in handler\n    raise exc\n" in err
    assert "ZeroDivisionError: a bug" in err
    assert "This is a bug in gitops-ci" in err


def test_a_handler_exit_code_is_returned(
    monkeypatch: pytest.MonkeyPatch, empty_defaults: dict[str, str]
) -> None:
    assert run_main([register(monkeypatch, lambda ctx, values: 0)], empty_defaults)[0] == 0
    assert run_main([register(monkeypatch, lambda ctx, values: 3)], empty_defaults)[0] == 3


# -- THE SECRET TEST ---------------------------------------------------------------------------

PASSWORD = "Pa55-'w\"rd-ünï/+=&ZqCoreOne"
WEBHOOK = "https://hooks.slack.com/services/T0001/B0002/ZqCoreTwo"
TOKEN = "ghp_ZqCoreThree0123456789"
CORES = ("ZqCoreOne", "ZqCoreTwo", "ZqCoreThree")
FAILING_SCRIPT = "import sys; print(*sys.argv[1:], sep='\\n'); sys.exit(3)"


def forms(secret: str) -> list[str]:
    """The secret and the encodings it travels in."""
    return [
        secret,
        base64.b64encode(secret.encode()).decode(),
        base64.b64encode(f"x-access-token:{secret}".encode()).decode(),
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        shlex.quote(secret),
    ]


def leaky_handler(raised: list[str]) -> Callable[[Context, Values], int]:
    """A command that does every wrong thing with its secrets; the Console and proc must contain them."""

    def handler(ctx: Context, values: Values) -> int:
        secrets = [values["password"], values["webhook_url"], values["token"]]
        encoded = [form for secret in secrets for form in forms(secret)]
        ctx.console.info("logging " + " ".join(encoded))
        ctx.console.warning(f"warned about {secrets}", file=values["password"], title=values["token"])
        with ctx.console.group(f"group {values['token']}"):
            ctx.console.debug(f"debug {secrets}")
        ctx.console.set_outputs(
            {"echo": "\n".join(secrets), "doc": {"secrets": secrets}, "encoded": " ".join(encoded)}
        )
        ctx.console.summary("| secret |\n|---|\n" + "".join(f"| {form} |\n" for form in encoded))
        ctx.console.result({"secrets": secrets}, "result " + " ".join(encoded))
        try:
            proc.run(
                [sys.executable, "-c", FAILING_SCRIPT, *encoded],
                redactor=ctx.console.redactor,
                log=ctx.console.info,
            )
        except CommandError as exc:
            raised.append(str(exc))
            raise
        return 0

    return handler


def assert_no_secret(text: str, where: str) -> None:
    for secret in (PASSWORD, WEBHOOK, TOKEN):
        for form in forms(secret):
            assert form not in text, f"{form!r} leaked into {where}"
    for core in CORES:
        assert core not in text, f"{core!r} leaked into {where}"


@pytest.mark.parametrize("argv", [[], ["--json"]], ids=["text", "json"])
def test_a_secret_input_never_leaks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, empty_defaults: dict[str, str], argv: list[str]
) -> None:
    raised: list[str] = []
    secret_options = (
        Option("password", "a password", secret=True),
        Option("webhook-url", "a webhook", secret=True),
        Option("token", "a token", secret=True),
    )
    name = register(monkeypatch, leaky_handler(raised), *secret_options)
    output, summary = tmp_path / "output", tmp_path / "summary.md"
    environ = {
        **empty_defaults,
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "INPUT_PASSWORD": PASSWORD,
        "INPUT_WEBHOOK_URL": WEBHOOK,
        "INPUT_TOKEN": TOKEN,
    }

    code, out, err = run_main([name, *argv], environ)

    assert code == 1
    lines = out.splitlines()
    for secret in (PASSWORD, WEBHOOK, TOKEN):
        assert f"::add-mask::{escape_data(secret)}" in lines
    assert lines.index(f"::add-mask::{escape_data(PASSWORD)}") < lines.index("::endgroup::")
    shown = "\n".join(line for line in lines if not line.startswith("::add-mask::"))
    assert_no_secret(shown, "stdout")
    assert_no_secret(err, "stderr")
    output_text = output.read_text(encoding="utf-8")
    assert_no_secret(output_text, "$GITHUB_OUTPUT")
    assert_no_secret(summary.read_text(encoding="utf-8"), "$GITHUB_STEP_SUMMARY")
    assert len(raised) == 1
    assert_no_secret(raised[0], "the raised CommandError")
    # The values did reach every channel, as ***.
    assert read_github_output(output_text)["echo"] == "***\n***\n***"
    assert "| *** |" in summary.read_text(encoding="utf-8")
    assert "exit code 3" in raised[0] and "***" in raised[0]
    assert "::error::command failed with exit code 3" in shown


def test_a_secret_in_an_unexpected_exception_is_redacted(
    monkeypatch: pytest.MonkeyPatch, empty_defaults: dict[str, str]
) -> None:
    def handler(ctx: Context, values: Values) -> int:
        raise RuntimeError(f"could not use {values['password']!r} {values['password']}")

    name = register(monkeypatch, handler, Option("password", "a password", secret=True))
    code, out, err = run_main(
        [name], {**empty_defaults, "GITHUB_ACTIONS": "true", "INPUT_PASSWORD": PASSWORD}
    )
    assert code == 2
    assert "RuntimeError: could not use" in err
    assert_no_secret(err, "stderr")


def test_a_secret_given_as_a_flag_is_masked(
    monkeypatch: pytest.MonkeyPatch, empty_defaults: dict[str, str]
) -> None:
    seen: list[Any] = []

    def handler(ctx: Context, values: Values) -> int:
        seen.append(values["token"])
        ctx.console.info(f"token {values['token']}")
        return 0

    name = register(monkeypatch, handler, Option("token", "a token", secret=True))
    code, out, _ = run_main([name, "--token", TOKEN], {**empty_defaults, "GITHUB_ACTIONS": "true"})
    assert (code, seen) == (0, [TOKEN])
    assert f"::add-mask::{TOKEN}" in out.splitlines()
    assert out.splitlines()[-1] == "token ***"
