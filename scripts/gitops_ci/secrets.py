"""Secret redaction: every value registered here is replaced by *** wherever text leaves the tool."""

from __future__ import annotations

import base64
import json
import re
import shlex
import urllib.parse
from typing import Iterable

MASK = "***"
_MIN_LEN = 3
# A shortened value (pytest's `'ghs_QGtokenS...tTOKEN5566bb'`, a `…` in a table) still gives a
# secret away in pieces: a prefix of at least this many characters before an ellipsis, or a
# suffix after one, is masked too.
FRAGMENT_MIN = 8
_ELLIPSIS = re.compile(r"\.\.\.|…")


class Redactor:
    """Holds the secrets of one run; ``redact`` removes them (and common encodings) from text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> list[str]:
        """Register a secret; return the new strings to mask (the value, its lines, encodings)."""
        added: list[str] = []
        for variant in _variants(secret):
            if len(variant) >= _MIN_LEN and variant not in self._secrets:
                self._secrets.add(variant)
                added.append(variant)
        return added

    @property
    def secrets(self) -> frozenset[str]:
        return frozenset(self._secrets)

    def redact(self, text: str) -> str:
        # Longest first, so a secret that contains another is replaced whole.
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, MASK)
        if "..." in text or "…" in text:
            text = self._redact_fragments(text)
        return text

    def _redact_fragments(self, text: str) -> str:
        """Mask a secret's prefix that ends at an ellipsis and a secret's suffix that starts after one."""
        long = [s for s in self._secrets if len(s) > FRAGMENT_MIN]
        reach = max((len(s) for s in long), default=0)  # a piece is shorter than its secret
        spans: list[tuple[int, int]] = []
        for mark in _ELLIPSIS.finditer(text):
            head, tail = (
                text[max(0, mark.start() - reach) : mark.start()],
                text[mark.end() : mark.end() + reach],
            )
            # A piece of a secret holds the 8 characters next to the ellipsis: test that first.
            near_head, near_tail = head[-FRAGMENT_MIN:], tail[:FRAGMENT_MIN]
            before = max([_prefix_at_end(head, s) for s in long if near_head in s] or [0])
            after = max([_suffix_at_start(tail, s) for s in long if near_tail in s] or [0])
            if before:
                spans.append((mark.start() - before, mark.start()))
            if after:
                spans.append((mark.end(), mark.end() + after))
        pieces, done = [], 0
        for start, end in _merged(spans):
            pieces += [text[done:start], MASK]
            done = end
        return "".join(pieces) + text[done:]

    def redact_args(self, args: Iterable[str]) -> list[str]:
        return [self.redact(arg) for arg in args]


def _prefix_at_end(text: str, secret: str) -> int:
    """The length of the longest proper prefix of `secret` (>= FRAGMENT_MIN) that `text` ends with."""
    for k in range(min(len(secret) - 1, len(text)), FRAGMENT_MIN - 1, -1):
        if text.endswith(secret[:k]):
            return k
    return 0


def _suffix_at_start(text: str, secret: str) -> int:
    """The length of the longest proper suffix of `secret` (>= FRAGMENT_MIN) that `text` starts with."""
    for k in range(min(len(secret) - 1, len(text)), FRAGMENT_MIN - 1, -1):
        if text.startswith(secret[-k:]):
            return k
    return 0


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


def split_userinfo(url: str) -> tuple[str, str, str]:
    """An http(s) URL without its `user:password@` part, the user and the password (both
    percent-decoded). Other URLs (ssh, scp-like, paths) come back unchanged, with no user."""
    text = url.strip()
    parts = urllib.parse.urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or "@" not in parts.netloc:
        return text, "", ""
    userinfo, _, host = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    bare = urllib.parse.urlunsplit(parts._replace(netloc=host))
    return bare, urllib.parse.unquote(user), urllib.parse.unquote(password)


def userinfo_secrets(url: str) -> list[str]:
    """The secret texts of a URL's `user:password@` part: the password and the pair (a bare
    `TOKEN@` is the token itself). The user alone is not secret when a password follows it."""
    _, user, password = split_userinfo(url)
    if password:
        return [password, f"{user}:{password}"]
    return [user] if user else []


# Path prefixes of known platforms after which every segment is a credential: Slack's
# /services/T…/B…/XXXX, Discord's /api[/vN]/webhooks/ID/TOKEN.
_SECRET_AFTER = re.compile(r"^/(?:services|api(?:/v\d+)?/webhooks)/(?P<rest>.+)$")
QUERY_VALUE_MIN = 6  # shorter values are settings (`wait=true`, `v=2`), not credentials


def url_secrets(url: str) -> list[str]:
    """Every secret part of a webhook URL, each on its own (a server's error text may echo any
    of them): the userinfo, query values, the path and its token-like segments."""
    parts = urllib.parse.urlsplit(url.strip())
    out = userinfo_secrets(url)
    out += [
        v for _, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True) if len(v) >= QUERY_VALUE_MIN
    ]
    out += [p for p in (parts.path, parts.query) if len(p) >= FRAGMENT_MIN]
    known = _SECRET_AFTER.match(parts.path)
    segments = [urllib.parse.unquote(s) for s in (known["rest"] if known else parts.path).split("/") if s]
    out += segments if known else [s for s in segments if _random_looking(s)]
    return [s for s in out if s]


def _random_looking(segment: str) -> bool:
    """A path segment that reads like a key: long, or mixing letters and digits."""
    if len(segment) >= 20:
        return True
    return (
        len(segment) >= FRAGMENT_MIN
        and any(c.isdigit() for c in segment)
        and any(c.isalpha() for c in segment)
    )


def _variants(secret: str) -> list[str]:
    value = secret.strip()
    if len(value) < _MIN_LEN:  # too short to mask; its encodings would only mangle other text
        return []
    out = [value]
    out.extend(line.strip() for line in value.splitlines() if line.strip())
    out.append(urllib.parse.quote(value, safe=""))
    out.append(base64.b64encode(value.encode()).decode())
    # How git and curl send a token: base64("x-access-token:<token>") in a Basic header.
    out.append(base64.b64encode(f"x-access-token:{value}".encode()).decode())
    # How it reads inside a JSON document (--json, outputs that hold a list or map): `"` → `\"`.
    out.append(json.dumps(value)[1:-1])
    out.append(json.dumps(value, ensure_ascii=False)[1:-1])
    out.append(repr(value)[1:-1])  # as a `{value!r}` in a message or traceback shows it
    out.append(shlex.quote(value))  # as a logged command line shows it
    out.append(_xml_escape(value, {'"': "&quot;", "'": "&apos;"}))  # inside a JUnit XML report
    out.append(_xml_escape(value, {'"': "&quot;"}))
    return out


def _xml_escape(value: str, entities: dict[str, str]) -> str:
    """xml.sax.saxutils.escape, which would import urllib.request (~40 ms at every start)."""
    for char, entity in {"&": "&amp;", ">": "&gt;", "<": "&lt;", **entities}.items():
        value = value.replace(char, entity)
    return value
