"""build-and-push's core: `run(inputs, services) -> Result`. No os.environ, no printing."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path

from gitops_ci.engines.build_push import builders, tags
from gitops_ci.engines.build_push.builders.base import Builder
from gitops_ci.engines.build_push.content_key import LABEL, content_key
from gitops_ci.engines.build_push.context import GitContext
from gitops_ci.engines.build_push.credentials import is_credential
from gitops_ci.engines.build_push.labels import oci_labels
from gitops_ci.engines.build_push.login import Login, logged_in
from gitops_ci.engines.build_push.oci import Manifest
from gitops_ci.engines.build_push.services import MachineProbe, Services
from gitops_ci.engines.build_push.spec import BuildSpec, Secret
from gitops_ci.engines.build_push.verify import Registries
from gitops_ci.errors import UserError

SECRET_ENV_PREFIX = "GITOPS_CI_BUILD_SECRET_"
NOT_BUILT = "none"  # the builder of a reused image: nothing was built
LOG_TAIL = 30


@dataclass(frozen=True)
class Inputs:
    images: tuple[str, ...]  # full repositories, registry host first
    rules: tuple[tags.Rule, ...]
    git: GitContext
    created: datetime
    context_dir: str
    file: str
    latest: str = "auto"
    builder: str = "auto"
    user_labels: tuple[tuple[str, str], ...] = ()
    build_args: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    secrets: tuple[Secret, ...] = ()
    platforms: tuple[str, ...] = ()
    target: str = ""
    pull: bool = False
    no_cache: bool = False
    push: bool = True
    cache_ref: str = ""
    insecure: frozenset[str] = field(default=frozenset())
    logins: tuple[Login, ...] = ()
    reuse: bool = True  # skip the build when the registry holds an image with the same content key


@dataclass(frozen=True)
class Result:
    image: str
    refs: tuple[str, ...]
    tags: tuple[str, ...]
    version: str
    labels: dict[str, str]
    builder: str
    seconds: float
    pushed: bool
    digest: str = ""
    size: int = 0
    moved_args: tuple[str, ...] = ()  # credential-named build args that were passed as secrets
    content_key: str = ""  # recorded on the image as the content-key label
    reused: bool = False  # the registry had an image with this key: tagged, not built

    @property
    def image_ref(self) -> str:
        return f"{self.image}@{self.digest}" if self.digest else ""


def plan(inputs: Inputs) -> tuple[tags.Meta, dict[str, str]]:
    """Tags and labels: pure, the part users most often need to check."""
    meta = tags.compute(inputs.rules, inputs.git, inputs.latest)
    labels = oci_labels(inputs.git, inputs.images[0], meta.version, inputs.created, dict(inputs.user_labels))
    return meta, labels


def run(inputs: Inputs, services: Services) -> Result:
    meta, labels = plan(inputs)
    refs = tuple(f"{image}:{tag}" for image in inputs.images for tag in meta.tags)
    probe = MachineProbe(services)
    builders.require_installed(inputs.builder, probe)
    key = key_of(inputs, labels)
    labels = {**labels, LABEL: key}
    spec, moved = make_spec(inputs, refs, labels)
    services = with_env(services, secret_env(inputs.build_args))
    registries = Registries(
        inputs.logins, inputs.insecure, services.trust, partial(services.http, services.env)
    )
    registries.check(refs if inputs.push else ())
    start = services.clock()
    result = Result(
        image=inputs.images[0],
        refs=refs,
        tags=meta.tags,
        version=meta.version,
        labels=labels,
        builder=NOT_BUILT,
        seconds=0.0,
        pushed=inputs.push,
        moved_args=moved,
        content_key=key,
    )
    reused = reuse(refs, key, registries, services) if wants_reuse(inputs, services) else None
    if reused is not None:
        manifest, image_labels = reused
        return replace(
            result,
            labels={name: image_labels.get(name, value) for name, value in labels.items()},
            seconds=services.clock() - start,
            digest=manifest.digest,
            size=manifest.size,
            reused=True,
        )
    # Only a build asks which builder works here (a Docker engine is asked with `docker version`).
    builder = builders.select(inputs.builder, probe)
    result = replace(result, builder=builder.name)
    with tempfile.TemporaryDirectory(prefix="gitops-ci-build-") as workdir:
        with logged_in(builder, inputs.logins, services) as authfile:
            build(builder, spec, authfile, workdir, services)
            digest, size = (
                push(builder, spec, registries, authfile, workdir, services) if inputs.push else ("", 0)
            )
    return replace(result, seconds=services.clock() - start, digest=digest, size=size)


def key_of(inputs: Inputs, labels: dict[str, str]) -> str:
    return content_key(
        inputs.context_dir,
        inputs.file,
        inputs.build_args,
        inputs.secrets,
        inputs.target,
        inputs.platforms,
        labels.items(),
    )


def wants_reuse(inputs: Inputs, services: Services) -> bool:
    """Reuse only what can be pushed, and never when the user asked for a fresh build."""
    if not inputs.push:
        return False
    if not inputs.reuse or inputs.no_cache:
        services.log(f"building: {'no-cache is true' if inputs.no_cache else 'reuse is false'}")
        return False
    return True


def reuse(
    refs: tuple[str, ...], key: str, registries: Registries, services: Services
) -> tuple[Manifest, dict[str, str]] | None:
    """When every repository already holds an image with this content key under one of this
    run's tags: add the other tags to it in the registry and return it as the registry has it
    (with the labels it holds). None (then the caller builds) when one does not, or the lookup fails."""
    try:
        return _reuse(refs, key, registries, services)
    except UserError as exc:
        services.log(f"building: the registry lookup of the content key failed: {exc.what}")
        return None


def _reuse(
    refs: tuple[str, ...], key: str, registries: Registries, services: Services
) -> tuple[Manifest, dict[str, str]] | None:
    by_repository: dict[str, list[str]] = {}
    for ref in refs:
        by_repository.setdefault(ref.rpartition(":")[0], []).append(ref)
    found: dict[str, tuple[str, Manifest, dict[str, str]]] = {}  # repository → (ref, manifest, labels)
    for repository, repository_refs in by_repository.items():
        hit = next(
            ((ref, *built) for ref in repository_refs if (built := registries.built(ref, LABEL, key))), None
        )
        if hit is None:
            services.log(f"building: no tag of {repository} this run pushes holds content key {key}")
            return None
        found[repository] = hit
    pushed: dict[str, str] = {}
    for ref in refs:
        source, image, _ = found[ref.rpartition(":")[0]]
        tagged = image.digest if ref == source else registries.tag(ref, image.digest)
        if tagged is None:
            services.log(f"building: {ref} could not be tagged in the registry")
            return None
        if ref != source:
            services.log(f"{ref}: tagged in the registry (the reused image, {tagged})")
        pushed[ref] = tagged
    manifest = registries.verify_pushed(pushed, {source: image for source, image, _ in found.values()})
    first, _, labels = next(iter(found.values()))
    services.log(
        f"reused {first.rpartition(':')[0]}@{manifest.digest}: the registry already holds an image built "
        f"from this commit and context (content key {key}, found as {first}); nothing was built"
    )
    return manifest, labels


def make_spec(
    inputs: Inputs, refs: tuple[str, ...], labels: dict[str, str]
) -> tuple[BuildSpec, tuple[str, ...]]:
    """The builder's instructions; credential-named build args become build secrets."""
    moved = tuple(name for name, _ in inputs.build_args if is_credential(name))
    plain = tuple(f"{name}={value}" for name, value in inputs.build_args if name not in moved)
    secrets = inputs.secrets + tuple(Secret(name, "env", SECRET_ENV_PREFIX + name) for name in moved)
    spec = BuildSpec(
        context=inputs.context_dir,
        file=inputs.file,
        refs=refs,
        labels=tuple(sorted(labels.items())),
        build_args=plain,
        secrets=secrets,
        platforms=inputs.platforms,
        target=inputs.target,
        pull=inputs.pull,
        no_cache=inputs.no_cache,
        push=inputs.push,
        cache_ref=inputs.cache_ref,
    )
    return spec, moved


def secret_env(build_args: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return {SECRET_ENV_PREFIX + name: value for name, value in build_args if is_credential(name)}


def with_env(services: Services, extra: dict[str, str]) -> Services:
    return replace(services, env={**services.env, **extra}) if extra else services


def build(builder: Builder, spec: BuildSpec, authfile: str, workdir: str, services: Services) -> None:
    with services.group(f"build with {builder.name}"):
        done = services.run(builder.build(spec, authfile, workdir), check=False)
        services.log(services.redactor.redact(done.stdout + done.stderr))
    if done.returncode != 0:
        raise build_failure(done.stdout + "\n" + done.stderr, done.returncode, services)


def build_failure(output: str, returncode: int, services: Services) -> UserError:
    """The failing step and its log tail, for an ::error:: a reader can act on."""
    lines = [line for line in services.redactor.redact(output).splitlines() if line.strip()]
    starts = [i for i, line in enumerate(lines) if _STEP.search(line)]
    step = _STEP.sub("", lines[starts[-1]]).strip() if starts else "an unknown step"
    tail = lines[starts[-1] :] if starts else lines
    return UserError(
        f"the image build failed (exit code {returncode}) at step: {step}",
        why="the step's log ends with:\n" + "\n".join(tail[-LOG_TAIL:]),
        fix="fix that step in the Dockerfile; the whole build log is in the step's log group",
    )


# buildah/podman print `STEP 3/5: RUN …`; buildx prints `#7 [2/4] RUN …`.
_STEP = re.compile(r"^(STEP \d+/\d+:|#\d+ \[[^\]]*\d+/\d+\])")


def push(
    builder: Builder, spec: BuildSpec, registries: Registries, authfile: str, workdir: str, services: Services
) -> tuple[str, int]:
    """Push every ref, then read each tag's digest back from its registry; return (digest, size).

    A repository's first tag is pushed by the builder; its other tags are added in the registry
    to the manifest just pushed (no second upload, and the same digest by construction). When a
    registry refuses that, the builder pushes the tag too."""
    pushed: dict[str, str] = {}
    first: dict[str, str] = {}  # repository (host/path) → the digest its first tag was pushed as
    with services.group(f"push {len(spec.refs)} tag(s)"):
        for index, ref in enumerate(spec.refs):
            digestfile = str(Path(workdir, f"digest-{index}"))
            command = builder.push(spec, ref, authfile, digestfile, registries.tls(ref))
            if command is None:  # the build pushed it (docker buildx --push)
                pushed[ref] = builder.digest(workdir, digestfile)
                continue
            repository = ref.rpartition(":")[0]
            tagged = registries.tag(ref, first[repository]) if repository in first else None
            if tagged:
                services.log(f"{ref}: tagged in the registry (the manifest just pushed, {tagged})")
                pushed[ref] = tagged
                continue
            services.run(command, fix=f"check that the credentials may push to {repository}")
            pushed[ref] = builder.digest(workdir, digestfile)
            first.setdefault(repository, pushed[ref])
    manifest = registries.verify_pushed(pushed)
    return manifest.digest, manifest.size
