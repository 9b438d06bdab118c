"""Input grammar and resolution: CLI flag > INPUT_<NAME> env var > fork defaults > built-in default.

The parsers are pure functions that quote the offending text on error.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from gitops_ci.errors import UserError
from gitops_ci.record import Record, field

if TYPE_CHECKING:  # datetime, shlex and urllib.parse load with the grammars that use them
    from datetime import datetime

_TRUE = {"true", "yes", "y", "on", "1"}
_FALSE = {"false", "no", "n", "off", "0", ""}


def parse_bool(text: str, *, name: str = "value") -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise UserError(
        f"input {name!r}: {text!r} is not a boolean",
        fix="use true or false (also accepted: yes/no, on/off, 1/0)",
    )


def parse_list(text: str, *, name: str = "value") -> list[str]:
    """Items separated by newlines or commas; blanks and `# comment` lines are dropped."""
    items: list[str] = []
    for line in text.splitlines():
        if line.strip().startswith("#"):
            continue
        items.extend(part.strip() for part in line.split(","))
    return [item for item in items if item]


def parse_map(text: str, *, name: str = "value") -> dict[str, str]:
    """`key=value` items, one per line; the value may contain `=` and `,` (label text often
    does), so unlike lists, commas do not separate items."""
    result: dict[str, str] = {}
    lines = (line.strip() for line in text.splitlines())
    for item in (line for line in lines if line and not line.startswith("#")):
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UserError(
                f"input {name!r}: {item!r} is not a key=value pair",
                fix="write one KEY=VALUE per line, for example `team=payments`",
            )
        if not re.fullmatch(r"[A-Za-z0-9_.\-/]+", key):
            raise UserError(
                f"input {name!r}: key {key!r} (in {item!r}) has characters that are not allowed",
                fix="keys may use letters, digits, `_`, `.`, `-` and `/`",
            )
        result[key] = value.strip()
    return result


def parse_int(text: str, *, name: str = "value") -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise UserError(f"input {name!r}: {text!r} is not a whole number") from None


_SIZE = re.compile(r"(\d+)\s*(B|KB|KiB|MB|MiB|GB|GiB|K|M|G)?", re.I)
_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9}
_UNITS.update({"k": 2**10, "kib": 2**10, "m": 2**20, "mib": 2**20, "g": 2**30, "gib": 2**30})


def parse_size(text: str, *, name: str = "value") -> int:
    """A size in bytes: `10MiB`, `512 KiB`, `10M` (binary), `10MB` (decimal) or plain bytes."""
    match = _SIZE.fullmatch(text.strip())
    if not match or int(match.group(1)) == 0:
        raise UserError(
            f"input {name!r}: {text!r} is not a size",
            fix="give a positive number of bytes with an optional unit, e.g. 10MiB, 512KiB or 1048576",
        )
    return int(match.group(1)) * _UNITS[(match.group(2) or "").lower()]


def deferred(module: str, grammar: str) -> Callable[..., Any]:
    """The grammar `module.grammar`, imported when a value is parsed: an engine's own grammar (tag
    rules, logins…) then costs nothing when `--help` only lists the options."""

    def parse(text: str, *, name: str = "value") -> Any:
        import importlib

        return getattr(importlib.import_module(module), grammar)(text, name=name)

    return parse


def deferred_choice(module: str, choices: str) -> Callable[..., str]:
    """`parse_choice` of the tuple `module.choices`, imported when a value is parsed."""

    def parse(text: str, *, name: str = "value") -> str:
        import importlib

        return parse_choice(tuple(getattr(importlib.import_module(module), choices)))(text, name=name)

    return parse


def parse_choice(choices: tuple[str, ...]) -> Callable[..., str]:
    def parse(text: str, *, name: str = "value") -> str:
        value = text.strip()
        if value not in choices:
            raise UserError(
                f"input {name!r}: {text!r} is not one of {', '.join(choices)}",
            )
        return value

    return parse


def parse_subset(choices: Sequence[str], *, what: str = "values") -> Callable[..., tuple[str, ...]]:
    """A comma or newline separated selection of `choices`, in the order given, without repeats."""

    def parse(text: str, *, name: str = "value") -> tuple[str, ...]:
        picked = tuple(dict.fromkeys(parse_list(text, name=name)))
        unknown = [item for item in picked if item not in choices]
        if unknown or not picked:
            named = f"unknown {what} " + ", ".join(unknown) if unknown else f"no {what.rstrip('s')}"
            raise UserError(
                f"input {name!r}: {text!r} names {named}", fix="choose from " + ", ".join(choices)
            )
        return picked

    return parse


def seconds(maximum: float | None = None, *, positive: bool = False) -> Callable[..., float]:
    """A number of seconds: at least 0 (more than 0 when `positive`), at most `maximum`."""

    def parse(text: str, *, name: str = "value") -> float:
        try:
            value = float(text.strip())
        except ValueError:
            value = float("nan")
        low_ok = value > 0 if positive else value >= 0
        if maximum is not None and not (low_ok and value <= maximum):
            raise UserError(f"input {name!r}: {text!r} is not a number of seconds between 0 and {maximum:g}")
        if value != value:  # NaN: not a number
            raise UserError(f"input {name!r}: {text!r} is not a number of seconds")
        if not low_ok:
            raise UserError(f"input {name!r}: {text!r} must not be negative")
        return value

    return parse


parse_seconds = seconds()


def parse_words(text: str, *, name: str = "value") -> tuple[str, ...]:
    """Arguments as a shell would split them (no expansion: nothing runs through a shell)."""
    import shlex

    try:
        return tuple(shlex.split(text))
    except ValueError as exc:
        raise UserError(f"input {name!r}: {text!r} cannot be split into arguments ({exc})") from None


def parse_percent(text: str, *, name: str = "value") -> float | None:
    """0 to 100, with or without `%`; blank is None (no threshold)."""
    if not text.strip():
        return None
    try:
        value = float(text.strip().rstrip("%"))
    except ValueError:
        value = -1.0
    if not 0 <= value <= 100:
        raise UserError(f"input {name!r}: {text!r} is not a percentage between 0 and 100")
    return value


def parse_full_sha(text: str, *, name: str = "value") -> str:
    """A full commit SHA (40 hex, or 64 for SHA-256 repos), lower-cased; blank stays blank."""
    fix = "give the infra commit's full 40-character SHA, e.g. bump-manifest's commit-sha output"
    return _sha(text, name, r"[0-9a-f]{40}|[0-9a-f]{64}", "a full commit SHA", fix)


def parse_commit(text: str, *, name: str = "value") -> str:
    """A commit SHA, full or abbreviated (7 hex digits at least), lower-cased; blank stays blank."""
    fix = "give the infra commit's SHA (7 to 40 hex digits), e.g. from `gitops-ci history`"
    return _sha(text, name, r"[0-9a-f]{7,64}", "a commit SHA", fix)


def _sha(text: str, name: str, pattern: str, what: str, fix: str) -> str:
    value = text.strip().lower()
    if value and not re.fullmatch(pattern, value):
        raise UserError(f"input {name!r}: {text.strip()!r} is not {what}", fix=fix)
    return value


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")
_DURATION = re.compile(r"(?:\d+(?:\.\d+)?[smhdw])+|\d+(?:\.\d+)?")
DURATION_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(text: str, *, name: str = "value") -> float | None:
    """A length of time in seconds: `30m`, `2h`, `1d`, `1w`, `1h30m`, or plain seconds (`90`);
    blank is None (no limit)."""
    value = text.strip().lower().replace(" ", "")
    if not value:
        return None
    if not _DURATION.fullmatch(value):
        raise UserError(
            f"input {name!r}: {text!r} is not a duration",
            fix="write a number with a unit, s, m, h, d or w (e.g. 30m, 2h, 1d, 1h30m), or plain seconds",
        )
    if not value[-1].isalpha():
        return float(value)
    return float(sum(float(n) * DURATION_UNITS[unit] for n, unit in _DURATION_PART.findall(value)))


def duration_text(seconds: float) -> str:
    """`1d 2h`, `2h 5m`, `30m`, `42s`: the two largest units, for messages."""
    left = max(int(seconds), 0)
    parts: list[str] = []
    for unit, size in DURATION_UNITS.items():
        if left >= size and len(parts) < 2:
            parts.append(f"{left // size}{unit}")
            left %= size
        elif parts:
            break
    return " ".join(parts) or "0s"


def utc_time(text: str) -> datetime | None:
    """An ISO 8601 time with its zone (git's `%cI`, GitHub's payloads, `...Z`) in UTC; else None."""
    from datetime import datetime, timezone

    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value.astimezone(timezone.utc) if value.tzinfo else None


def iso_utc(value: datetime) -> str:
    from datetime import timezone

    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str, *, name: str = "value") -> str:
    """An ISO 8601 time with its zone, as UTC `YYYY-MM-DDTHH:MM:SSZ`; blank stays unknown."""
    if not text.strip():
        return ""
    value = utc_time(text)
    if value is None:
        raise UserError(
            f"input {name!r}: {text!r} is not an ISO 8601 time with a zone",
            fix="write it as git prints it (`git log -1 --format=%cI`), e.g. 2026-12-01T09:30:00+01:00 "
            "or 2026-12-01T08:30:00Z",
        )
    return iso_utc(value)


def parse_str(text: str, *, name: str = "value") -> str:
    return text


def parse_http_url(text: str, *, name: str = "value") -> str:
    """An http:// or https:// URL with a host, or "" (not given). The message never quotes the
    URL (webhook URLs are secrets), only its scheme."""
    import urllib.parse

    value = text.strip()
    if not value:
        return ""
    parts = urllib.parse.urlsplit(value)
    if parts.scheme.lower() in ("http", "https") and parts.hostname:
        return value
    shown = (
        f"its scheme is {parts.scheme + '://'!r}" if "://" in value and parts.scheme else "it has no scheme"
    )
    if parts.scheme.lower() in ("http", "https"):
        shown = "it has no host"
    raise UserError(
        f"input {name!r} is not an http(s) URL: {shown}",
        fix=f"give {name} as the full URL the platform shows, starting with https://",
    )


def scrub(text: str) -> str:
    """Text from outside (environment, argv, an event file) that Python decoded with
    `surrogateescape` (or JSON `\\udcXX` escapes): invalid UTF-8 becomes U+FFFD, so that it can be
    printed, written and sent. A message must never be lost to its own text."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate that stands for no byte (from a JSON escape)
        return text.encode("utf-8", "replace").decode("utf-8")


Kind = Callable[..., Any]


class Option(Record):
    """One input of a command: its CLI flag, its `INPUT_*` variable and its defaults-file key."""

    name: str  # kebab-case, as in action.yml: `infra-repo`
    help: str
    kind: Kind = parse_str
    default: str = ""
    secret: bool = False
    multiple: bool = False  # a CLI flag that may be repeated; values join as a list
    flag_only: bool = False  # never read from the environment or defaults (e.g. --json)
    metavar: str | None = None
    choices: tuple[str, ...] = field(default=())
    # The secret parts of a value that is not secret as a whole (a URL's `user:password@`):
    # masked the moment the input is read, like a secret.
    secret_parts: Callable[[str], Sequence[str]] | None = None

    @property
    def env_name(self) -> str:
        return "INPUT_" + self.name.upper().replace("-", "_").replace(" ", "_")

    @property
    def env_names(self) -> tuple[str, str]:
        """Ours (`INPUT_INFRA_REPO`), then the runner's own spelling for JS actions (`INPUT_INFRA-REPO`)."""
        return (self.env_name, "INPUT_" + self.name.upper())

    @property
    def dest(self) -> str:
        return self.name.replace("-", "_")


def defaults_text(value: object) -> str:
    """A value from the YAML defaults file, as the text an `INPUT_*` variable would hold."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "\n".join(defaults_text(v) for v in value)
    if isinstance(value, Mapping):
        return "\n".join(f"{k}={defaults_text(v)}" for k, v in value.items())
    if value is None:
        return ""
    return str(value)


class Resolved(Record):
    value: Any
    source: str  # "flag" | "env" | "defaults" | "default"


def resolve(
    option: Option,
    flag_value: object,
    environ: Mapping[str, str],
    defaults: Mapping[str, object],
) -> Resolved:
    """Pick the first source that sets the option, then parse it with the option's grammar."""
    if flag_value is not None and flag_value != []:
        if isinstance(flag_value, list):
            text = "\n".join(str(v) for v in flag_value)
        else:
            text = str(flag_value)
        return Resolved(_parse(option, text), "flag")
    if not option.flag_only:
        for env_name in option.env_names:
            env_text = environ.get(env_name)
            # An action passes every input through env:, so an unset input arrives as "".
            if env_text is not None and env_text != "":
                return Resolved(_parse(option, env_text), "env")
        if option.name in defaults:
            return Resolved(_parse(option, defaults_text(defaults[option.name])), "defaults")
    return Resolved(_parse(option, option.default), "default")


def _parse(option: Option, text: str) -> Any:
    return option.kind(scrub(text), name=option.name)
