"""The Redactor: every registered secret, and the forms it travels in, become ***."""

from __future__ import annotations

import base64
import json
import shlex
import urllib.parse

import pytest

from gitops_ci.secrets import MASK, Redactor

SECRET = "Pa55-'w\"rd-ünï/+=&core"


def test_a_registered_secret_is_replaced() -> None:
    redactor = Redactor([SECRET])
    assert redactor.redact(f"password is {SECRET}.") == f"password is {MASK}."


@pytest.mark.parametrize(
    "form",
    [
        pytest.param(base64.b64encode(SECRET.encode()).decode(), id="base64"),
        pytest.param(base64.b64encode(f"x-access-token:{SECRET}".encode()).decode(), id="basic-auth"),
        pytest.param(urllib.parse.quote(SECRET, safe=""), id="url-encoded"),
        pytest.param(urllib.parse.quote_plus(SECRET), id="url-encoded-plus"),
        pytest.param(json.dumps(SECRET)[1:-1], id="json-escaped"),
        pytest.param(json.dumps(SECRET, ensure_ascii=False)[1:-1], id="json-escaped-unicode"),
        pytest.param(repr(SECRET)[1:-1], id="python-repr"),
        pytest.param(shlex.quote(SECRET), id="shell-quoted"),
    ],
)
def test_encoded_forms_are_replaced(form: str) -> None:
    redactor = Redactor([SECRET])
    assert redactor.redact(f"<{form}>") == f"<{MASK}>"


def test_each_line_of_a_multiline_secret_is_replaced() -> None:
    redactor = Redactor(["-----BEGIN KEY-----\nMIIEabcdef\n-----END KEY-----"])
    assert redactor.redact("key line: MIIEabcdef") == f"key line: {MASK}"


def test_the_longest_secret_is_replaced_whole() -> None:
    redactor = Redactor(["abc", "abcdef"])
    assert redactor.redact("x abcdef y abc") == f"x {MASK} y {MASK}"


def test_secrets_shorter_than_three_characters_are_ignored() -> None:
    redactor = Redactor(["ab", "  ", ""])
    assert redactor.secrets == frozenset()
    assert redactor.redact("a tab b") == "a tab b"


def test_add_returns_only_new_strings_to_mask() -> None:
    redactor = Redactor()
    first = redactor.add("s3cr3t-token")
    assert "s3cr3t-token" in first
    assert base64.b64encode(b"s3cr3t-token").decode() in first
    assert redactor.add("s3cr3t-token") == []


def test_surrounding_whitespace_is_not_part_of_the_secret() -> None:
    redactor = Redactor(["  s3cr3t-token\n"])
    assert redactor.redact("[s3cr3t-token]") == f"[{MASK}]"


def test_redact_args_redacts_each_argument() -> None:
    redactor = Redactor(["s3cr3t-token"])
    assert redactor.redact_args(["curl", "-u", "me:s3cr3t-token"]) == ["curl", "-u", f"me:{MASK}"]
