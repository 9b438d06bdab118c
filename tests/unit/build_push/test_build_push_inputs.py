"""The build inputs' small grammars, the credential-named build arg rule and the failure message."""

from __future__ import annotations


import pytest

from gitops_ci.engines.build_push import core as pipeline
from gitops_ci.engines.build_push.login import parse_logins
from gitops_ci.engines.build_push.services import Services
from gitops_ci.engines.build_push.spec import Secret, parse_secrets
from gitops_ci.engines.build_push.verify import split_ref
from gitops_ci.errors import UserError
from testing.build_inputs import build_inputs
from gitops_ci.secrets import Redactor


def test_secrets_come_from_env_or_files() -> None:
    assert parse_secrets("NPM_TOKEN=env:NPM_TOKEN\n# c\nnetrc=file:/home/u/.netrc\n") == (
        Secret("NPM_TOKEN", "env", "NPM_TOKEN"),
        Secret("netrc", "file", "/home/u/.netrc"),
    )


@pytest.mark.parametrize("text", ["NPM_TOKEN=abc123", "NPM_TOKEN", "=env:X", "A=env:"])
def test_a_secret_given_inline_is_refused(text: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_secrets(text)
    assert "ID=env:VARIABLE or ID=file:PATH" in str(caught.value)


def test_logins_keep_colons_in_the_password() -> None:
    (login,) = parse_logins("docker.io=acme:p:a=ss\n")
    assert (login.registry, login.username, login.password) == ("docker.io", "acme", "p:a=ss")
    assert "p:a=ss" not in repr(login)


def test_a_bad_login_line_never_echoes_the_password() -> None:
    with pytest.raises(UserError) as caught:
        parse_logins("ghcr.io=hunter2-no-colon")
    assert "hunter2" not in str(caught.value)


INPUTS = build_inputs((("BASE_IMAGE", "python:3"), ("NPM_TOKEN", "tok-123"), ("db_password", "pw-456")))


def test_credential_named_build_args_become_secrets() -> None:
    spec, moved = pipeline.make_spec(INPUTS, ("ghcr.io/acme/app:1",), {})
    assert moved == ("NPM_TOKEN", "db_password")
    assert spec.build_args == ("BASE_IMAGE=python:3",)
    assert spec.secrets == (
        Secret("NPM_TOKEN", "env", "GITOPS_CI_BUILD_SECRET_NPM_TOKEN"),
        Secret("db_password", "env", "GITOPS_CI_BUILD_SECRET_db_password"),
    )
    assert pipeline.secret_env(INPUTS.build_args) == {
        "GITOPS_CI_BUILD_SECRET_NPM_TOKEN": "tok-123",
        "GITOPS_CI_BUILD_SECRET_db_password": "pw-456",
    }


BUILDAH_LOG = """\
STEP 1/3: FROM base
STEP 2/3: RUN make deps
ok
STEP 3/3: RUN make test
compiling
test_login FAILED: token tok-123 rejected
Error: building at STEP "RUN make test": exit status 2
"""


def test_a_failed_build_names_the_step_and_shows_its_log_tail_redacted() -> None:
    error = pipeline.build_failure(BUILDAH_LOG, 2, Services(Redactor(["tok-123"]), {}))
    assert str(error).startswith("the image build failed (exit code 2) at step: RUN make test")
    assert "test_login FAILED: token *** rejected" in str(error)
    assert "make deps" not in str(error)


@pytest.mark.parametrize(
    ("ref", "parts"),
    [
        ("127.0.0.1:5000/acme/app:1", ("127.0.0.1:5000", "acme/app", "1")),
        ("ghcr.io/acme/app:sha-1", ("ghcr.io", "acme/app", "sha-1")),
        ("acme/app:1", ("docker.io", "acme/app", "1")),
        ("docker.io/nginx:1", ("docker.io", "library/nginx", "1")),
    ],
)
def test_split_ref(ref: str, parts: tuple[str, str, str]) -> None:
    assert split_ref(ref) == parts
