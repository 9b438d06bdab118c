"""Pure text for the write-back: commit message and trailers, PR branch name, title and body."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping, Sequence

from gitops_ci.errors import UserError

if TYPE_CHECKING:  # the templates' defaults and placeholders are read by `--help`
    from gitops_ci.engines.bump.model import FileEdit, Plan, Target

DEFAULT_MESSAGE = "Deploy {image_name}:{tag}{to_environment}"
DEFAULT_BRANCH = "gitops-ci/{environment}/{image_name}"
BODY_LIMIT = 60000  # GitHub refuses a body over 65536 characters
_SHA = re.compile(r"[0-9a-f]{7,40}")
PLACEHOLDERS = (
    "image, image_name, tag, digest, reference, environment, to_environment, "
    "source_repository, source_commit, source_short, actor, run_url"
)


@dataclass(frozen=True)
class Source:
    """Where the deployment comes from: the app repo's run (the command fills it from the run
    context; scrubbed there)."""

    repository: str = ""
    commit: str = ""
    actor: str = ""
    run_url: str = ""
    server_url: str = "https://github.com"
    time: str = ""  # the source commit's time, UTC ISO 8601 (`iso_utc`); "" when unknown

    def commit_url(self) -> str:
        if not (self.repository and self.commit):
            return ""
        return f"{self.server_url}/{self.repository}/commit/{self.commit}"


def fields(targets: Sequence[Target], environment: str, source: Source) -> dict[str, str]:
    first = targets[0]
    more = f" (+{len(targets) - 1} more)" if len(targets) > 1 else ""
    return {
        "image": first.repository,
        "image_name": "+".join(t.repository.rsplit("/", 1)[-1] for t in targets),
        "tag": (first.tag or first.digest or "") + more,
        "digest": first.digest or "",
        "reference": first.reference + more,
        "environment": environment,
        "to_environment": f" to {environment}" if environment else "",
        "source_repository": source.repository,
        "source_commit": source.commit,
        "source_short": source.commit[:7],
        "actor": source.actor,
        "run_url": source.run_url,
    }


def render(template: str, values: Mapping[str, str], *, name: str) -> str:
    import string  # here: the templates' defaults are read by every `--help` of the write-back

    try:
        keys = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
        unknown = sorted(k for k in keys if k not in values)
        if unknown:
            raise KeyError(unknown[0])
        return template.format_map(values)
    except (KeyError, ValueError, IndexError) as exc:
        raise UserError(
            f"input {name!r}: cannot fill the template {template!r}",
            why=f"{exc!s} is not a placeholder here",
            fix=f"use placeholders among: {PLACEHOLDERS} (write {{{{ and }}}} for literal braces)",
        ) from None


def trailers(
    targets: Sequence[Target], environment: str, source: Source, extra: Sequence[tuple[str, str]] = ()
) -> list[tuple[str, str]]:
    out = [("Image", t.reference) for t in targets]
    for key, value in (
        ("Source-Repository", source.repository),
        ("Source-Commit", source.commit),
        ("Source-Time", source.time),
        ("Workflow-Run", source.run_url),
        ("Deployed-By", source.actor),
        ("Environment", environment),
    ):
        if value:
            out.append((key, value))
    return out + list(extra)


def commit_message(subject: str, plan: Plan, pairs: Sequence[tuple[str, str]], signoff: str = "") -> str:
    lines = [subject.strip().splitlines()[0] if subject.strip() else "Deploy", ""]
    lines += [f"{c.file}:{c.line}: {c.old} -> {c.new}" for c in plan.changes[:50]]
    lines += ["", *(f"{key}: {value}" for key, value in pairs)]
    if signoff:
        lines.append(f"Signed-off-by: {signoff}")
    return "\n".join(lines) + "\n"


def branch_name(template: str, values: Mapping[str, str]) -> str:
    raw = render(
        template, {**values, "environment": values.get("environment") or "default"}, name="branch-template"
    )
    name = re.sub(r"[^A-Za-z0-9._/+-]+", "-", raw)
    name = re.sub(r"/{2,}", "/", name).strip("/.")
    if not name or ".." in name or name.endswith(".lock"):
        raise UserError(f"branch template {template!r} gives an invalid branch name {raw!r}")
    return name


def unified_diff(edits: Sequence[FileEdit]) -> str:
    import difflib  # here: only a dry run or a PR body shows a diff

    out: list[str] = []
    for edit in edits:
        before = edit.before.decode("utf-8", "replace").splitlines(keepends=True)
        after = edit.after.decode("utf-8", "replace").splitlines(keepends=True)
        out.extend(difflib.unified_diff(before, after, f"a/{edit.file}", f"b/{edit.file}"))
    return "".join(line if line.endswith("\n") else line + "\n" for line in out)


DEFAULT_INTRO = "Deploys a new image through gitops-ci."


def pr_body(
    plan: Plan, diff: str, source: Source, pairs: Sequence[tuple[str, str]], intro: str = DEFAULT_INTRO
) -> str:
    rows = [f"| `{c.file}:{c.line}` | `{c.old}` | `{c.new}` |" for c in plan.changes]
    parts = [
        intro.rstrip("\n"),
        "",
        "| Where | Old | New |",
        "|---|---|---|",
        *rows,
        "",
    ]
    if source.commit_url():
        parts.append(f"Source commit: [{source.repository}@{source.commit[:7]}]({source.commit_url()})")
    compare = compare_url(plan, source)
    if compare:
        parts.append(f"Compare: {compare}")
    if source.run_url:
        parts.append(f"Workflow run: {source.run_url}")
    room = BODY_LIMIT - sum(len(p) + 1 for p in parts) - 500
    shown = diff if len(diff) <= room else diff[: max(room, 0)] + "\n... (diff cut to fit GitHub's limit)\n"
    parts += [
        "",
        "<details open><summary>Manifest diff</summary>",
        "",
        "```diff",
        shown.rstrip("\n"),
        "```",
        "</details>",
        "",
        "<!-- gitops-ci",
        *(f"{k}: {v}" for k, v in pairs),
        "-->",
    ]
    return "\n".join(parts) + "\n"


def compare_url(plan: Plan, source: Source) -> str:
    """When the old and new tags are both commit SHAs of the source repo: its compare view."""
    if not source.repository:
        return ""
    for change in plan.changes:
        old, new = _tag_of(change.old), _tag_of(change.new)
        if old and new and old != new and _SHA.fullmatch(old) and _SHA.fullmatch(new):
            return f"{source.server_url}/{source.repository}/compare/{old}...{new}"
    return ""


def _tag_of(value: str) -> str:
    value = value.split("@", 1)[0]
    tail = value.rsplit("/", 1)[-1]
    return tail.rsplit(":", 1)[-1] if ":" in tail else value if "/" not in value else ""
