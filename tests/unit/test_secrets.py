"""The Redactor: every registered secret, and the forms it travels in, become ***."""

from __future__ import annotations

import base64
import json
import shlex
import urllib.parse

import pytest

from gitops_ci.secrets import MASK, Redactor, split_userinfo, url_secrets, userinfo_secrets

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


LONG = "ghs_QGtokenSecretForTheReportTest0123456789tTOKEN5566bb"


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        pytest.param("assert 'ghs_QGtokenS...tTOKEN5566bb' == 'x'", "assert '***...***' == 'x'", id="pytest"),
        pytest.param("| ghs_QGtokenSecr… |", "| ***… |", id="table-cut"),
        pytest.param("…5566bb and ...TOKEN5566bb", "…5566bb and ...***", id="suffix-8-or-more"),
        pytest.param("ghs_QGt... is too short a piece", "ghs_QGt... is too short a piece", id="under-8"),
        pytest.param(
            "ghs_QGtokenS is no piece without an ellipsis", "ghs_QGtokenS is no piece without an ellipsis"
        ),
    ],
)
def test_pieces_of_a_secret_next_to_an_ellipsis_are_masked(shown: str, expected: str) -> None:
    assert Redactor([LONG]).redact(shown) == expected


def test_an_xml_escaped_secret_is_replaced() -> None:
    assert Redactor(['a<b>"c&d']).redact('<failure message="a&lt;b&gt;&quot;c&amp;d"/>') == (
        f'<failure message="{MASK}"/>'
    )


@pytest.mark.parametrize(
    ("url", "bare", "user", "password"),
    [
        ("https://x-access-token:T0k@h.test/a/b.git", "https://h.test/a/b.git", "x-access-token", "T0k"),
        ("https://T0ken@h.test:8443/a/b.git", "https://h.test:8443/a/b.git", "T0ken", ""),
        ("http://al%40ice:p%2Fw%3A@h.test/x", "http://h.test/x", "al@ice", "p/w:"),
        ("ssh://git@h.test/a/b.git", "ssh://git@h.test/a/b.git", "", ""),
        ("git@github.com:a/b.git", "git@github.com:a/b.git", "", ""),
        ("acme/infra", "acme/infra", "", ""),
    ],
)
def test_split_userinfo(url: str, bare: str, user: str, password: str) -> None:
    assert split_userinfo(url) == (bare, user, password)


def test_userinfo_secrets_are_the_password_and_the_pair_or_a_bare_token() -> None:
    assert userinfo_secrets("https://alice:pw0rd@h.test/x") == ["pw0rd", "alice:pw0rd"]
    assert userinfo_secrets("https://T0kenValue@h.test/x") == ["T0kenValue"]
    assert userinfo_secrets("https://h.test/x") == []


@pytest.mark.parametrize(
    ("url", "secret", "not_secret"),
    [
        (
            "https://hooks.slack.com/services/T0001/B0002/XXXXsecret",
            ["T0001", "B0002", "XXXXsecret"],
            ["services"],
        ),
        (
            "https://discord.com/api/webhooks/123456789012345678/Tok_en-x",
            ["123456789012345678", "Tok_en-x"],
            ["api"],
        ),
        ("https://h.test/api/v10/webhooks/99/tokenvalue", ["tokenvalue"], ["webhooks"]),
        (
            "https://u:pa55word@h.test/hooks/build?key=s3cr3tvalue&wait=true",
            ["pa55word", "u:pa55word", "s3cr3tvalue"],
            ["true", "hooks", "build"],
        ),
        ("https://h.test/hook/a1b2c3d4e5f6/deploy", ["a1b2c3d4e5f6"], ["hook", "deploy"]),
    ],
)
def test_url_secrets(url: str, secret: list[str], not_secret: list[str]) -> None:
    parts = url_secrets(url)
    assert set(secret) <= set(parts)
    assert not set(not_secret) & set(parts)
