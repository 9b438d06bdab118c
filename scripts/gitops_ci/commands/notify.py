"""notify: one message to Slack, Teams, Discord or a webhook (issue 7).

The edge: options in, the engine's `Inputs` out (the run from `ctx.run`, earlier actions'
outputs as inputs) and its `Services` (the HTTP client, with the proxy from the environment);
then `core.run`, then `notify_report`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from gitops_ci.commands.base import JSON_OPTION, Command, Context, Values
from gitops_ci.errors import UserError
from gitops_ci.inputs import (
    deferred_choice,
    Option,
    parse_bool,
    parse_choice,
    parse_http_url,
    parse_list,
    parse_map,
    scrub,
    seconds,
)
from gitops_ci.engines.notify import template
from gitops_ci.engines.notify.channels import CHANNELS, settings
from gitops_ci.secrets import split_userinfo, url_secrets, userinfo_secrets

if TYPE_CHECKING:  # the message model, the core and the HTTP door load when a message is made
    from gitops_ci.context import RunContext
    from gitops_ci.engines.notify import core
    from gitops_ci.engines.notify.model import Inputs, RunInfo, Target

DELIVERY_SECONDS = seconds(3600, positive=True)


def notify_inputs(ctx: Context, values: Values) -> Inputs:
    from gitops_ci.engines.notify.model import Inputs, Target

    if ctx.run.event_error is not None and not values["commit_message"]:
        ctx.console.warning(f"{ctx.run.event_error.what}: the message goes without the commit message")
    target = Target(values["webhook_url"].strip(), {s.key: values[s.key] for s in settings()})
    stages = stage_outcomes(values["stage_outcomes"])
    return Inputs(
        channel=values["channel"],
        status="failure" if failed_stage(stages) else values["status"],
        run=run_info(ctx.run, values),
        target=target,
        title=values["title"],
        text=values["text"],
        mentions=tuple(values["mention"]),
        dry_run=values["dry_run"],
    )


def services(ctx: Context, values: Values, target: Target) -> core.Services:
    """The HTTP client: the retry bounds of the inputs, the proxy of the environment, and the
    run's redactor (which holds every secret of the target once `handle` has masked them)."""
    from gitops_ci.commands.proxies import proxies_for
    from gitops_ci.doors.http import Http, RetryPolicy
    from gitops_ci.engines.notify import core

    total = values["timeout"]
    policy = RetryPolicy(
        total=total, backoff=values["retry_backoff"], attempt_timeout=min(RetryPolicy.attempt_timeout, total)
    )

    def http(url: str) -> Http:
        # The webhook URL's proxy when one is given (a bot token's API call beside it included).
        proxies = proxies_for(target.webhook_url or url, ctx.environ)
        return Http(policy, ctx.console.redactor, dict(proxies))

    return core.Services(http)


def run_info(run: RunContext, values: Values) -> RunInfo:
    from gitops_ci.engines.notify.model import OUTCOME_EMOJI, RunInfo

    """What the message says about the run; an unreadable event file only leaves the commit
    message out (a notification is never lost to its payload)."""
    stages = stage_outcomes(values["stage_outcomes"])
    return RunInfo(
        server_url=run.server_url,
        repository=run.repository,
        ref_name=run.head_ref or run.ref_name,
        sha=values["commit_sha"] or run.sha,
        actor=run.actor,
        workflow=run.workflow,
        run_id=run.run_id,
        run_number=run.run_number,
        run_attempt=run.run_attempt,
        commit_message=values["commit_message"] or scrub(_event_message(run.event)),
        image_ref=values["image_ref"],
        digest=values["digest"],
        environment=values["environment"],
        infra_repo=split_userinfo(values["infra_repo"])[0],
        infra_commit=values["infra_commit"],
        pr_url=values["pr_url"],
        stages=" · ".join(f"{OUTCOME_EMOJI[outcome]} {name}" for name, outcome in stages),
        failed_stage=failed_stage(stages),
        failure_message=values["failure_message"].strip(),
        deployment=values["deployment"].strip(),
    )


def stage_outcomes(given: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """`stage=outcome` pairs in the order given; outcomes as GitHub reports them."""
    from gitops_ci.engines.notify.model import OUTCOMES

    for name, outcome in given.items():
        if outcome not in OUTCOMES:
            raise UserError(
                f"input 'stage-outcomes': {name}={outcome!r} is not an outcome",
                fix="give each stage's steps.<id>.outcome (or needs.<job>.result): "
                + ", ".join(o for o in OUTCOMES if o),
            )
    return tuple(given.items())


def failed_stage(stages: tuple[tuple[str, str], ...]) -> str:
    """The first stage that failed; a failed stage makes the whole run a failure."""
    return next((name for name, outcome in stages if outcome == "failure"), "")


def _event_message(event: Mapping[str, Any]) -> str:
    """The pushed head commit's message, or the pull request's title."""
    for outer, key in (("head_commit", "message"), ("pull_request", "title")):
        inner = event.get(outer)
        if isinstance(inner, dict) and isinstance(inner.get(key), str):
            return str(inner[key])
    return ""


def handle(ctx: Context, values: Values) -> int:
    inputs = notify_inputs(ctx, values)  # first: a bad input is refused before the core loads
    from gitops_ci.commands import notify_report
    from gitops_ci.engines.notify import core

    for secret in core.secret_texts(inputs.target):  # also those set in the defaults file
        ctx.console.mask(secret)
    result = core.run(inputs, services(ctx, values, inputs.target))
    return notify_report.report(ctx.console, result, fail_on_error=values["fail_on_error"])


COMMAND = Command(
    name="notify",
    summary="send one message about the run to Slack, Teams, Discord or any webhook",
    description="Builds a message from the run's results and delivers it within each platform's "
    "limits, retrying 429/5xx within a bounded time. Never fails silently: an undelivered message "
    "is a warning, or with fail-on-error an error.",
    options=(
        Option(
            "channel",
            "slack, teams, discord, webhook or auto (from the URL's host)",
            parse_choice(("auto", *CHANNELS)),
            "auto",
        ),
        Option(
            "webhook-url",
            "the incoming webhook URL (Slack, Teams Workflows, Discord or any)",
            parse_http_url,
            secret=True,
            secret_parts=url_secrets,
        ),
        Option(
            "status",
            "job status (give it job.status): success, failure or cancelled",
            deferred_choice("gitops_ci.engines.notify.model", "STATUSES"),
            "success",
        ),
        Option(
            "title",
            "title template; `{name}` placeholders come from the run, e.g. {repository}, {status_word}",
            default=template.DEFAULT_TITLE,
        ),
        Option(
            "text", "text template, e.g. {commit_message} or {commit_title}", default=template.DEFAULT_TEXT
        ),
        Option(
            "commit-message",
            "the commit message to show (default: the pushed head commit's, or the PR title)",
        ),
        Option("commit-sha", "the application commit (default: GITHUB_SHA)"),
        Option("image-ref", "the image pushed, e.g. build-and-push's image-ref output"),
        Option("digest", "the image digest, sha256:<hex>"),
        Option("environment", "the environment deployed to"),
        Option(
            "infra-repo", "OWNER/NAME of the infra repo, to link infra-commit", secret_parts=userinfo_secrets
        ),
        Option("infra-commit", "bump-manifest's infra commit (SHA or URL)"),
        Option("pr-url", "bump-manifest's infra pull request URL"),
        Option(
            "stage-outcomes",
            "each stage's outcome, STAGE=OUTCOME per line in chain order (steps.<id>.outcome); "
            "a failed stage makes the status failure and is named in the message",
            parse_map,
        ),
        Option("failure-message", "the first failed stage's error (its `error` output)"),
        Option("deployment", "verify-deployment's outcome (its `message` output), e.g. `healthy in 42 s`"),
        Option(
            "mention",
            "IDs to mention on failure: Slack U…/S… IDs, Discord role IDs, Teams UPNs",
            parse_list,
            multiple=True,
        ),
        *(Option(s.name, s.help, s.kind, s.default, secret=s.secret) for s in settings()),
        Option("timeout", "seconds for delivery, all retries included", DELIVERY_SECONDS, "30"),
        Option(
            "retry-backoff",
            "seconds before the first retry of a 5xx; doubles each time",
            DELIVERY_SECONDS,
            "1",
        ),
        Option("fail-on-error", "fail the step when the message is not delivered", parse_bool, "false"),
        Option("dry-run", "print the exact payload and send nothing", parse_bool, "false"),
        JSON_OPTION,
    ),
    handler=handle,
    outputs=(
        ("delivered", "true when the platform accepted the message"),
        ("status-code", "the last HTTP status code (empty when no answer came)"),
        ("attempts", "how many requests were made"),
        ("channel", "the channel used: slack, teams, discord or webhook"),
        ("payload", "the JSON payload built (secrets removed)"),
    ),
    icon="bell",
)
