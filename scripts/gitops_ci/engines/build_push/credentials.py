"""Which build-arg names hold credentials. Build args are recorded in the image's history for
anyone who pulls it, so these go to the build as secrets (and are masked) instead.

Names are matched by word, not by substring: `AUTHOR` and `OAUTH_CALLBACK_PATH` are plain
settings, `NPM_TOKEN`, `dbPassword` and `AWS_SECRET_ACCESS_KEY` are credentials. A name is split
into words at `_`, `-`, `.` and lower-to-upper case changes; it is a credential when
- a word is TOKEN(S), PASSWORD(S), PASSWD, PASS, PASSPHRASE, SECRET(S), CREDENTIAL(S), CREDS,
  APIKEY, PRIVATEKEY or ACCESSKEY; or
- KEY or PWD is a word after another word (`API_KEY`, `SSH_KEY`, `DB_PWD`; `KEY` or `PWD` alone
  is not); or
- AUTH or OAUTH is the last word (`NPM_AUTH`, `BASIC_AUTH`) or is followed by HEADER
  (`AUTH_HEADER`); `AUTH_TOKEN` and `OAUTH_CLIENT_SECRET` count through their other word.
"""

from __future__ import annotations

import re

WORDS = frozenset(
    "TOKEN TOKENS PASSWORD PASSWORDS PASSWD PASS PASSPHRASE SECRET SECRETS CREDENTIAL CREDENTIALS "
    "CREDS APIKEY PRIVATEKEY ACCESSKEY".split()
)
AFTER_ANOTHER = frozenset({"KEY", "PWD"})
AUTH = frozenset({"AUTH", "OAUTH"})
_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def words(name: str) -> list[str]:
    """`OAuthCallbackPath` → O AUTH CALLBACK PATH; `db_password` → DB PASSWORD."""
    return [word.upper() for part in re.split(r"[_\-.]+", name) for word in _WORD.findall(part)]


def is_credential(name: str) -> bool:
    found = words(name)
    for index, word in enumerate(found):
        if word in WORDS or (index > 0 and word in AFTER_ANOTHER):
            return True
        if word in AUTH and (index == len(found) - 1 or found[index + 1] == "HEADER"):
            return True
    return False
