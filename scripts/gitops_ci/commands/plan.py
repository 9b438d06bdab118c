"""plan: which services of a monorepo to build, from the services file and the files the run's
push or pull request changed; a build matrix for the jobs that follow.

The edge: options and the run's event in, the engine's `Inputs` out (`engines.plan`); its Result
out as step outputs (`matrix` as JSON for `fromJSON`), a summary table, the log and --json.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from gitops_ci.commands.base import JSON_OPTION, Command, Context, Values
from gitops_ci.errors import UserError
from gitops_ci.inputs import Option, parse_bool

if TYPE_CHECKING:  # the engine and the run context load in the handler: `--help` needs neither
    from gitops_ci.context import RunContext
    from gitops_ci.engines.plan.model import Event, Result

MATRIX_CAP = 256  # GitHub runs at most this many jobs from one matrix
SUMMARY_FILES = 100  # changed files listed in the summary; the output has all of them
_REVISION = re.compile(r"[^\s\-][^\s]*")


def parse_revision(text: str, *, name: str = "value") -> str:
    """A commit: a SHA or a name git resolves (`origin/main`, `HEAD~1`); blank stays blank."""
    value = text.strip()
    if value and not _REVISION.fullmatch(value):
        raise UserError(
            f"input {name!r}: {value[:80]!r} is not a commit",
            fix="give a commit SHA or a ref such as origin/main (no spaces, not starting with `-`)",
        )
    return value


def event_of(run: RunContext, *, needed: bool) -> Event:
    """What the run's event says about the range; `needed`: an unreadable event file is an error."""
    from gitops_ci.engines.plan.model import Event

    payload = run.require_event() if needed else run.event
    pull = _mapping(payload.get("pull_request"))
    return Event(
        name=run.event_name,
        sha=run.sha,
        before=_text(payload.get("before")),
        after=_text(payload.get("after")),
        deleted=payload.get("deleted") is True,
        pr_base=_text(_mapping(pull.get("base")).get("sha")),
        pr_head=_text(_mapping(pull.get("head")).get("sha")),
    )


def _mapping(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def handle(ctx: Context, values: Values) -> int:
    from pathlib import Path

    from gitops_ci.engines.plan.check import check_exists

    shown = values["services_file"] or "gitops-ci.services.yml"
    ranged = not values["all"] and not (values["base"] and values["head"])
    needed = ranged and ctx.run.event_name in ("push", "pull_request", "pull_request_target")
    services_file = os.path.abspath(os.path.join(ctx.cwd, shown))
    if needed:
        ctx.run.require_event()  # as `event_of` below would: its error comes first
    check_exists(Path(services_file), shown)  # the engine's first check, before it (and git) load
    from gitops_ci.engines.plan import core
    from gitops_ci.engines.plan.manifest import ManifestError
    from gitops_ci.engines.plan.model import Inputs, Services, as_dict

    inputs = Inputs(
        services_file=services_file,
        shown_file=shown,
        base=values["base"],
        head=values["head"],
        every=values["all"],
        event=event_of(ctx.run, needed=needed),
    )
    console = ctx.console
    services = Services(redactor=console.redactor, environ=ctx.environ, log=console.info)
    try:
        result = core.run(inputs, services)
    except ManifestError as exc:
        if console.on_runner:  # each problem on its line of the file, in the pull request's diff
            for problem in exc.problems:
                console.error(
                    problem.message, file=exc.file, line=problem.line or None, title="services file"
                )
        raise
    report(ctx, result)
    console.result(as_dict(result), text(result))
    return 0


def report(ctx: Context, result: Result) -> None:
    console = ctx.console
    chosen = result.selected
    console.info(f"plan: {result.reason}")
    if result.warning:
        console.warning(f"plan: {result.reason}")
    if len(chosen) > MATRIX_CAP:
        console.warning(
            f"plan: {len(chosen)} services chosen; GitHub runs at most {MATRIX_CAP} jobs from one matrix"
        )
    console.summary(summary(result))
    console.set_outputs(
        {
            "matrix": result.matrix(),
            "services": ",".join(s.name for s in chosen),
            "count": len(chosen),
            "all": result.every,
            "reason": result.reason,
            "changed-files": "\n".join(result.changed_files),
        }
    )


def _cell(text: str) -> str:
    flat = " ".join(text.split()).replace("|", "\\|")
    return f"`{flat}`" if flat and "`" not in flat else flat


def summary(result: Result) -> str:
    chosen = len(result.selected)
    lines = [
        f"### gitops-ci plan: {chosen} of {len(result.choices)} services",
        "",
        " ".join(result.reason.split()).replace("<", "&lt;"),
        "",
        "| service | image | selected | why |",
        "|---|---|---|---|",
    ]
    for choice in result.choices:
        why = choice.cause if choice.selected else ""
        shown = _cell(why) if why in result.changed_files else " ".join(why.split()).replace("|", "\\|")
        mark = "yes" if choice.selected else "no"
        lines.append(f"| {_cell(choice.service.name)} | {_cell(choice.service.image)} | {mark} | {shown} |")
    if result.changed_files:
        files = result.changed_files
        lines += ["", f"<details><summary>{len(files)} changed files</summary>", ""]
        lines += [f"- {_cell(f)}" for f in files[:SUMMARY_FILES]]
        if len(files) > SUMMARY_FILES:
            lines.append(f"- … {len(files) - SUMMARY_FILES} more (the `changed-files` output has them all)")
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def text(result: Result) -> str:
    width = max((len(c.service.name) for c in result.choices), default=0)
    lines = []
    for choice in result.choices:
        mark = "build" if choice.selected else "skip "
        cause = choice.cause if choice.cause in result.changed_files else ""
        lines.append(f"{choice.service.name:<{width}}  {mark}  {cause}".rstrip())
    return "\n".join(lines)


COMMAND = Command(
    name="plan",
    summary="choose the services of a monorepo to build from the files a push or pull request changed",
    description="Reads the services file (gitops-ci.services.yml) and compares the run's commits: a "
    "push's before and after, a pull request's merge base and head. A service is chosen when a "
    "changed file matches its paths (GitHub's paths filter patterns). Every service is chosen, and "
    "the reason output says why, for any other event, a first push, a commit the clone lacks (use "
    "fetch-depth: 0) or a change to the services file itself.",
    options=(
        Option(
            "services-file",
            "the services file, relative to the working directory",
            default="gitops-ci.services.yml",
        ),
        Option(
            "base",
            "the commit to compare with (default: the push's before, or the pull request's merge base "
            "with its base)",
            parse_revision,
        ),
        Option(
            "head",
            "the commit to compare (default: the run's commit; for a pull request its head)",
            parse_revision,
        ),
        Option("all", "choose every service, whatever changed", parse_bool, "false"),
        JSON_OPTION,
    ),
    handler=handle,
    outputs=(
        (
            "matrix",
            'JSON for strategy.matrix: {"include": [...]}, one entry per chosen service in the file\'s '
            "order with name, context, dockerfile, file (the Dockerfile relative to the context), image "
            "and gate-tools, gate-working-directory, gate-install, gate-python, gate-coverage-min "
            "(empty when unset)",
        ),
        ("services", "the chosen services' names, comma separated"),
        ("count", "how many services were chosen (0: nothing to build)"),
        ("all", "true when every service was chosen without comparing the changes (see reason)"),
        ("reason", "one line: why these services"),
        ("changed-files", "the files changed in the compared range, one per line"),
    ),
    icon="layers",
)
