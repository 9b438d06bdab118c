"""verify-deployment: wait until the GitOps controller has applied the infra commit and every
application is healthy (issue 14).

The edge: options in, the engine's `Inputs` (a `Target` and `Timing`) out, a backend built from
the registry (`engines.verify.backends`); then `verify.core.run`, then `verify_report`. Heavy
imports stay inside the handler, and the registry is read only when an input is: `--help` loads
no engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gitops_ci.commands.base import JSON_OPTION, Command, Context, Values
from gitops_ci.errors import UserError
from gitops_ci.inputs import (
    deferred_choice,
    Option,
    parse_bool,
    parse_full_sha,
    parse_http_url,
    parse_list,
    seconds,
)
from gitops_ci.secrets import userinfo_secrets

WAIT_SECONDS = seconds(21600)
SERVER_FIX = "set argocd-server to the Argo CD API's URL, e.g. https://argocd.example.com"
TOKEN_FIX = "pass a token with `applications, get` as argocd-token from a secret"


def required(values: Values, key: str, fix: str) -> Any:
    """An input the run cannot do without (verify-deployment's, and promote's require-healthy)."""
    if not values[key]:
        raise UserError(f"input {key.replace('_', '-')!r} is required", fix=fix)
    return values[key]


def _tls_verify(ctx: Context, values: Values) -> bool | str:
    if values["insecure"]:
        ctx.console.warning(
            "verify-deployment: insecure is true: the Argo CD server's certificate is not checked"
        )
        return False
    bundle = values["ca_bundle"].strip()
    if not bundle:
        return True
    path = Path(ctx.cwd, bundle)
    if not path.is_file():
        raise UserError(
            f"input 'ca-bundle': {bundle!r} is not a file",
            fix="give the path of a PEM file with the CA that signed the Argo CD server's certificate",
        )
    return str(path)


def _ancestry(ctx: Context, infra_dir: str) -> Any:
    from gitops_ci.doors.git import Git
    from gitops_ci.engines.verify import core

    if not infra_dir:
        return core.exact
    path = Path(ctx.cwd, infra_dir)
    if not (path / ".git").exists():
        raise UserError(
            f"input 'infra-dir': {infra_dir!r} is not a git checkout",
            fix="clone the infra repo with history there, or leave infra-dir empty",
        )
    git = Git(url="", token="", redactor=ctx.console.redactor, environ=ctx.environ, workdir=path)
    return lambda wanted, candidate: bool(git.is_ancestor(wanted, candidate))


def make_backend(ctx: Context, values: Values, server: str, token: str, poll_interval: float) -> Any:
    """The controller's backend from the inputs verify-deployment shares with promote's
    require-healthy: controller, insecure, ca-bundle (and the server and token given)."""
    from gitops_ci.commands.proxies import proxies_for
    from gitops_ci.doors.http import Http
    from gitops_ci.engines.verify.backends import BACKENDS

    http = Http(
        redactor=ctx.console.redactor,
        proxies=dict(proxies_for(server, ctx.environ)),
        tls_verify=_tls_verify(ctx, values),
    )
    return BACKENDS[values["controller"]](server, token, http, poll_interval)


def handle(ctx: Context, values: Values) -> int:
    server = required(values, "argocd_server", SERVER_FIX)
    token = required(values, "argocd_token", TOKEN_FIX)
    revision = required(values, "revision", "set revision to the infra commit (bump-manifest's commit-sha)")
    # The engine, the backend and the HTTP door load once the required inputs are there.
    from gitops_ci.commands import verify_report
    from gitops_ci.engines.verify import core
    from gitops_ci.engines.verify.model import Inputs, Target, Timing

    target = Target(
        revision, tuple(values["applications"]), values["infra_repo"].strip(), tuple(values["changed_files"])
    )
    timing = Timing(values["timeout"], values["poll_interval"], values["degraded_grace"], values["refresh"])
    backend = make_backend(ctx, values, server, token, timing.poll_interval)
    services = core.Services(backend, _ancestry(ctx, values["infra_dir"]), log=ctx.console.info)
    result = core.run(Inputs(target, timing), services)
    return verify_report.report(ctx.console, result, revision)


COMMAND = Command(
    name="verify-deployment",
    summary="wait until Argo CD has synced the infra commit and the applications are healthy",
    description="Polls the GitOps controller (Argo CD) until every application runs the infra commit "
    "(or a later one), Synced and Healthy after a successful sync; fails at once on a failed sync, "
    "on Degraded past degraded-grace (naming the unhealthy resources), or at the timeout, saying "
    "what it last saw.",
    options=(
        Option(
            "argocd-server", "the Argo CD API's base URL, e.g. https://argocd.example.com", parse_http_url
        ),
        Option("argocd-token", "an Argo CD API token allowed `applications, get`", secret=True),
        Option(
            "applications",
            "the Argo CD applications to wait for (NAME or NAMESPACE/NAME); default: those whose "
            "source has infra-repo's URL and a path holding one of changed-files",
            parse_list,
            multiple=True,
        ),
        Option("revision", "the infra commit to wait for (bump-manifest's commit-sha)", parse_full_sha),
        Option(
            "infra-repo",
            "the infra repo (URL or OWNER/NAME): finds the applications, and picks its revision "
            "in multi-source ones",
            secret_parts=userinfo_secrets,
        ),
        Option(
            "changed-files",
            "the infra files the commit changed (bump-manifest's files), to find the applications",
            parse_list,
            multiple=True,
        ),
        Option(
            "infra-dir",
            "a clone of the infra repo with history: a later commit that contains revision counts too "
            "(default: only revision itself)",
        ),
        Option(
            "controller",
            "the GitOps controller: argocd",
            deferred_choice("gitops_ci.engines.verify.backends", "BACKENDS"),
            "argocd",
        ),
        Option("timeout", "seconds to wait for all applications to be healthy", WAIT_SECONDS, "600"),
        Option("poll-interval", "seconds between two reads of an application", WAIT_SECONDS, "1"),
        Option(
            "refresh",
            "ask Argo CD to refresh from git at once instead of at its next poll",
            parse_bool,
            "true",
        ),
        Option(
            "degraded-grace",
            "seconds an application may stay Degraded before it counts as failed",
            WAIT_SECONDS,
            "60",
        ),
        Option(
            "insecure",
            "do not check the Argo CD server's TLS certificate (self-signed servers)",
            parse_bool,
            "false",
        ),
        Option("ca-bundle", "a PEM file of the CA that signed the Argo CD server's certificate"),
        JSON_OPTION,
    ),
    handler=handle,
    outputs=(
        ("healthy", "true when every application is Synced and Healthy at the infra commit"),
        ("synced", "true when every application is Synced at the infra commit (healthy or not)"),
        ("duration", "seconds from the start until all were healthy (or until it gave up)"),
        ("applications", "JSON: per application its name, sync, health, revision, operation, url"),
        ("message", "one line for notify: `healthy in 42 s`, or why not"),
    ),
    icon="check-circle",
)
