"""The git/event context of a build, taken from the run (`gitops_ci.context.RunContext`) and its
event payload.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from gitops_ci.context import RunContext


@dataclass(frozen=True)
class GitContext:
    event_name: str
    ref: str  # refs/heads/main, refs/tags/v1.2.3, refs/pull/7/merge
    sha: str  # the commit the image is built from (for pull requests: the head commit)
    repository: str = ""  # owner/name
    server_url: str = "https://github.com"
    default_branch: str = ""
    pr_number: int | None = None
    pr_head_ref: str = ""
    license: str = ""  # SPDX id from the payload's repository.license
    homepage: str = ""
    known_tags: tuple[str, ...] = field(default=())  # git tags in the checkout (for latest=auto)

    @property
    def branch(self) -> str:
        return self.ref[len("refs/heads/") :] if self.ref.startswith("refs/heads/") else ""

    @property
    def tag(self) -> str:
        return self.ref[len("refs/tags/") :] if self.ref.startswith("refs/tags/") else ""

    @property
    def is_pull_request(self) -> bool:
        return self.pr_number is not None

    @property
    def repo_url(self) -> str:
        return f"{self.server_url.rstrip('/')}/{self.repository}" if self.repository else ""


def from_run(run: RunContext, known_tags: tuple[str, ...] = ()) -> GitContext:
    """Build the context the way the runner describes the run; pull requests use the head commit.
    The tags and labels come from the event payload: an unreadable event file is an error here."""
    event = run.require_event()
    pull = _mapping(event.get("pull_request"))
    repo = _mapping(event.get("repository")) or {}
    sha = run.sha
    number: int | None = None
    head_ref = ""
    if pull is not None:
        # GITHUB_SHA is the throwaway merge commit for pull_request events; the head is what was pushed.
        sha = str(_dig(pull, "head", "sha") or sha)
        head_ref = str(_dig(pull, "head", "ref") or run.head_ref)
        number = _number(pull.get("number")) or _number(event.get("number"))
    return GitContext(
        event_name=run.event_name,
        ref=run.ref,
        sha=sha,
        repository=run.repository or str(repo.get("full_name", "")),
        server_url=run.server_url or "https://github.com",
        default_branch=str(repo.get("default_branch", "")),
        pr_number=number,
        pr_head_ref=head_ref,
        license=str(_dig(repo, "license", "spdx_id") or ""),
        homepage=str(repo.get("homepage") or ""),
        known_tags=known_tags,
    )


def _number(value: Any) -> int | None:
    """A pull request number as the payload should carry it (a positive whole number)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return int(value) or None
    return None


def _mapping(value: Any) -> Mapping[str, Any] | None:
    return value if isinstance(value, Mapping) else None


def _dig(data: Mapping[str, Any], *keys: str) -> Any:
    value: Any = data
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value
