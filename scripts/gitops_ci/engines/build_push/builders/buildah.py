"""buildah: daemonless; runs on self-hosted runners in Kubernetes without Docker.

Also the template for podman, whose build/push/login flags are the same."""

from __future__ import annotations

from pathlib import Path

from gitops_ci.engines.build_push.builders.base import Probe
from gitops_ci.engines.build_push.spec import BuildSpec
from gitops_ci.engines.build_push.trust import BuilderTls


class BuildahBuilder:
    name = "buildah"
    tool = "buildah"
    install_hint = "install buildah (Debian/Ubuntu: `apt-get install buildah`)"

    def available(self, probe: Probe) -> bool:
        return probe.which(self.tool)

    def login(self, registry: str, username: str, authfile: str) -> list[str] | None:
        # `buildah login` would only check the credentials (done through the registry's API
        # before the build) and write the auth file (done by gitops-ci): one process less.
        return None

    def logout(self, registry: str, authfile: str) -> list[str] | None:
        # The login is only in our private auth file, which is deleted after the run: `buildah
        # logout` would edit a file about to go, at the cost of one more process per registry.
        return None

    def build(self, spec: BuildSpec, authfile: str, workdir: str) -> list[str]:
        args = [self.tool, "build", *_authfile(authfile), "--file", spec.file]
        if len(spec.platforms) > 1:
            args += ["--platform", ",".join(spec.platforms), "--manifest", spec.local_name]
        else:
            args += [f"--platform={p}" for p in spec.platforms]
            args += [f"--tag={ref}" for ref in spec.refs]
        args += _common(spec)
        # buildah keeps no layer cache unless asked (podman and docker do): an unchanged context
        # would rebuild every step. --no-cache still skips the cache for that build.
        args.append("--layers")
        if spec.cache_ref:
            args += ["--cache-from", spec.cache_ref, "--cache-to", spec.cache_ref]
        return [*args, spec.context]

    def push(
        self, spec: BuildSpec, ref: str, authfile: str, digestfile: str, tls: BuilderTls
    ) -> list[str] | None:
        if len(spec.platforms) > 1:
            head = [self.tool, "manifest", "push", "--all"]
        else:
            head = [self.tool, "push"]
        source = spec.local_name
        flags = [*_authfile(authfile), *_tls(tls), "--digestfile", digestfile]
        return [*head, *flags, source, f"docker://{ref}"]

    def digest(self, workdir: str, digestfile: str) -> str:
        return Path(digestfile).read_text(encoding="utf-8").strip()


def _authfile(authfile: str) -> list[str]:
    """`--authfile` only when a login wrote one: buildah fails on a named file that is missing."""
    return ["--authfile", authfile] if authfile else []


def _tls(tls: BuilderTls) -> list[str]:
    """Said explicitly either way: `--tls-verify=true` also overrides a registries.conf `insecure`
    the API client did not apply, and plain HTTP needs `false` (buildah then falls back to it)."""
    cert_dir = ["--cert-dir", tls.cert_dir] if tls.cert_dir else []
    return [f"--tls-verify={'true' if tls.verify else 'false'}", *cert_dir]


def _common(spec: BuildSpec) -> list[str]:
    """Flags buildah, podman and docker spell the same way."""
    args: list[str] = []
    args += [f"--label={key}={value}" for key, value in spec.labels]
    args += [f"--build-arg={arg}" for arg in spec.build_args]
    args += [f"--secret={secret.flag()}" for secret in spec.secrets]
    if spec.target:
        args += ["--target", spec.target]
    if spec.pull:
        args.append("--pull")
    if spec.no_cache:
        args.append("--no-cache")
    return args
