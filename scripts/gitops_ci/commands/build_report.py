"""What build-and-push shows: runner outputs, a summary table, and text or JSON."""

from __future__ import annotations

from typing import Any

from gitops_ci.engines.build_push.core import Result
from gitops_ci.doors.runner import Console

REUSED = (
    "none: the registry already held an image built from this commit and context (same content "
    "key), so nothing was built and this run's tags were added to it"
)
UNAVAILABLE = "unavailable: push is false, so nothing was pushed and no registry holds a digest"


def document(result: Result) -> dict[str, Any]:
    return {
        "image": result.image,
        "tags": list(result.refs),
        "version": result.version,
        "digest": result.digest or UNAVAILABLE,
        "image_ref": result.image_ref or UNAVAILABLE,
        "labels": result.labels,
        "pushed": result.pushed,
        "builder": result.builder,
        "seconds": round(result.seconds, 2),
        "size": result.size,
        "reused": result.reused,
        "content_key": result.content_key,
    }


def outputs(result: Result) -> dict[str, object]:
    return {
        "image": result.image,
        "tags": "\n".join(result.refs),
        "version": result.version,
        "digest": result.digest or UNAVAILABLE,
        "image-ref": result.image_ref or UNAVAILABLE,
        "labels": "\n".join(f"{k}={v}" for k, v in result.labels.items()),
        "metadata": document(result),
        "pushed": result.pushed,
        "reused": result.reused,
        "content-key": result.content_key,
    }


def size_text(size: int) -> str:
    if not size:
        return "unknown"
    return f"{size / 1024 / 1024:.1f} MiB" if size >= 1024 * 1024 else f"{size / 1024:.1f} KiB"


def summary(result: Result) -> str:
    rows = [
        ("Tags", "<br>".join(f"`{ref}`" for ref in result.refs)),
        ("Digest", f"`{result.digest}`" if result.digest else UNAVAILABLE),
        ("Size", size_text(result.size)),
        ("Builder", REUSED if result.reused else result.builder),
        ("Build time", f"{result.seconds:.1f} s"),
        ("Content key", f"`{result.content_key}`"),
    ]
    table = ["| | |", "|---|---|", *(f"| {name} | {value} |" for name, value in rows)]
    return "\n".join(["### build-and-push", "", *table, ""])


def text(result: Result) -> str:
    if result.reused:
        lines = [f"reused {result.image} in {result.seconds:.1f} s: {REUSED}"]
    else:
        lines = [f"built {result.image} with {result.builder} in {result.seconds:.1f} s"]
    lines += [f"  {ref}" for ref in result.refs]
    lines.append(f"digest: {result.digest or UNAVAILABLE}")
    if result.image_ref:
        lines.append(f"image-ref: {result.image_ref}")
    return "\n".join(lines)


def report(console: Console, result: Result) -> None:
    for name in result.moved_args:
        console.warning(
            f"build arg {name} looks like a credential: it was passed as a build secret instead, "
            f"because build args are recorded in the image history. Read it with "
            f"`RUN --mount=type=secret,id={name}` (the file /run/secrets/{name})."
        )
    console.set_outputs(outputs(result))
    console.summary(summary(result))
    console.result(document(result), text(result))
