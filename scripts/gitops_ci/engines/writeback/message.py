"""Pure text for the write-back: commit message and trailers, PR branch name, title and body."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Mapping, Sequence

from gitops_ci.errors import UserError
from gitops_ci.record import Record

if TYPE_CHECKING:  # the templates' defaults and placeholders are read by `--help`
    from gitops_ci.engines.bump.model import FileEdit, Plan, Target

DEFAULT_MESSAGE = "Deploy {image_name}:{tag}{to_environment}"
DEFAULT_BRANCH = "gitops-ci/{environment}/{image_name}"
BODY_LIMIT = 60000  # GitHub refuses a body over 65536 characters
TITLE_LIMIT = 256  # GitHub refuses a longer pull request title
NAMES_LIMIT = 80  # `image_name` joins every image's name up to this length, then counts the rest
BRANCH_PART_LIMIT = 100  # a longer part of a branch name is cut and given a hash (refs are files)
CHANGE_LINES = 50  # change lines in a commit message
SOURCE_TRAILER = "Image-Source-Commit"  # REPO=SHA: an image built from another commit than the run's
_SHA = re.compile(r"[0-9a-f]{7,40}")
PLACEHOLDERS = (
    "image, image_name, tag, digest, reference, environment, to_environment, "
    "source_repository, source_commit, source_short, actor, run_url"
)


class Source(Record):
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
        "image_name": image_names(targets),
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


def image_names(targets: Sequence[Target], limit: int = NAMES_LIMIT) -> str:
    """Every image's name joined by `+`; past ``limit`` characters, the names that fit and how
    many more (`svc-0+svc-1+28-more`), so a subject and PR title stay readable."""
    names = [t.repository.rsplit("/", 1)[-1] for t in targets]
    joined = "+".join(names)
    if len(joined) <= limit:
        return joined
    kept: list[str] = []
    for name in names:
        if len("+".join([*kept, name])) > limit - 10:
            break
        kept.append(name)
    kept = kept or names[:1]
    return "+".join(kept) + f"+{len(names) - len(kept)}-more"


def branch_values(targets: Sequence[Target], values: Mapping[str, str]) -> dict[str, str]:
    """The branch template's fields: `image_name` names every image (the branch must differ
    for each set of images; branch_name keeps it within git's limits)."""
    return {**values, "image_name": image_names(targets, limit=1 << 30)}


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
    targets: Sequence[Target],
    environment: str,
    source: Source,
    extra: Sequence[tuple[str, str]] = (),
    sources: Mapping[str, str] | None = None,
) -> list[tuple[str, str]]:
    """`Image:` for each target, then the run's; ``sources`` (repository: the commit its build
    came from) adds an Image-Source-Commit trailer for each image built from another commit."""
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
    for target in targets:
        commit = (sources or {}).get(target.repository, "")
        if commit and commit != source.commit:
            out.append((SOURCE_TRAILER, f"{target.repository}={commit}"))
    return out + list(extra)


def commit_message(
    subject: str,
    plan: Plan,
    pairs: Sequence[tuple[str, str]],
    signoff: str = "",
    rows: Sequence[ImageRow] = (),
) -> str:
    lines = [subject.strip().splitlines()[0] if subject.strip() else "Deploy", ""]
    if rows:
        lines += [row.line() for row in rows] + [""]
    lines += [f"{c.file}:{c.line}: {c.old} -> {c.new}" for c in plan.changes[:CHANGE_LINES]]
    if len(plan.changes) > CHANGE_LINES:
        lines.append(f"... and {len(plan.changes) - CHANGE_LINES} more changes")
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
    name = "/".join(_short_part(part) for part in name.split("/"))
    if not name or ".." in name or name.endswith(".lock"):
        raise UserError(f"branch template {template!r} gives an invalid branch name {raw!r}")
    return name


def _short_part(part: str) -> str:
    """A part of a branch name within BRANCH_PART_LIMIT: a longer one keeps its start and gets
    a hash of the whole, so two long names stay two branches."""
    if len(part) <= BRANCH_PART_LIMIT:
        return part
    import hashlib  # here: the templates' defaults are read by every `--help` of the write-back

    digest = hashlib.sha256(part.encode("utf-8")).hexdigest()[:12]
    return f"{part[: BRANCH_PART_LIMIT - 13].rstrip('.-')}-{digest}"


def title(text: str) -> str:
    """A pull request title within GitHub's limit."""
    return text if len(text) <= TITLE_LIMIT else text[: TITLE_LIMIT - 3].rstrip() + "..."


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
    plan: Plan,
    diff: str,
    source: Source,
    pairs: Sequence[tuple[str, str]],
    intro: str = DEFAULT_INTRO,
    images: Sequence[ImageRow] = (),
) -> str:
    rows = [f"| `{c.file}:{c.line}` | `{c.old}` | `{c.new}` |" for c in plan.changes]
    parts = [intro.rstrip("\n"), ""]
    if images:
        parts += [*fit(image_table(images, source), TABLE_ROOM // 2, "images"), ""]
    parts += [
        *fit(["| Where | Old | New |", "|---|---|---|", *rows], TABLE_ROOM - _size(parts), "changes"),
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


TABLE_ROOM = BODY_LIMIT // 2  # characters the tables of a PR body may take; the diff gets the rest


def fit(lines: list[str], room: int, what: str) -> list[str]:
    """A table's lines within ``room`` characters: the rows that fit, then how many are left out
    (GitHub refuses a longer body)."""
    if _size(lines) <= room:
        return lines
    kept: list[str] = []
    for line in lines:
        if _size(kept) + len(line) + 1 > room - 80:
            break
        kept.append(line)
    return [*kept, "", f"... and {len(lines) - len(kept)} more {what}"]


def _size(lines: Sequence[str]) -> int:
    return sum(len(line) + 1 for line in lines)


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


# -- one row per image: a bump of several images (or from build metadata) ---------------------
SHORT_DIGEST = 12  # hex digits of a digest shown in a row (the trailers hold the whole reference)


class ImageRow(Record):
    """One image of a bump: what it pinned before, what it pins now, the commit it was built from."""

    image: str  # the repository, as given
    old: str  # the versions pinned before, e.g. `1.0.0`, `1.0.0, 1.1.0`; "" when pinned nowhere
    new: str  # the version it pins now
    commit: str = ""  # the source commit of its build
    changed: bool = True

    @property
    def change(self) -> str:
        if not self.old:
            return f"pinned nowhere ({self.new} not pinned)"
        return f"{self.old} -> {self.new}" if self.changed else f"{self.new} (unchanged)"

    def line(self) -> str:
        """The row in a commit message."""
        return f"{self.image}: {self.change}" + (f" (source {self.commit[:7]})" if self.commit else "")


def image_rows(plan: Plan, targets: Sequence[Target], sources: Mapping[str, str]) -> list[ImageRow]:
    """A row for each target that ``sources`` names (repository: source commit), in target
    order: the versions it pinned before the edit (the plan's pins) and the one after."""
    pinned: dict[str, list[str]] = {}
    for pin in plan.pins:
        shown = pinned.setdefault(pin.repository, [])
        version = version_text(pin.version.tag, pin.version.digest)
        if version not in shown:
            shown.append(version)
    changed = {change.repository for change in plan.changes}
    rows = []
    for target in targets:
        if target.repository in sources:
            new = version_text(None if target.digest_only else target.tag, target.digest)
            moved = target.repository in changed
            old = [v for v in pinned.get(target.repository, []) if v != new or not moved]
            rows.append(ImageRow(target.repository, ", ".join(old), new, sources[target.repository], moved))
    return rows


def version_text(tag: str | None, digest: str | None) -> str:
    """`1.4.2`, `1.4.2@sha256:3f2a1bc9d8e7`, `sha256:3f2a1bc9d8e7`, or `(untagged)` for
    the repository alone: a digest cut to SHORT_DIGEST hex digits."""
    short = digest[: len("sha256:") + SHORT_DIGEST] if digest else ""
    if tag and short:
        return f"{tag}@{short}"
    return tag or short or "(untagged)"


def image_table(rows: Sequence[ImageRow], source: Source) -> list[str]:
    """The rows as a Markdown table (the PR body and the step summary); a commit links to the
    source repository when it is known."""
    lines = ["| Image | Old → New | Source commit |", "|---|---|---|"]
    for row in rows:
        change = (
            f"`{row.old}` → `{row.new}`"
            if row.old and row.changed
            else (f"`{row.new}` (unchanged)" if row.old else f"pinned nowhere (`{row.new}`)")
        )
        commit = row.commit[:7]
        if commit and source.repository:
            commit = f"[{commit}]({source.server_url}/{source.repository}/commit/{row.commit})"
        lines.append(f"| `{row.image}` | {change} | {commit or '-'} |")
    return lines
