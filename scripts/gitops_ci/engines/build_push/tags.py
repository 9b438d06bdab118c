"""Tag rules in docker/metadata-action's grammar, evaluated against a git context. Pure.

One rule per line, `key=value` attributes separated by commas:

    type=sha[,format=short|long]                 sha-1a2b3c4 (sha-<40 hex> with format=long)
    type=ref,event=branch|tag|pr                 main, feature-x, v1.2.3, pr-7
    type=semver,pattern={{version}}[,value=V]    1.2.3 (also {{major}}.{{minor}}, {{major}}, {{patch}})
    type=raw,value=TEXT                          TEXT

Every rule also takes `enable=true|false`, `prefix=` and `suffix=`. Values may use
`{{branch}}`, `{{tag}}`, `{{sha}}` and `{{is_default_branch}}`.

`latest=auto` adds `latest` only where users expect it: with a `type=semver` rule, for a
non-prerelease semver tag that is the highest such tag known in the checkout; without one,
for a push to the repository's default branch. `latest=true` always adds it, `false` never.
Pull request images are tagged from the head commit, never the merge commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gitops_ci.errors import UserError

if TYPE_CHECKING:  # the rules are parsed at the start; they are evaluated against one later
    from gitops_ci.engines.build_push.context import GitContext

MAX_TAG = 128
_PRIORITY = {"semver": 900, "ref": 600, "raw": 200, "sha": 100}
_KEYS = {
    "sha": {"format"},
    "ref": {"event"},
    "semver": {"pattern", "value"},
    "raw": {"value"},
}
_COMMON = {"type", "enable", "prefix", "suffix"}
_SEMVER = re.compile(
    r"^v?(?P<major>0|[1-9]\d*)\.(?P<minor>0|[1-9]\d*)\.(?P<patch>0|[1-9]\d*)"
    r"(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+(?P<build>[0-9A-Za-z.-]+))?$"
)
_EXPR = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
FIX = "write one rule per line, e.g. `type=ref,event=branch` or `type=semver,pattern={{version}}`"


@dataclass(frozen=True)
class Rule:
    type: str
    attrs: tuple[tuple[str, str], ...] = field(default=())
    text: str = ""

    def get(self, key: str, default: str = "") -> str:
        return dict(self.attrs).get(key, default)


@dataclass(frozen=True)
class Meta:
    tags: tuple[str, ...]  # tag names only, highest priority first; `latest` last
    version: str


@dataclass(frozen=True, order=True)
class SemVer:
    major: int
    minor: int
    patch: int
    pre: str = ""
    build: str = ""

    @property
    def version(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        return text + (f"-{self.pre}" if self.pre else "") + (f"+{self.build}" if self.build else "")


# -- parsing --------------------------------------------------------------------------------------


def parse_rules(text: str, *, name: str = "tags") -> tuple[Rule, ...]:
    """One rule per line (commas separate a rule's attributes, so they cannot separate rules)."""
    lines = (line.strip() for line in text.splitlines())
    return tuple(parse_rule(line, name=name) for line in lines if line and not line.startswith("#"))


def parse_rule(text: str, *, name: str = "tags") -> Rule:
    attrs: dict[str, str] = {}
    for part in (p.strip() for p in text.split(",")):
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise UserError(f"input {name!r}: {part!r} in rule {text!r} is not key=value", fix=FIX)
        attrs[key.strip()] = value.strip()
    kind = attrs.get("type", "")
    if kind not in _KEYS:
        raise UserError(
            f"input {name!r}: rule {text!r} has type {kind!r}", fix="use type=sha, ref, semver or raw"
        )
    unknown = sorted(set(attrs) - _COMMON - _KEYS[kind])
    if unknown:
        allowed = ", ".join(sorted((_COMMON | _KEYS[kind]) - {"type"}))
        raise UserError(
            f"input {name!r}: rule {text!r} has unknown key {unknown[0]!r}", fix=f"{kind}: {allowed}"
        )
    _check_rule(kind, attrs, text, name)
    return Rule(kind, tuple(attrs.items()), text)


def _check_rule(kind: str, attrs: dict[str, str], text: str, name: str) -> None:
    problems = {
        "ref": ("event", ("branch", "tag", "pr")),
        "sha": ("format", ("short", "long")),
    }
    if kind in problems:
        key, allowed = problems[kind]
        default = "short" if kind == "sha" else ""
        if attrs.get(key, default) not in allowed:
            raise UserError(f"input {name!r}: rule {text!r} needs {key}={'|'.join(allowed)}", fix=FIX)
    if kind == "raw" and not attrs.get("value"):
        raise UserError(f"input {name!r}: rule {text!r} needs value=TEXT", fix="e.g. type=raw,value=stable")
    if kind == "semver" and not attrs.get("pattern"):
        raise UserError(f"input {name!r}: rule {text!r} needs pattern=", fix="e.g. pattern={{version}}")


def parse_semver(text: str) -> SemVer | None:
    match = _SEMVER.match(text.strip())
    if not match:
        return None
    parts = match.groupdict()
    return SemVer(
        int(parts["major"]),
        int(parts["minor"]),
        int(parts["patch"]),
        parts["pre"] or "",
        parts["build"] or "",
    )


# -- evaluation -----------------------------------------------------------------------------------


def compute(rules: tuple[Rule, ...], ctx: GitContext, latest: str = "auto") -> Meta:
    """The tags these rules give for this context, and the version (the first tag's value)."""
    ranked = sorted(rules, key=lambda r: -_PRIORITY[r.type])  # stable: same priority keeps order
    tags: list[str] = []
    for rule in ranked:
        for tag in _rule_tags(rule, ctx):
            if tag not in tags:
                tags.append(tag)
    version = tags[0] if tags else ""
    if _wants_latest(rules, ctx, latest) and "latest" not in tags:
        tags.append("latest")
    if not tags:
        raise UserError(
            f"no tag rule gives a tag for this event "
            f"({ctx.event_name or 'no event'}, ref {ctx.ref or 'none'})",
            fix="add a rule that always applies, e.g. `type=sha`, to the tags input",
        )
    return Meta(tuple(tags), version or tags[0])


def _rule_tags(rule: Rule, ctx: GitContext) -> list[str]:
    if not _bool(expand(rule.get("enable", "true"), ctx), rule):
        return []
    values = _VALUES[rule.type](rule, ctx)
    prefix = expand(rule.get("prefix", _DEFAULT_PREFIX.get((rule.type, rule.get("event")), "")), ctx)
    suffix = expand(rule.get("suffix"), ctx)
    out = [sanitize(prefix + value + suffix) for value in values]
    return [tag for tag in out if tag]


def _sha_values(rule: Rule, ctx: GitContext) -> list[str]:
    if not ctx.sha:
        return []
    return [ctx.sha if rule.get("format", "short") == "long" else ctx.sha[:7]]


def _ref_values(rule: Rule, ctx: GitContext) -> list[str]:
    event = rule.get("event")
    if event == "pr":
        return [str(ctx.pr_number)] if ctx.is_pull_request else []
    if event == "branch":
        return [ctx.branch] if ctx.branch and not ctx.is_pull_request else []
    return [ctx.tag] if ctx.tag else []


def _semver_values(rule: Rule, ctx: GitContext) -> list[str]:
    version = parse_semver(expand(rule.get("value"), ctx) or ctx.tag)
    if version is None:
        return []
    pattern = rule.get("pattern")
    if version.pre and "{{version}}" not in pattern.replace(" ", ""):
        return []  # pre-releases move often: they only get their own full version
    if version.major == 0 and "{{major}}" == pattern.replace(" ", ""):
        return []  # 0.x is unstable: a bare `0` tag would promise compatibility nobody gives
    fields = {"version": version.version, "major": str(version.major), "minor": str(version.minor)}
    fields["patch"] = str(version.patch)
    return [_EXPR.sub(lambda m: fields.get(m.group(1), m.group(0)), pattern)]


def _raw_values(rule: Rule, ctx: GitContext) -> list[str]:
    return [expand(rule.get("value"), ctx)]


_VALUES = {"sha": _sha_values, "ref": _ref_values, "semver": _semver_values, "raw": _raw_values}
_DEFAULT_PREFIX = {("sha", ""): "sha-", ("ref", "pr"): "pr-"}


def expand(text: str, ctx: GitContext) -> str:
    """Replace `{{branch}}`, `{{tag}}`, `{{sha}}` and `{{is_default_branch}}` in a rule's value."""
    fields = {
        "branch": ctx.branch or ctx.pr_head_ref,
        "tag": ctx.tag,
        "sha": ctx.sha[:7],
        "is_default_branch": "true" if is_default_branch(ctx) else "false",
    }

    def replace(match: re.Match[str]) -> str:
        if match.group(1) not in fields:
            raise UserError(
                f"input 'tags': unknown expression {match.group(0)!r} in {text!r}",
                fix="known: {{branch}}, {{tag}}, {{sha}}, {{is_default_branch}}",
            )
        return fields[match.group(1)]

    return _EXPR.sub(replace, text)


def is_default_branch(ctx: GitContext) -> bool:
    return bool(ctx.default_branch) and ctx.branch == ctx.default_branch and not ctx.is_pull_request


def _bool(text: str, rule: Rule) -> bool:
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    raise UserError(f"input 'tags': enable={text!r} in rule {rule.text!r} is not true or false")


def sanitize(tag: str) -> str:
    """A valid tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`; `/` and other characters become `-`."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", tag).lstrip(".-")
    return cleaned[:MAX_TAG]


# -- latest ---------------------------------------------------------------------------------------


def _wants_latest(rules: tuple[Rule, ...], ctx: GitContext, latest: str) -> bool:
    if latest in ("true", "false"):
        return latest == "true"
    if any(rule.type == "semver" for rule in rules):
        return _is_highest_release(ctx)
    return ctx.event_name == "push" and is_default_branch(ctx)


def needs_known_tags(rules: tuple[Rule, ...], ref: str, latest: str) -> bool:
    """Whether `latest` depends on the checkout's other tags: `auto` with a semver rule, for a
    release tag. Only then are they read (`git tag --list`)."""
    tag = ref[len("refs/tags/") :] if ref.startswith("refs/tags/") else ""
    current = parse_semver(tag) if tag else None
    semver = any(rule.type == "semver" for rule in rules)
    return latest == "auto" and semver and current is not None and not current.pre


def _is_highest_release(ctx: GitContext) -> bool:
    current = parse_semver(ctx.tag) if ctx.tag else None
    if current is None or current.pre:
        return False
    known = (parse_semver(tag) for tag in ctx.known_tags)
    releases = [v for v in known if v is not None and not v.pre]
    return all(_key(current) >= _key(other) for other in releases)


def _key(version: SemVer) -> tuple[int, int, int]:
    return (version.major, version.minor, version.patch)
