"""Input grammar and resolution order: CLI flag › INPUT_<NAME> › defaults file › built-in default."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from gitops_ci import main as cli
from gitops_ci.commands import COMMANDS
from gitops_ci.commands.base import JSON_OPTION, Command, Context, Values
from gitops_ci.commands.resolve import resolve_inputs
from gitops_ci.errors import UserError
from gitops_ci.inputs import (
    Option,
    defaults_text,
    parse_bool,
    parse_choice,
    parse_http_url,
    parse_int,
    parse_list,
    parse_map,
    parse_size,
    resolve,
    scrub,
)
from gitops_ci.doors.runner import Console

# -- the parsers -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["true", "True", " YES ", "y", "on", "1"])
def test_parse_bool_true(text: str) -> None:
    assert parse_bool(text) is True


@pytest.mark.parametrize("text", ["false", "FALSE", "no", "n", "off", "0", "", "  "])
def test_parse_bool_false(text: str) -> None:
    assert parse_bool(text) is False


@pytest.mark.parametrize("text", ["maybe", "ture", "2"])
def test_parse_bool_error_quotes_the_text(text: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_bool(text, name="dry-run")
    assert f"input 'dry-run': {text!r} is not a boolean" in str(caught.value)
    assert "true or false" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("a,b,c", ["a", "b", "c"]),
        ("a\nb\n\nc\n", ["a", "b", "c"]),
        (" a , ,b\n c,d ", ["a", "b", "c", "d"]),
        ("# tools\nblack\n  # not this one\nmypy", ["black", "mypy"]),
        ("", []),
        ("linux/amd64,linux/arm64", ["linux/amd64", "linux/arm64"]),
    ],
)
def test_parse_list(text: str, items: list[str]) -> None:
    assert parse_list(text) == items


@pytest.mark.parametrize(
    ("text", "mapping"),
    [
        ("team=payments", {"team": "payments"}),
        ("a=1\nb = 2 \n", {"a": "1", "b": "2"}),
        ("description=Shop API, v2", {"description": "Shop API, v2"}),
        ("# a comment\na=1", {"a": "1"}),
        ("url=https://x/?q=1", {"url": "https://x/?q=1"}),
        ("org.opencontainers.image.title=Shop API", {"org.opencontainers.image.title": "Shop API"}),
        ("empty=", {"empty": ""}),
        ("", {}),
    ],
)
def test_parse_map(text: str, mapping: dict[str, str]) -> None:
    assert parse_map(text) == mapping


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("team=payments\nnoequals", "'noequals' is not a key=value pair"),
        ("=value", "'=value' is not a key=value pair"),
        ("bad key!=v", "key 'bad key!' (in 'bad key!=v') has characters that are not allowed"),
    ],
)
def test_parse_map_error_quotes_the_item(text: str, quoted: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_map(text, name="labels")
    assert f"input 'labels': {quoted}" in str(caught.value)


@pytest.mark.parametrize(
    "text, size",
    [
        ("1048576", 2**20),
        ("10MiB", 10 * 2**20),
        (" 512 KiB ", 512 * 2**10),
        ("10M", 10 * 2**20),
        ("10MB", 10**7),
    ],
)
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "0", "-1MiB", "ten MiB", "1.5MiB", "10 TiB"])
def test_parse_size_error_quotes_the_text_and_shows_the_form(text: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_size(text, name="max-file-size")
    assert f"input 'max-file-size': {text!r} is not a size" in str(caught.value)
    assert "10MiB" in str(caught.value)


def test_parse_int() -> None:
    assert parse_int(" 42 ") == 42
    assert parse_int("-1") == -1


@pytest.mark.parametrize("text", ["1.5", "ten", ""])
def test_parse_int_error_quotes_the_text(text: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_int(text, name="retries")
    assert f"input 'retries': {text!r} is not a whole number" in str(caught.value)


def test_parse_choice() -> None:
    mode = parse_choice(("edit", "commit", "pr"))
    assert mode(" pr ") == "pr"
    with pytest.raises(UserError) as caught:
        mode("PR!", name="mode")
    assert "input 'mode': 'PR!' is not one of edit, commit, pr" in str(caught.value)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "true"),
        (False, "false"),
        (3, "3"),
        (None, ""),
        (["a", "b"], "a\nb"),
        ({"k": "v", "n": 1}, "k=v\nn=1"),
    ],
)
def test_defaults_text(value: object, text: str) -> None:
    assert defaults_text(value) == text


def test_option_names() -> None:
    option = Option("infra-repo", "help")
    assert option.env_name == "INPUT_INFRA_REPO"
    assert option.env_names == ("INPUT_INFRA_REPO", "INPUT_INFRA-REPO")
    assert option.dest == "infra_repo"


# -- resolve() ---------------------------------------------------------------------------------

INFRA = Option("infra-repo", "the infra repo", default="builtin/infra")


@pytest.mark.parametrize(
    ("flag", "environ", "defaults", "expected"),
    [
        (
            "flag/infra",
            {"INPUT_INFRA_REPO": "env/infra"},
            {"infra-repo": "file/infra"},
            ("flag/infra", "flag"),
        ),
        (None, {"INPUT_INFRA_REPO": "env/infra"}, {"infra-repo": "file/infra"}, ("env/infra", "env")),
        (None, {"INPUT_INFRA-REPO": "runner/infra"}, {"infra-repo": "file/infra"}, ("runner/infra", "env")),
        (None, {"INPUT_INFRA_REPO": ""}, {"infra-repo": "file/infra"}, ("file/infra", "defaults")),
        (None, {}, {"infra-repo": "file/infra"}, ("file/infra", "defaults")),
        (None, {"INPUT_INFRA_REPO": ""}, {}, ("builtin/infra", "default")),
        ("", {"INPUT_INFRA_REPO": "env/infra"}, {}, ("", "flag")),
    ],
)
def test_resolve_order(
    flag: str | None, environ: dict[str, str], defaults: dict[str, object], expected: tuple[str, str]
) -> None:
    resolved = resolve(INFRA, flag, environ, defaults)
    assert (resolved.value, resolved.source) == expected


def test_a_repeated_flag_joins_as_a_list() -> None:
    option = Option("path", "globs", parse_list, "default/*", multiple=True)
    assert resolve(option, ["a/*", "b/*"], {"INPUT_PATH": "env/*"}, {}).value == ["a/*", "b/*"]
    assert resolve(option, [], {"INPUT_PATH": "env/*"}, {}).value == ["env/*"]


def test_a_flag_only_option_ignores_env_and_defaults() -> None:
    resolved = resolve(JSON_OPTION, None, {"INPUT_JSON": "true"}, {"json": True})
    assert (resolved.value, resolved.source) == (False, "default")


def test_values_from_the_defaults_file_are_parsed_like_env_text() -> None:
    tags = Option("tags", "tags", parse_list)
    assert resolve(tags, None, {}, {"tags": ["a", "b"]}).value == ["a", "b"]
    labels = Option("labels", "labels", parse_map)
    assert resolve(labels, None, {}, {"labels": {"team": "pay"}}).value == {"team": "pay"}
    push = Option("push", "push", parse_bool, "true")
    assert resolve(push, None, {}, {"push": False}).value is False


def test_a_bad_value_from_any_source_quotes_it() -> None:
    retries = Option("retries", "retries", parse_int, "3")
    with pytest.raises(UserError, match="'lots' is not a whole number"):
        resolve(retries, None, {"INPUT_RETRIES": "lots"}, {})
    with pytest.raises(UserError, match="'many' is not a whole number"):
        resolve(retries, None, {}, {"retries": "many"})


# -- through main.resolve_inputs and main.main ---------------------------------------------------

PROBE_OPTIONS = (
    INFRA,
    Option("tags", "tags", parse_list, "builtin-a,builtin-b"),
    Option("dry-run", "dry run", parse_bool, "false"),
    Option("retries", "retries", parse_int, "3"),
    Option("mode", "mode", parse_choice(("edit", "commit", "pr")), "edit"),
    Option("labels", "labels", parse_map),
    Option("password", "a secret", secret=True),
    Option("webhook-url", "another secret", secret=True),
    JSON_OPTION,
)


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """A throwaway command that records the values it was given."""
    seen: list[dict[str, Any]] = []

    def handler(ctx: Context, values: Values) -> int:
        seen.append(dict(values))
        return 0

    monkeypatch.setitem(COMMANDS, "probe", Command("probe", "probe", "probe", PROBE_OPTIONS, handler))
    return seen


def write_defaults(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gitops-ci.defaults.yml"
    path.write_text(text, encoding="utf-8")
    return path


def run_main(argv: list[str], environ: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(argv, environ, out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("argv", "environ", "yaml", "expected"),
    [
        (
            ["--infra-repo", "flag/infra"],
            {"INPUT_INFRA_REPO": "env/infra"},
            "probe: {infra-repo: a/b}",
            "flag/infra",
        ),
        ([], {"INPUT_INFRA_REPO": "env/infra"}, "probe: {infra-repo: file/infra}", "env/infra"),
        ([], {"INPUT_INFRA_REPO": ""}, "probe: {infra-repo: file/infra}", "file/infra"),
        ([], {}, "all: {infra-repo: all/infra}", "all/infra"),
        ([], {}, "all: {infra-repo: all/infra}\nprobe: {infra-repo: own/infra}", "own/infra"),
        ([], {"INPUT_INFRA_REPO": ""}, "", "builtin/infra"),
    ],
)
def test_main_resolves_in_order(
    probe: list[dict[str, Any]],
    tmp_path: Path,
    argv: list[str],
    environ: dict[str, str],
    yaml: str,
    expected: str,
) -> None:
    path = write_defaults(tmp_path, yaml)
    code, _, err = run_main(["probe", "--defaults-file", str(path), *argv], environ)
    assert (code, err) == (0, "")
    assert probe[-1]["infra_repo"] == expected


def test_main_parses_every_kind_from_every_source(probe: list[dict[str, Any]], tmp_path: Path) -> None:
    path = write_defaults(tmp_path, "probe:\n  tags: [x, y]\n  labels: {team: pay}\n  retries: 5\n")
    environ = {"INPUT_MODE": "pr", "INPUT_DRY_RUN": ""}
    code, _, _ = run_main(["probe", "--defaults-file", str(path), "--dry-run"], environ)
    assert code == 0
    values = probe[-1]
    assert values["tags"] == ["x", "y"]
    assert values["labels"] == {"team": "pay"}
    assert values["retries"] == 5
    assert values["mode"] == "pr"
    assert values["dry_run"] is True
    assert values["json"] is False


def test_main_reads_the_defaults_file_named_by_the_environment(
    probe: list[dict[str, Any]], tmp_path: Path
) -> None:
    path = write_defaults(tmp_path, "probe: {retries: 9}")
    assert run_main(["probe"], {"GITOPS_CI_DEFAULTS": str(path)})[0] == 0
    assert probe[-1]["retries"] == 9


def test_a_defaults_file_that_was_asked_for_must_exist(probe: list[dict[str, Any]], tmp_path: Path) -> None:
    code, _, err = run_main(["probe", "--defaults-file", str(tmp_path / "nope.yml")], {})
    assert code == 1
    assert "nope.yml does not exist" in err
    assert probe == []


def test_an_unknown_key_in_the_defaults_file_fails_the_command(
    probe: list[dict[str, Any]], tmp_path: Path
) -> None:
    path = write_defaults(tmp_path, "probe: {infra_repo: a/b}")
    code, _, err = run_main(["probe", "--defaults-file", str(path)], {})
    assert code == 1
    assert "unknown key 'infra_repo' in section 'probe'" in err
    assert "infra-repo" in err  # among the valid keys
    assert probe == []


def test_a_bad_input_fails_with_the_text_quoted(probe: list[dict[str, Any]], tmp_path: Path) -> None:
    path = write_defaults(tmp_path, "")
    code, _, err = run_main(["probe", "--defaults-file", str(path)], {"INPUT_RETRIES": "three"})
    assert code == 1
    assert "input 'retries': 'three' is not a whole number" in err


def test_resolve_inputs_directly(probe: list[dict[str, Any]], tmp_path: Path) -> None:
    path = write_defaults(tmp_path, "all: {mode: commit}\nprobe: {infra-repo: file/infra, mode: pr}")
    console = Console({}, io.StringIO(), io.StringIO())
    flags = {"defaults_file": str(path), "retries": "7", "infra_repo": None, "json": None}
    environ = {"INPUT_INFRA_REPO": "env/infra", "INPUT_RETRIES": "8", "INPUT_TAGS": ""}
    values = resolve_inputs(COMMANDS["probe"], flags, environ, console)
    assert values["infra_repo"] == "env/infra"
    assert values["retries"] == 7
    assert values["mode"] == "pr"
    assert values["tags"] == ["builtin-a", "builtin-b"]


@pytest.mark.parametrize(
    ("flags", "environ"),
    [
        ({}, {"INPUT_PASSWORD": "env-s3cret"}),
        ({"password": "flag-s3cret"}, {}),
        ({}, {"INPUT_WEBHOOK_URL": "https://hooks.example/T1/s3cret"}),
        ({}, {"INPUT_WEBHOOK-URL": "https://hooks.example/T2/s3cret"}),
    ],
)
def test_secret_inputs_are_masked_the_moment_they_are_read(
    probe: list[dict[str, Any]], tmp_path: Path, flags: dict[str, str], environ: dict[str, str]
) -> None:
    (secret,) = [*flags.values(), *environ.values()]
    out = io.StringIO()
    console = Console({"GITHUB_ACTIONS": "true"}, out, io.StringIO())
    flags = {"defaults_file": str(write_defaults(tmp_path, "")), **flags}
    values = resolve_inputs(COMMANDS["probe"], flags, environ, console)
    assert secret in values.values()
    assert f"::add-mask::{secret}" in out.getvalue().splitlines()
    assert console.redact(f"x {secret} y") == "x *** y"


@pytest.mark.parametrize(
    "bad",
    [
        "htps://hooks.slack.com/services/T/B/X",
        "ftp://h.test/x",
        "hooks.slack.com/services/T/B/X",
        "https:///x",
    ],
)
def test_parse_http_url_refuses_other_schemes_without_quoting_the_url(bad: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_http_url(bad, name="webhook-url")
    assert (
        "webhook-url" in str(caught.value)
        and "/services/" not in str(caught.value)
        and "h.test" not in str(caught.value)
    )


def test_parse_http_url_takes_http_and_https_and_nothing() -> None:
    assert parse_http_url(" https://h.test/x ") == "https://h.test/x"
    assert parse_http_url("http://127.0.0.1:8/x") == "http://127.0.0.1:8/x"
    assert parse_http_url("") == ""


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("fix: caf\udce9 cr\udce8me", "fix: caf\ufffd cr\ufffdme"),  # Latin-1 bytes, surrogateescaped
        ("lone \ud800 surrogate", "lone ? surrogate"),  # from a JSON escape: stands for no byte
        ("plain ünïcode", "plain ünïcode"),
    ],
)
def test_scrub_turns_invalid_utf8_into_replacement_characters(raw: str, clean: str) -> None:
    assert scrub(raw) == clean
    scrub(raw).encode("utf-8")
