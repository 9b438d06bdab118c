"""build-and-push: tags from the git context, build, push, digest read back (issue: build-and-push).

The edge: inputs are parsed once into a frozen `core.Inputs`, the engine (engines/build_push)
runs with its `Services`, and build_report shows the result."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from gitops_ci.engines.build_push import builders
from gitops_ci.engines.build_push.platforms import parse_platforms
from gitops_ci.commands.base import JSON_OPTION, Command, Context, Values
from gitops_ci.errors import UserError
from gitops_ci.inputs import Option, deferred, parse_bool, parse_choice, parse_list, parse_map

if TYPE_CHECKING:  # the engine loads when a build runs: `--help` needs the builders' names only
    from datetime import datetime

    from gitops_ci.doors.git import Git
    from gitops_ci.doors.runner import Console
    from gitops_ci.engines.build_push import core as pipeline
    from gitops_ci.engines.build_push import tags
    from gitops_ci.engines.build_push.context import GitContext
    from gitops_ci.engines.build_push.login import Login
    from gitops_ci.engines.build_push.services import Services
    from gitops_ci.engines.build_push.spec import Secret


def build_inputs(ctx: Context, values: Values) -> pipeline.Inputs:
    """Every input parsed and checked once; secrets masked the moment they are read."""
    from gitops_ci.engines.build_push.credentials import is_credential
    from gitops_ci.engines.build_push.spec import check_sources

    environ = ctx.environ
    context_dir = str(Path(ctx.cwd, values["context"] or "."))
    images = _images(values["image"], values["registry"])
    for name, value in values["build_args"].items():
        if is_credential(name):
            ctx.console.mask(value)
    for secret in values["secrets"]:
        if secret.source == "env" and environ.get(secret.where):
            ctx.console.mask(environ[secret.where])
    file = str(Path(context_dir, values["file"] or "Dockerfile"))
    secrets = tuple(_absolute(secret, ctx.cwd) for secret in values["secrets"])
    check_sources(context_dir, file, secrets)
    git = _git(ctx, context_dir, values["tags"], values["latest"])
    from gitops_ci.engines.build_push import core as pipeline  # here: after the checks above

    return pipeline.Inputs(
        images=images,
        rules=values["tags"],
        git=git,
        created=created_time(environ, context_dir, git.sha, ctx.console),
        context_dir=context_dir,
        file=file,
        latest=values["latest"],
        builder=values["builder"],
        user_labels=tuple(values["labels"].items()),
        build_args=tuple(values["build_args"].items()),
        secrets=secrets,
        platforms=tuple(values["platforms"]),
        target=values["target"],
        pull=values["pull"],
        no_cache=values["no_cache"],
        reuse=values["reuse"],
        push=values["push"],
        cache_ref=values["cache_ref"],
        insecure=values["insecure_registries"],
        logins=_logins(values, ctx.run.actor, images, ctx.console),
    )


def _absolute(secret: Secret, cwd: str) -> Secret:
    """A secret file relative to the working directory, as the context is."""
    return replace(secret, where=str(Path(cwd, secret.where))) if secret.source == "file" else secret


def _images(names: list[str], registry: str) -> tuple[str, ...]:
    from gitops_ci.engines.build_push.spec import check_repository, registry_host

    if not names:
        raise UserError("no image given", fix="set the image input, e.g. `image: ghcr.io/acme/shop-api`")
    out = []
    for name in names:
        name = name.strip().lower()  # repository names must be lowercase; GitHub owners often are not
        if ":" in name.rsplit("/", 1)[-1] or "@" in name:
            raise UserError(
                f"image {name!r} has a tag or digest",
                fix="give the repository only; tags come from the tags input",
            )
        has_host = registry_host(name) != "docker.io" or name.startswith("docker.io/")
        full = name if has_host or not registry else f"{registry.strip().lower()}/{name}"
        check_repository(full)
        out.append(full)
    return tuple(out)


def _logins(values: Values, actor: str, images: tuple[str, ...], console: Console) -> tuple[Login, ...]:
    from gitops_ci.engines.build_push.login import Login
    from gitops_ci.engines.build_push.spec import registry_host

    password = values["password"]
    if values["password_stdin"]:
        password = console.read_stdin().rstrip("\n")
        console.mask(password)
    extra: tuple[Login, ...] = values["logins"]
    for login in extra:
        console.mask(login.password)
    if not password:
        if values["username"]:
            raise UserError("username given without a password", fix="set the password input (from a secret)")
        return extra
    username = values["username"] or actor
    if not username:
        raise UserError("password given without a username", fix="set the username input")
    # username/password belong to the first image's registry; `logins` covers any others.
    return (Login(registry_host(images[0]), username, password), *extra)


def _git(ctx: Context, context_dir: str, rules: tuple[tags.Rule, ...], latest: str) -> GitContext:
    from gitops_ci.engines.build_push import context as git_context
    from gitops_ci.engines.build_push.tags import needs_known_tags

    ctx.run.require_event()  # the tags and labels come from it: unreadable is an error (before git runs)
    # The checkout's tags, so `latest=auto` can tell whether a release is the highest one.
    known_tags: tuple[str, ...] = ()
    if needs_known_tags(rules, ctx.run.ref, latest):
        known_tags = _checkout(ctx.environ, context_dir, ctx.console).tags() or ()
    return git_context.from_run(ctx.run, known_tags)


def _checkout(environ: Mapping[str, str], context_dir: str, console: Console) -> Git:
    """git in the build context's checkout (local verbs only)."""
    from gitops_ci.doors.git import Git

    return Git(url="", token="", redactor=console.redactor, environ=environ, workdir=Path(context_dir))


def created_time(environ: Mapping[str, str], context_dir: str, sha: str, console: Console) -> datetime:
    """The `created` label: SOURCE_DATE_EPOCH when set, else the built commit's time, as
    reproducible-build tools do; the clock only outside a git checkout.

    A wall-clock time would change the image config on every run, so an unchanged context would
    still rebuild its label steps and push a new image (see docs/benchmarks.md, build-and-push)."""
    from datetime import datetime, timezone

    epoch = environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), timezone.utc)
    git = _checkout(environ, context_dir, console)
    # A shallow pull_request checkout has the merge commit only, not the head SHA: its time then.
    for revision in (sha, "HEAD") if sha else ("HEAD",):
        seconds = git.commit_time(revision)
        if seconds is not None:
            return datetime.fromtimestamp(seconds, timezone.utc)
    return datetime.now(timezone.utc)


def services(ctx: Context) -> Services:
    from gitops_ci.engines.build_push.services import Services
    from gitops_ci.engines.build_push.trust import Trust

    # The builders need PATH, HOME and storage settings, never our own INPUT_* (the password).
    env = {k: v for k, v in ctx.environ.items() if not k.startswith("INPUT_")}
    trust = Trust.from_env(ctx.environ)
    return Services(
        redactor=ctx.console.redactor,
        env={**env, **trust.builder_env()},
        log=ctx.console.info,
        group=ctx.console.group,
        trust=trust,
    )


def handle(ctx: Context, values: Values) -> int:
    inputs = build_inputs(ctx, values)  # the engine core loads once they are checked
    from gitops_ci.commands import build_report
    from gitops_ci.engines.build_push import core as pipeline

    result = pipeline.run(inputs, services(ctx))
    build_report.report(ctx.console, result)
    return 0


COMMAND = Command(
    name="build-and-push",
    summary="build the image, push it and read its digest back from the registry",
    description="Computes tags and OCI labels from the git context, builds with docker buildx, "
    "buildah or podman, pushes and outputs the immutable repo@sha256 reference. The `created` label is "
    "the built commit's time (SOURCE_DATE_EPOCH wins), so rebuilding a commit reuses the layer cache.",
    options=(
        Option(
            "image",
            "image repositories without tag, one per line, e.g. ghcr.io/acme/shop-api",
            parse_list,
        ),
        Option(
            "registry",
            "registry host put in front of an image name that has none, e.g. ghcr.io "
            "(username/password log in to the first image's registry)",
        ),
        Option(
            "tags",
            "tag rules (metadata-action grammar), one per line",
            deferred("gitops_ci.engines.build_push.tags", "parse_rules"),
            "type=sha",
        ),
        Option(
            "latest",
            "add the latest tag: auto (highest release, or default branch), true or false",
            parse_choice(("auto", "true", "false")),
            "auto",
        ),
        Option("context", "build context directory", default="."),
        Option("file", "Dockerfile path, relative to the context (default: CONTEXT/Dockerfile)"),
        Option("target", "the Dockerfile stage to build"),
        Option(
            "builder",
            ", ".join(builders.BUILDERS) + " or auto",
            parse_choice(("auto", *builders.BUILDERS)),
            "auto",
        ),
        Option(
            "platforms",
            "target platforms OS/ARCH[/VARIANT], comma separated, e.g. linux/amd64,linux/arm64",
            parse_platforms,
        ),
        Option(
            "build-args",
            "KEY=VALUE build arguments, one per line (credential names, by word, are passed as secrets)",
            parse_map,
        ),
        Option(
            "secrets",
            "build secrets, ID=env:VARIABLE or ID=file:PATH, one per line",
            deferred("gitops_ci.engines.build_push.spec", "parse_secrets"),
        ),
        Option("labels", "extra OCI labels, KEY=VALUE per line", parse_map),
        Option("username", "registry user name (default: GITHUB_ACTOR)"),
        Option("password", "registry password or token", secret=True),
        Option(
            "password-stdin", "read the password from standard input", parse_bool, "false", flag_only=True
        ),
        Option(
            "logins",
            "more registry logins, HOST=USERNAME:PASSWORD, one per line",
            deferred("gitops_ci.engines.build_push.login", "parse_logins"),
            secret=True,
        ),
        Option("push", "push the image", parse_bool, "true"),
        Option("pull", "always pull the base image", parse_bool, "false"),
        Option("no-cache", "build without the layer cache (and never reuse an image)", parse_bool, "false"),
        Option(
            "reuse",
            "skip the build when the registry already holds an image built from the same commit and "
            "context (same content key): add the missing tags to it instead",
            parse_bool,
            "true",
        ),
        Option("cache-ref", "registry repository for the layer cache, e.g. ghcr.io/acme/app-cache"),
        Option(
            "insecure-registries",
            "registries (HOST[:PORT] as in the image name) whose TLS certificate is not verified and that "
            "may be reached over plain HTTP, as docker's insecure-registries; loopback registries may use "
            "plain HTTP too, but a loopback registry that speaks TLS must have a trusted certificate",
            deferred("gitops_ci.engines.build_push.trust", "parse_insecure"),
        ),
        JSON_OPTION,
    ),
    handler=handle,
    outputs=(
        ("image", "the image repository (the first one)"),
        ("tags", "every pushed reference REPO:TAG, one per line"),
        ("version", "the version: the highest-priority tag"),
        ("digest", "the manifest digest, read back from the registry"),
        ("image-ref", "REPO@sha256:… — what bump-manifest should pin"),
        ("labels", "the image's labels, KEY=VALUE per line"),
        ("metadata", "everything above as one JSON document"),
        ("pushed", "whether the image was pushed"),
        ("reused", "true when nothing was built: the registry held an image with the same content key"),
        ("content-key", "the build's content key, recorded as the image label dev.gitops-ci.content-key"),
    ),
)
