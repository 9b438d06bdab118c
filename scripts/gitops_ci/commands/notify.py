"""notify: one message to Slack, Teams, Discord or a webhook (issue: notify)."""

from __future__ import annotations

from gitops_ci.commands.base import JSON_OPTION, Command
from gitops_ci.commands.pending import not_implemented
from gitops_ci.inputs import Option, parse_bool, parse_choice

COMMAND = Command(
    name="notify",
    summary="send one message about the run to Slack, Teams, Discord or any webhook",
    description="Builds a message from the run's results and delivers it within each platform's "
    "limits, retrying 429/5xx within a bounded time.",
    options=(
        Option(
            "channel",
            "slack, teams, discord, webhook or auto (from the URL)",
            parse_choice(("auto", "slack", "teams", "discord", "webhook")),
            "auto",
        ),
        Option("webhook-url", "the incoming webhook URL", secret=True),
        Option("status", "job status: success, failure or cancelled", default="success"),
        Option("title", "message title"),
        Option("text", "message text"),
        Option("fail-on-error", "fail the step when the message is not delivered", parse_bool, "false"),
        JSON_OPTION,
    ),
    handler=not_implemented("notify"),
)
