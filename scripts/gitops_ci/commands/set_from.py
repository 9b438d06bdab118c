"""bump-manifest --set-from DIR: a folder of build metadata files (build-and-push's `metadata`
output, one `<service>.json` per service) read as targets, held to what the plan expected
(`expect-builds`), with `partial` deciding whether a missing build stops the run.

Every file is read and checked before anything is decided: the bad ones are refused together
in one error, so a run never deploys some services of a plan and trips over the next file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from gitops_ci.errors import UserError

if TYPE_CHECKING:  # the edit engine's model loads when a folder is read
    from gitops_ci.engines.bump.model import Target

REVISION = "org.opencontainers.image.revision"
SUFFIX = ".json"
MAX_BYTES = 1 << 20  # a metadata file is a few KiB; a larger one is no metadata file
SERVICE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_REVISION_RE = re.compile(r"[0-9a-f]{7,64}")
FORMAT = (
    "each file is the `metadata` output of build-and-push, saved as <service>.json: "
    '{"image": "ghcr.io/acme/api", "version": "1.4.2", "digest": "sha256:<64 hex>", '
    '"labels": {"org.opencontainers.image.revision": "<commit>"}, ...}'
)


@dataclass(frozen=True)
class Build:
    """One service's build, as its metadata file tells it."""

    service: str  # the file's name without `.json`
    file: str  # the file, as the user named the folder
    target: Target
    revision: str = ""  # its org.opencontainers.image.revision label: the commit it was built from
    pushed: bool = True


@dataclass(frozen=True)
class Builds:
    """The builds to deploy, and what the plan expected of them."""

    folder: str
    builds: tuple[Build, ...]
    expected: tuple[str, ...] = ()  # expect-builds, as given (empty: no expectation)
    missing: tuple[str, ...] = ()  # expected, without a metadata file: not deployed
    unexpected: tuple[str, ...] = ()  # a metadata file the plan did not expect: deployed too

    @property
    def services(self) -> tuple[str, ...]:
        return tuple(build.service for build in self.builds)

    def revisions(self) -> dict[str, str]:
        """Each build's repository and the commit it was built from (when its label says)."""
        return {build.target.repository: build.revision for build in self.builds if build.revision}


def parse(service: str, file: str, text: str) -> Build | list[str]:
    """One metadata file: its Build, or every problem found in it."""
    from gitops_ci.engines.bump.model import Target

    try:
        doc = json.loads(text)
    except ValueError as exc:
        return [f"not JSON ({exc})"]
    if not isinstance(doc, dict):
        return [f"not a JSON object but {_kind(doc)}"]
    problems: list[str] = []
    image = _text(doc, "image", problems, check=_check_repository)
    version = _text(doc, "version", problems, check=_check_tag)
    digest = _digest(doc.get("digest"), problems)
    revision = _revision(doc.get("labels"), problems)
    tags = doc.get("tags")
    if tags is not None and not (isinstance(tags, list) and all(isinstance(tag, str) for tag in tags)):
        problems.append(f'"tags" is {_kind(tags)}, not a list of image references')
    elif image and version and tags and f"{image}:{version}" not in tags:
        problems.append(f'version {version!r} is not among its "tags" ({", ".join(tags[:3])}...)')
    pushed = doc.get("pushed", True)
    if problems:
        return problems
    return Build(service, file, Target(image, version, digest), revision, pushed is not False)


def _text(doc: Mapping[str, Any], key: str, problems: list[str], *, check: Any) -> str:
    value = doc.get(key)
    if value is None:
        problems.append(f'no "{key}"')
        return ""
    if not isinstance(value, str) or not value:
        problems.append(f'"{key}" is {_kind(value)}, not a non-empty string')
        return ""
    problem = check(value)
    if problem:
        problems.append(problem)
        return ""
    return value


def _checked(key: str, value: str, check: Callable[[str], object]) -> str:
    """The problem the reference grammar's `check` finds in a field's value, or ""."""
    try:
        check(value)
    except UserError as exc:
        return f'"{key}": {exc.what}'
    return ""


def _check_repository(value: str) -> str:
    from gitops_ci.engines.bump.reference import check_repository

    return _checked("image", value, check_repository)


def _check_tag(value: str) -> str:
    from gitops_ci.engines.bump.reference import check_tag

    return _checked("version", value, check_tag)


def _digest(value: object, problems: list[str]) -> str | None:
    """The digest when it is a real one; none when the build was not pushed (the UNAVAILABLE
    text) or the field is left out."""
    from gitops_ci.engines.bump.reference import DIGEST_RE

    if value is None or value == "" or (isinstance(value, str) and value.startswith("unavailable")):
        return None
    if isinstance(value, str) and DIGEST_RE.fullmatch(value):
        return value
    shown = repr(value) if isinstance(value, str) else _kind(value)
    problems.append(f'"digest" {shown} is neither sha256:<64 hex> nor build-and-push\'s "unavailable" text')
    return None


def _revision(labels: object, problems: list[str]) -> str:
    if labels is None:
        return ""
    if not isinstance(labels, dict):
        problems.append(f'"labels" is {_kind(labels)}, not an object')
        return ""
    value = labels.get(REVISION)
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or not _REVISION_RE.fullmatch(value):
        shown = repr(value) if isinstance(value, str) else _kind(value)
        problems.append(f"label {REVISION} {shown[:80]} is not a commit SHA")
        return ""
    return value


def _kind(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def read(folder: Path, shown: str, expected: Sequence[str] = (), partial: bool = False) -> Builds:
    """The builds in ``folder`` (``shown``: the folder as the user named it), held to
    ``expected``; a UserError naming every bad file, or every missing build (unless
    ``partial``), when the run cannot deploy what it was given."""
    for name in expected:
        if not SERVICE_RE.fullmatch(name):
            raise UserError(
                f"expect-builds: {name!r} is not a service name",
                fix="list the services as their metadata files are named (<service>.json), "
                "comma or newline separated",
            )
    if not folder.is_dir():
        raise UserError(
            f"set-from: {shown} is not a folder",
            fix="download the build metadata (one <service>.json per build) into a folder "
            "and pass its path",
        )
    found: list[Build] = []
    seen: set[str] = set()  # every file's service, the bad ones too (those are not "missing")
    problems: list[tuple[str, str]] = []  # (file, what is wrong with it)
    for path in sorted(folder.iterdir()):
        if not path.name.endswith(SUFFIX) or path.name.startswith(".") or not path.is_file():
            continue
        service, file = path.name[: -len(SUFFIX)], f"{shown.rstrip('/')}/{path.name}"
        seen.add(service)
        if not SERVICE_RE.fullmatch(service):
            problems.append((file, f"{service!r} is not a service name (letters, digits, `.`, `_`, `-`)"))
            continue
        size = path.stat().st_size
        if size > MAX_BYTES:
            problems.append((file, f"{size:,} bytes, too large for build metadata"))
            continue
        result = parse(service, file, path.read_bytes().decode("utf-8", "replace"))
        if isinstance(result, Build):
            found.append(result)
        else:
            problems.extend((file, problem) for problem in result)
    problems += _twice(found)
    missing = tuple(name for name in dict.fromkeys(expected) if name not in seen)
    if problems:
        raise _bad_files(shown, problems, missing)
    return decide(Builds(shown, tuple(found), tuple(expected)), missing, partial)


def _twice(found: Sequence[Build]) -> list[tuple[str, str]]:
    from gitops_ci.engines.bump.reference import normalize_name

    first: dict[str, Build] = {}
    out = []
    for build in found:
        seen = first.setdefault(normalize_name(build.target.repository), build)
        if seen is not build:
            out.append((build.file, f"image {build.target.repository} is also the image of {seen.file}"))
    return out


def decide(builds: Builds, missing: Sequence[str], partial: bool) -> Builds:
    """What the plan expected against what was built: a missing build stops the run unless
    ``partial``; with nothing present at all, nothing can be deployed either way."""
    expected = set(builds.expected)
    unexpected = tuple(b.service for b in builds.builds if expected and b.service not in expected)
    if missing and not partial:
        files = ", ".join(f"{name}{SUFFIX}" for name in missing)
        raise UserError(
            f"{len(missing)} expected build(s) missing: {', '.join(missing)}; nothing deployed",
            why=f"{builds.folder} holds no {files}: those builds failed or were cancelled",
            fix="re-run the failed builds, or pass partial: true to deploy the builds that are present",
        )
    if not builds.builds:
        raise UserError(
            f"set-from: no build metadata in {builds.folder}; nothing deployed",
            why=(
                f"every expected build is missing: {', '.join(missing)}"
                if missing
                else "the folder holds no <service>.json file"
            ),
            fix="check that the builds ran and that their metadata was downloaded into this folder "
            "(actions/download-artifact with merge-multiple: true puts the files side by side)",
        )
    return Builds(builds.folder, builds.builds, builds.expected, tuple(missing), unexpected)


def _bad_files(shown: str, problems: list[tuple[str, str]], missing: Sequence[str]) -> UserError:
    lines = [f"{file}: {problem}" for file, problem in problems]
    if missing:
        lines.append(f"missing as well (expected, no file): {', '.join(missing)}")
    files = len({file for file, _ in problems})
    alone = len(lines) == 1
    return UserError(
        lines[0] if alone else f"{files} bad build metadata file(s) in {shown}; nothing deployed",
        why="" if len(lines) == 1 else "\n" + "\n".join(lines),
        fix=f"{FORMAT}; nothing was written, committed or pushed",
    )
