"""Shared notify test inputs: one realistic run, and the hostile commit message."""

from __future__ import annotations

from dataclasses import replace

from gitops_ci.doors.http import Http, RetryPolicy
from gitops_ci.engines.notify.core import Services
from gitops_ci.engines.notify.model import Inputs, RunInfo, Target

SHA = "3f2a9c1e0b7d4a6f8e5c2b1a09d8c7b6a5f4e3d2"
DIGEST = "sha256:" + "4c" * 32

RUN = RunInfo(
    server_url="https://github.com",
    repository="acme/shop-api",
    ref_name="main",
    sha=SHA,
    actor="octocat",
    workflow="deploy",
    run_id="9876543210",
    run_number="118",
    run_attempt="1",
    commit_message='Fix checkout "total" rounding\n\nCloses #42.',
    image_ref=f"ghcr.io/acme/shop-api:sha-{SHA[:7]}@{DIGEST}",
    digest=DIGEST,
    environment="staging",
    infra_repo="acme/infra",
    infra_commit="9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d",
    pr_url="https://github.com/acme/infra/pull/77",
)

MENTIONS = {
    "slack": ("U024BE7LH", "S0614TZR7"),
    "discord": ("123456789012345678",),
    "teams": ("jane@example.com",),
    "webhook": ("oncall",),
}

# Quotes, backslashes, newlines, emoji, Slack and Discord mass mentions, a forged link, HTML.
HOSTILE_PIECE = (
    'say "hi" \\ back\\slash\n<!channel> <!here> @everyone @here <@U024BE7LH> '
    "<https://evil.example|click me> [login](https://evil.example) </script><script>alert(1)</script> "
    "🚀🔥 ünïcödé & ampersand > < \u0000 tab\t end\n"
)
HOSTILE = (HOSTILE_PIECE * (20_000 // len(HOSTILE_PIECE) + 1))[:20_000]


FAST = RetryPolicy(total=5, backoff=0.05, max_backoff=0.2, attempt_timeout=2)


def inputs(channel: str, status: str, **changes: object) -> Inputs:
    """A dry run of `channel` for the sample run, with the channel's mentions configured."""
    base = Inputs(
        channel=channel,
        status=status,
        run=RUN,
        target=Target(),
        mentions=MENTIONS[channel],
        dry_run=True,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def services(policy: RetryPolicy = FAST) -> Services:
    """An HTTP client with quick retries, without a proxy."""
    return Services(lambda url: Http(policy))
