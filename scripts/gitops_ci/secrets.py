"""Secret redaction: every value registered here is replaced by *** wherever text leaves the tool."""

from __future__ import annotations

import base64
import json
import shlex
import urllib.parse
from typing import Iterable

MASK = "***"
_MIN_LEN = 3


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
        return text

    def redact_args(self, args: Iterable[str]) -> list[str]:
        return [self.redact(arg) for arg in args]


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
    return out
