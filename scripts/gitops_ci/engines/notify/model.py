"""The message model: what the run did, independent of any platform's payload format."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from gitops_ci.engines.notify.setting import Setting

STATUSES = ("success", "failure", "cancelled")
# A step's outcome as GitHub gives it (steps.<id>.outcome, needs.<job>.result); "" = not run.
OUTCOMES = ("success", "failure", "cancelled", "skipped", "")
OUTCOME_EMOJI = {"success": "✅", "failure": "❌", "cancelled": "⚪", "skipped": "⏭️", "": "⏭️"}


@dataclass(frozen=True)
class Look:
    word: str  # for templates: "succeeded"
    emoji: str
    color: str  # hex, for Discord embeds and the generic webhook
    teams_color: str  # Adaptive Card TextBlock colour


LOOKS = {
    "success": Look("succeeded", "✅", "#2EB67D", "Good"),
    "failure": Look("failed", "❌", "#E01E5A", "Attention"),
    "cancelled": Look("was cancelled", "⚪", "#9E9E9E", "Default"),
}


@dataclass(frozen=True)
class RunInfo:
    """The run and what the earlier actions produced; every value may be empty."""

    server_url: str = "https://github.com"
    repository: str = ""
    ref_name: str = ""
    sha: str = ""
    actor: str = ""
    workflow: str = ""
    run_id: str = ""
    run_number: str = ""
    run_attempt: str = ""
    commit_message: str = ""
    image_ref: str = ""
    digest: str = ""
    environment: str = ""
    infra_repo: str = ""
    infra_commit: str = ""
    pr_url: str = ""
    stages: str = ""  # each stage's outcome, e.g. "✅ quality-gate · ❌ build-and-push"
    failed_stage: str = ""  # the first stage that failed
    failure_message: str = ""  # what it said
    deployment: str = ""  # verify-deployment's outcome: "healthy in 42 s", or why not


@dataclass(frozen=True)
class Field:
    """One labelled value; `url` (http or https only) makes the value a link."""

    name: str
    value: str
    url: str = ""
    short: bool = True  # fits beside another field


@dataclass(frozen=True)
class Message:
    status: str
    title: str
    text: str
    fields: tuple[Field, ...]
    run_url: str = ""
    mentions: tuple[str, ...] = ()  # platform IDs, only set when they should be notified

    @property
    def look(self) -> Look:
        return LOOKS[self.status]


@dataclass(frozen=True)
class Target:
    """Where the message goes: the webhook URL, and each channel's own settings by
    `Setting.key`. The URL is a secret, and so is each setting marked secret."""

    webhook_url: str = ""
    settings: Mapping[str, str] = field(default_factory=dict)

    def value(self, setting: Setting) -> str:
        return self.settings.get(setting.key, setting.default)


@dataclass(frozen=True)
class Inputs:
    channel: str  # a registry name or "auto"
    status: str
    run: RunInfo
    target: Target = field(default_factory=Target)
    title: str = ""  # template
    text: str = ""  # template
    mentions: tuple[str, ...] = ()
    dry_run: bool = False


@dataclass(frozen=True)
class Result:
    channel: str
    payload: dict[str, Any]
    delivered: bool
    attempts: int = 0
    status_code: int | None = None
    reason: str = ""
    dry_run: bool = False
