"""gitops-ci.defaults.yml: validation errors name the bad key and list the valid ones."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from gitops_ci import defaults
from gitops_ci.commands import load_all
from gitops_ci.errors import UserError
from gitops_ci.main import main

KNOWN = {
    "build-and-push": frozenset({"registry", "image", "push"}),
    "notify": frozenset({"channel", "webhook-url"}),
}

COMMANDS = load_all()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / defaults.FILE_NAME
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file_loads_its_sections(tmp_path: Path) -> None:
    path = write(tmp_path, "all:\n  registry: r.example\nnotify:\n  channel: slack\n")
    assert defaults.load(path, KNOWN) == {"all": {"registry": "r.example"}, "notify": {"channel": "slack"}}


@pytest.mark.parametrize("text", ["", "# only a comment\n", "notify:\n"])
def test_empty_file_or_section_means_no_defaults(tmp_path: Path, text: str) -> None:
    sections = defaults.load(write(tmp_path, text), KNOWN)
    assert defaults.for_command(sections, "notify") == {}


def test_a_missing_file_means_no_defaults(tmp_path: Path) -> None:
    assert defaults.load(tmp_path / "absent.yml", KNOWN) == {}


def test_a_missing_file_that_was_asked_for_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(UserError) as caught:
        defaults.load(tmp_path / "absent.yml", KNOWN, required=True)
    assert f"{tmp_path / 'absent.yml'} does not exist" in str(caught.value)
    assert defaults.ENV_OVERRIDE in str(caught.value)


def test_an_unknown_section_is_named_with_the_valid_ones(tmp_path: Path) -> None:
    with pytest.raises(UserError) as caught:
        defaults.load(write(tmp_path, "notfy:\n  channel: slack\n"), KNOWN)
    assert "unknown section 'notfy'" in str(caught.value)
    assert "valid sections: all, build-and-push, notify" in str(caught.value)


def test_an_unknown_key_is_named_with_the_valid_ones(tmp_path: Path) -> None:
    with pytest.raises(UserError) as caught:
        defaults.load(write(tmp_path, "build-and-push:\n  registy: r.example\n"), KNOWN)
    assert "unknown key 'registy' in section 'build-and-push'" in str(caught.value)
    assert "valid keys there: image, push, registry" in str(caught.value)


def test_the_all_section_accepts_the_keys_of_every_command(tmp_path: Path) -> None:
    sections = defaults.load(write(tmp_path, "all:\n  registry: r.example\n  channel: teams\n"), KNOWN)
    assert sections["all"] == {"registry": "r.example", "channel": "teams"}


def test_an_unknown_key_in_all_lists_every_command_key(tmp_path: Path) -> None:
    with pytest.raises(UserError) as caught:
        defaults.load(write(tmp_path, "all:\n  colour: blue\n"), KNOWN)
    assert "unknown key 'colour' in section 'all'" in str(caught.value)
    assert "valid keys there: channel, image, push, registry, webhook-url" in str(caught.value)


def test_a_command_section_overrides_all(tmp_path: Path) -> None:
    text = "all:\n  registry: from-all\n  image: all/image\nbuild-and-push:\n  registry: from-section\n"
    sections = defaults.load(write(tmp_path, text), KNOWN)
    assert defaults.for_command(sections, "build-and-push") == {
        "registry": "from-section",
        "image": "all/image",
    }
    assert defaults.for_command(sections, "notify") == {"registry": "from-all", "image": "all/image"}


@pytest.mark.parametrize("text", ["all: [unclosed\n", "all:\n  registry: a\n registry: b\n", "a: b: c\n"])
def test_bad_yaml_is_a_user_error(tmp_path: Path, text: str) -> None:
    with pytest.raises(UserError) as caught:
        defaults.load(write(tmp_path, text), KNOWN)
    assert "is not valid YAML" in str(caught.value)
    assert "Why: " in str(caught.value)


def test_a_duplicate_key_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError) as caught:
        defaults.load(write(tmp_path, "notify:\n  channel: slack\n  channel: teams\n"), KNOWN)
    assert "is not valid YAML" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- notify\n", "must be a mapping of sections, not list"),
        ("notify: slack\n", "section 'notify' must map input names to values"),
    ],
)
def test_wrong_shapes_are_user_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(UserError) as caught:
        defaults.load(write(tmp_path, text), KNOWN)
    assert message in str(caught.value)


def test_default_path_honours_the_override_variable(tmp_path: Path) -> None:
    assert defaults.default_path({}) == defaults.SUITE_ROOT / defaults.FILE_NAME
    assert defaults.default_path({defaults.ENV_OVERRIDE: ""}) == defaults.SUITE_ROOT / defaults.FILE_NAME
    assert defaults.default_path({defaults.ENV_OVERRIDE: str(tmp_path / "d.yml")}) == tmp_path / "d.yml"


def test_the_suites_own_defaults_file_is_valid() -> None:
    known = {c.name: c.input_names for c in COMMANDS.values()}
    path = defaults.SUITE_ROOT / defaults.FILE_NAME
    assert path.is_file()
    sections = defaults.load(path, known, required=True)
    assert set(sections) <= {"all", *known}


def test_a_secret_in_the_defaults_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "defaults.yml"
    path.write_text("notify:\n  webhook-url: https://hooks.example/T0/B0/xyz\n", encoding="utf-8")
    with pytest.raises(UserError) as caught:
        defaults.load(
            path, {"notify": frozenset({"webhook-url", "channel"})}, secret_keys=frozenset({"webhook-url"})
        )
    message = str(caught.value)
    assert "'webhook-url' in section 'notify' is a secret" in message
    assert "secrets.NAME" in message
    assert "xyz" not in message


def test_main_refuses_a_token_in_the_defaults_file(tmp_path: Path) -> None:
    path = tmp_path / "defaults.yml"
    path.write_text("all:\n  token: ghp_notarealtoken1234\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = main(["history", "--defaults-file", str(path)], environ={}, stdout=out, stderr=err)
    assert code == 1
    assert "'token' in section 'all' is a secret" in err.getvalue()
    assert "ghp_notarealtoken1234" not in out.getvalue() + err.getvalue()
