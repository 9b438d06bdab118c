"""OCI image labels (org.opencontainers.image.*) from the git context; user labels merge over them."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Mapping

from gitops_ci.engines.build_push.context import GitContext

PREFIX = "org.opencontainers.image."


def oci_labels(
    ctx: GitContext, image: str, version: str, created: datetime, user: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The standard labels (empty values left out), then the user's labels over them."""
    generated = {
        "created": created.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "title": title(ctx, image),
        "version": version,
        "revision": ctx.sha,
        "source": ctx.repo_url,
        "url": ctx.homepage or ctx.repo_url,
        "licenses": ctx.license if ctx.license not in ("", "NOASSERTION") else "",
    }
    labels = {PREFIX + key: value for key, value in generated.items() if value}
    labels.update(user or {})
    return labels


def title(ctx: GitContext, image: str) -> str:
    """The repository's name, or the image's last path component outside GitHub."""
    if ctx.repository:
        return ctx.repository.rsplit("/", 1)[-1]
    return image.rsplit("/", 1)[-1]
