"""docker buildx: builds and pushes in one command, and writes the digest to --metadata-file.

It logs in to the user's own Docker config, as docker/login-action does, so a builder set up
by docker/setup-buildx-action keeps working; the logout afterwards removes the credential."""

from __future__ import annotations

import json
import os

from gitops_ci.engines.build_push.builders.base import Probe
from gitops_ci.engines.build_push.builders.buildah import _common
from gitops_ci.engines.build_push.spec import BuildSpec
from gitops_ci.engines.build_push.trust import BuilderTls
from gitops_ci.errors import UserError

METADATA = "buildx-metadata.json"


class DockerBuilder:
    name = "docker"
    tool = "docker"
    install_hint = "start a Docker engine with the buildx plugin (or set DOCKER_HOST)"

    def available(self, probe: Probe) -> bool:
        engine = probe.answers([self.tool, "version", "--format", "{{.Server.Version}}"])
        return engine and probe.answers([self.tool, "buildx", "version"])

    def login(self, registry: str, username: str, authfile: str) -> list[str]:
        return [self.tool, "login", "--username", username, "--password-stdin", registry]

    def logout(self, registry: str, authfile: str) -> list[str] | None:
        return [self.tool, "logout", registry]

    def build(self, spec: BuildSpec, authfile: str, workdir: str) -> list[str]:
        args = [self.tool, "buildx", "build", "--file", spec.file]
        args += [f"--tag={ref}" for ref in spec.refs]
        if spec.platforms:
            args += ["--platform", ",".join(spec.platforms)]
        args += _common(spec)
        if spec.cache_ref:
            args += ["--cache-from", f"type=registry,ref={spec.cache_ref}"]
            args += ["--cache-to", f"type=registry,ref={spec.cache_ref},mode=max"]
        if spec.push:
            args.append("--push")
        elif len(spec.platforms) <= 1:
            args.append("--load")  # a multi-platform image cannot be loaded into the engine
        args += ["--metadata-file", os.path.join(workdir, METADATA)]
        return [*args, spec.context]

    def push(
        self, spec: BuildSpec, ref: str, authfile: str, digestfile: str, tls: BuilderTls
    ) -> list[str] | None:
        # --push pushed every tag during the build; the engine (daemon.json's insecure-registries,
        # /etc/docker/certs.d) decides its own TLS.
        return None

    def digest(self, workdir: str, digestfile: str) -> str:
        path = os.path.join(workdir, METADATA)
        try:
            with open(path, encoding="utf-8") as handle:
                return str(json.load(handle)["containerimage.digest"])
        except (OSError, ValueError, KeyError) as exc:
            raise UserError(
                "docker buildx did not report the pushed digest",
                why=f"{path}: {exc}",
                fix="update docker buildx (0.9 or later writes containerimage.digest)",
            ) from None
