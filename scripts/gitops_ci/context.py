"""The run context: what the runner says about this run (GITHUB_*, RUNNER_*, the event payload),
read once, in `main`, and passed down. No other module reads those variables or the event file.

A laptop run has none of them: every field is then empty (the server URLs keep GitHub's) and the
event is `{}`. Values are scrubbed (`inputs.scrub`): text that is not UTF-8 becomes U+FFFD.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from gitops_ci.errors import UserError
from gitops_ci.inputs import scrub
from gitops_ci.record import Record, field

DEFAULT_SERVER_URL = "https://github.com"
DEFAULT_API_URL = "https://api.github.com"
# The runner's file commands: a tool the suite runs must not write to them behind its back.
STEP_FILES = ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STATE")
SUMMARY_CAP = 1024 * 1024  # GitHub rejects a step summary over 1 MiB


class RunContext(Record):
    """The run as GitHub Actions describes it; `environ` is the whole environment, for the
    children the doors start and for the few tool settings (proxies, CA bundles) read at the edge."""

    environ: Mapping[str, str] = field(default_factory=dict, repr=False)
    on_runner: bool = False  # GITHUB_ACTIONS=true
    server_url: str = DEFAULT_SERVER_URL
    api_url: str = DEFAULT_API_URL
    repository: str = ""  # owner/name
    sha: str = ""  # GITHUB_SHA (for pull_request events the merge commit; see `head_sha`)
    ref: str = ""  # refs/heads/main, refs/tags/v1.2.3, refs/pull/7/merge
    ref_name: str = ""
    head_ref: str = ""  # pull requests: the head branch
    event_name: str = ""
    actor: str = ""
    workflow: str = ""
    run_id: str = ""
    run_number: str = ""
    run_attempt: str = ""
    workspace: str = ""  # GITHUB_WORKSPACE: the app checkout
    runner_temp: str = ""
    tool_cache: str = ""
    event_path: str = ""
    event: Mapping[str, Any] = field(default_factory=dict, repr=False)
    # Why the event file could not be read (None when it was, or when there is none): a command
    # that needs the payload calls `require_event`; one that can do without it (notify) warns.
    event_error: UserError | None = field(default=None, repr=False)

    @staticmethod
    def from_environ(environ: Mapping[str, str]) -> RunContext:
        def get(name: str) -> str:
            return scrub(environ.get(name, ""))

        event_path = environ.get("GITHUB_EVENT_PATH", "")
        event: dict[str, Any] = {}
        error: UserError | None = None
        try:
            event = read_event(event_path)
        except UserError as exc:
            error = exc
        return RunContext(
            environ=environ,
            on_runner=environ.get("GITHUB_ACTIONS") == "true",
            server_url=(get("GITHUB_SERVER_URL") or DEFAULT_SERVER_URL).rstrip("/"),
            api_url=(get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/"),
            repository=get("GITHUB_REPOSITORY"),
            sha=get("GITHUB_SHA"),
            ref=get("GITHUB_REF"),
            ref_name=get("GITHUB_REF_NAME"),
            head_ref=get("GITHUB_HEAD_REF"),
            event_name=get("GITHUB_EVENT_NAME"),
            actor=get("GITHUB_ACTOR"),
            workflow=get("GITHUB_WORKFLOW"),
            run_id=get("GITHUB_RUN_ID"),
            run_number=get("GITHUB_RUN_NUMBER"),
            run_attempt=get("GITHUB_RUN_ATTEMPT"),
            workspace=environ.get("GITHUB_WORKSPACE", ""),
            runner_temp=environ.get("RUNNER_TEMP", ""),
            tool_cache=environ.get("RUNNER_TOOL_CACHE", ""),
            event_path=event_path,
            event=event,
            event_error=error,
        )

    @property
    def run_url(self) -> str:
        if not (self.repository and self.run_id):
            return ""
        return f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}"

    @property
    def repo_url(self) -> str:
        return f"{self.server_url}/{self.repository}" if self.repository else ""

    def require_event(self) -> Mapping[str, Any]:
        """The event payload; an unreadable event file is an error here."""
        if self.event_error is not None:
            raise self.event_error
        return self.event


def read_event(path: str) -> dict[str, Any]:
    """The event payload at `path` (GITHUB_EVENT_PATH); no path means no payload (a laptop run)."""
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_bytes().decode("utf-8", "replace"))
    except (OSError, ValueError, RecursionError) as exc:
        raise UserError(
            f"cannot read the event payload {path}",
            why=str(exc),
            fix="unset GITHUB_EVENT_PATH outside GitHub Actions, or point it at a JSON file",
        ) from None
    return data if isinstance(data, dict) else {}
