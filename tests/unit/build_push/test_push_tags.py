"""The push step: one upload per repository, the other tags added in the registry, and the
builder's own push for any tag the registry will not take that way."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Mapping

from gitops_ci.engines.build_push.core import push
from gitops_ci.engines.build_push.oci import Manifest
from gitops_ci.engines.build_push.services import Services
from gitops_ci.engines.build_push.spec import BuildSpec
from gitops_ci.engines.build_push.trust import BuilderTls
from gitops_ci.secrets import Redactor

DIGEST = "sha256:" + "a" * 64


class PushRecorder:
    """A builder whose push command records the ref it pushes and writes the digest file."""

    name = "recorder"
    install_hint = ""

    def __init__(self, log: Path) -> None:
        self.log = log

    def push(
        self, spec: BuildSpec, ref: str, authfile: str, digestfile: str, tls: BuilderTls
    ) -> list[str] | None:
        script = (
            f"open({str(self.log)!r}, 'a').write({ref!r} + '\\n'); "
            f"open({digestfile!r}, 'w').write({DIGEST!r})"
        )
        return [sys.executable, "-c", script]

    def digest(self, workdir: str, digestfile: str) -> str:
        return Path(digestfile).read_text(encoding="utf-8")


class Registry:
    """Registries' push-side API: takes a tag unless it is in `refuse`; records what it verified."""

    def __init__(self, refuse: frozenset[str] = frozenset()) -> None:
        self.refuse = refuse
        self.tagged: list[tuple[str, str]] = []
        self.verified: dict[str, str] = {}

    def tag(self, ref: str, digest: str) -> str | None:
        if ref in self.refuse:
            return None
        self.tagged.append((ref, digest))
        return digest

    def tls(self, ref: str) -> BuilderTls:
        return BuilderTls(True)

    def verify_pushed(self, pushed: Mapping[str, str]) -> Manifest:
        self.verified = dict(pushed)
        return Manifest(next(iter(pushed.values())), 1234)


def run_push(tmp_path: Path, refs: tuple[str, ...], registry: Registry) -> list[str]:
    log = tmp_path / "pushed"
    spec = BuildSpec(context=".", file="Dockerfile", refs=refs)
    services = Services(redactor=Redactor(), env=dict(os.environ))
    result = push(PushRecorder(log), spec, registry, "", str(tmp_path), services)  # type: ignore[arg-type]
    assert result == (DIGEST, 1234)
    assert registry.verified == {ref: DIGEST for ref in refs}
    return log.read_text(encoding="utf-8").splitlines()


def test_each_repository_is_uploaded_once_and_its_other_tags_are_added_in_the_registry(
    tmp_path: Path,
) -> None:
    refs = ("reg.a/app:1", "reg.a/app:latest", "reg.b/mirror/app:1", "reg.b/mirror/app:latest")
    registry = Registry()
    assert run_push(tmp_path, refs, registry) == ["reg.a/app:1", "reg.b/mirror/app:1"]
    assert registry.tagged == [("reg.a/app:latest", DIGEST), ("reg.b/mirror/app:latest", DIGEST)]


def test_a_tag_the_registry_refuses_is_pushed_by_the_builder(tmp_path: Path) -> None:
    refs = ("reg.a/app:1", "reg.a/app:immutable", "reg.a/app:latest")
    registry = Registry(refuse=frozenset({"reg.a/app:immutable"}))
    assert run_push(tmp_path, refs, registry) == ["reg.a/app:1", "reg.a/app:immutable"]
    assert registry.tagged == [("reg.a/app:latest", DIGEST)]
