"""Build metadata files as build-and-push writes them (its `metadata` output, made by its own
report code from a build result), one `<service>.json` per service, for --set-from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from gitops_ci.commands.build_report import document
from gitops_ci.engines.build_push.core import Result

REVISION = "org.opencontainers.image.revision"


def metadata(
    image: str, version: str, *, digest: str = "", revision: str = "", pushed: bool = True
) -> dict[str, Any]:
    """build-and-push's `metadata` output for a build of ``image`` tagged ``version``; no
    ``digest`` is a build that was not pushed (its digest is the UNAVAILABLE text)."""
    labels = {"org.opencontainers.image.version": version, "org.opencontainers.image.title": "app"}
    if revision:
        labels[REVISION] = revision
    refs = (f"{image}:{version}", f"{image}:latest")
    result = Result(image, refs, (version, "latest"), version, labels, "buildah", 1.25, pushed, digest)
    return document(result)


def write(folder: Path, builds: Mapping[str, Mapping[str, Any]]) -> Path:
    """One `<service>.json` per build in ``folder``; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for service, doc in builds.items():
        (folder / f"{service}.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return folder
