"""Inputs refused (or accepted) before any builder runs: credential-named build args by word,
and platforms against the OCI list. Through the CLI, on a PATH with no builder at all."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from gitops_ci.engines.build_push import core as pipeline
from gitops_ci.engines.build_push.credentials import is_credential
from gitops_ci.engines.build_push.platforms import check_platform
from gitops_ci.engines.build_push.spec import Secret
from gitops_ci.errors import UserError
from gitops_ci.main import main
from testing.build_inputs import build_inputs

CREDENTIALS = [
    "NPM_TOKEN",
    "GITHUB_TOKEN",
    "token",
    "db_password",
    "dbPassword",
    "DB_PASSWD",
    "DB_PASS",
    "DB_PWD",
    "CLIENT_SECRET",
    "OAUTH_CLIENT_SECRET",
    "AWS_SECRET_ACCESS_KEY",
    "API_KEY",
    "apiKey",
    "APIKEY",
    "SSH_PRIVATE_KEY",
    "SIGNING-KEY",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "REGISTRY_CREDS",
    "AUTH_TOKEN",
    "OAuthToken",
    "NPM_AUTH",
    "BASIC_AUTH",
    "AUTH_HEADER",
    "GPG_PASSPHRASE",
]
PLAIN = [
    "AUTHOR",
    "OAUTH_CALLBACK_PATH",
    "OAuthCallbackPath",
    "AUTH_URL",
    "AUTHORIZATION_SERVER_URL",
    "BASE_IMAGE",
    "KEY",
    "KEYBOARD_LAYOUT",
    "MONKEY_BUSINESS",
    "PWD",
    "PASSENGER_MODE",
    "TOKENIZER_MODEL",
    "SECRETARY_NAME",
    "BYPASS_CACHE",
    "VERSION",
]


@pytest.mark.parametrize("name", CREDENTIALS)
def test_credential_names_are_matched_by_word(name: str) -> None:
    assert is_credential(name)


@pytest.mark.parametrize("name", PLAIN)
def test_names_that_only_contain_a_credential_word_are_plain(name: str) -> None:
    assert not is_credential(name)


def test_author_and_oauth_callback_reach_the_build_as_args() -> None:
    args = (("AUTHOR", "acme-team"), ("OAUTH_CALLBACK_PATH", "/cb"), ("NPM_AUTH", "bnBtOnNlY3JldA=="))
    inputs = build_inputs(args)
    spec, moved = pipeline.make_spec(inputs, ("ghcr.io/acme/app:1",), {})
    assert spec.build_args == ("AUTHOR=acme-team", "OAUTH_CALLBACK_PATH=/cb")
    assert moved == ("NPM_AUTH",)
    assert spec.secrets == (Secret("NPM_AUTH", "env", "GITOPS_CI_BUILD_SECRET_NPM_AUTH"),)
    assert pipeline.secret_env(args) == {"GITOPS_CI_BUILD_SECRET_NPM_AUTH": "bnBtOnNlY3JldA=="}


def cli(tmp_path: Path, *args: str) -> tuple[int, str]:
    """build-and-push on a PATH without docker, buildah or podman (git only): anything refused
    here is refused before a builder is looked for."""
    (tmp_path / "Dockerfile").write_text("FROM scratch\n", encoding="utf-8")
    git_only = tmp_path / "git-only"
    git_only.mkdir()
    (git_only / "git").symlink_to(shutil.which("git") or "git")
    defaults = tmp_path / "defaults.yml"
    defaults.write_text("", encoding="utf-8")
    env = {
        "PATH": str(git_only),
        "GITOPS_CI_DEFAULTS": str(defaults),
        "GITHUB_ACTIONS": "true",
        "GITHUB_SHA": "a" * 40,
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_EVENT_NAME": "push",
    }
    out = io.StringIO()
    argv = ["build-and-push", "--image", "127.0.0.1:5000/acme/app", "--context", str(tmp_path), *args]
    return main(argv, env, out, io.StringIO()), out.getvalue()


def test_plain_build_args_are_not_masked_and_credentials_are(tmp_path: Path) -> None:
    code, out = cli(tmp_path, "--build-args", "AUTHOR=acme-team\nNPM_TOKEN=tok-9f8e7d")
    assert code == 1 and "no container builder found" in out  # got as far as looking for a builder
    assert "::add-mask::tok-9f8e7d" in out
    assert "::add-mask::acme-team" not in out


@pytest.mark.parametrize(
    "platform",
    ["linux/amd64", "linux/arm64", "linux/arm64/v8", "linux/arm/v7", "linux/amd64/v3", "windows/amd64"],
)
def test_valid_platforms_pass(platform: str) -> None:
    assert check_platform(platform) == platform


@pytest.mark.parametrize(
    ("platforms", "why"),
    [
        ("linux/nonsense", "unknown architecture 'nonsense'; valid: 386, amd64, arm, arm64"),
        ("linux/x86_64", "unknown architecture 'x86_64' (x86_64 is written amd64)"),
        ("linux/aarch64", "(aarch64 is written arm64)"),
        ("linix/amd64", "unknown OS 'linix'; valid: aix, android, darwin"),
        ("linux/arm/v9", "unknown variant 'v9' for arm; valid: v5, v6, v7, v8"),
        ("linux/arm64/v7", "unknown variant 'v7' for arm64; valid: v8"),
        ("linux/amd64/v5", "unknown variant 'v5' for amd64; valid: v1, v2, v3, v4"),
        ("linux/386/v1", "unknown variant 'v1' for 386; valid: none"),
        ("amd64", "it is not OS/ARCH or OS/ARCH/VARIANT"),
        ("linux/amd64/v2/x", "it is not OS/ARCH or OS/ARCH/VARIANT"),
        ("linux/amd64,linux//v7", "it is not OS/ARCH or OS/ARCH/VARIANT"),
    ],
)
def test_an_unknown_platform_is_refused_before_the_build_with_the_valid_ones(
    tmp_path: Path, platforms: str, why: str
) -> None:
    code, out = cli(tmp_path, "--platforms", platforms)
    assert code == 1
    (error,) = [line for line in out.splitlines() if line.startswith("::error::")]
    assert "is not a valid platform" in error and why in error, error
    assert "e.g. `linux/amd64,linux/arm64`" in error


def test_the_platform_check_quotes_the_input() -> None:
    with pytest.raises(UserError) as caught:
        check_platform("linux/nonsense")
    assert str(caught.value).startswith("input 'platforms': 'linux/nonsense' is not a valid platform")
