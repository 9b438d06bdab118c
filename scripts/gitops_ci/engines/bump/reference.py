"""Image references per the OCI distribution grammar, and their normalisation.

`nginx`, `docker.io/nginx` and `index.docker.io/library/nginx` name the same repository;
matching always compares normalised names, while edits keep the spelling the file uses.
"""

from __future__ import annotations

import re

from gitops_ci.engines.bump.model import Target
from gitops_ci.errors import UserError
from gitops_ci.record import Record

_DOMAIN_PART = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*(?::[0-9]+)?)"
_PATH_PART = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_NAME = rf"(?:{_DOMAIN}/)?{_PATH_PART}(?:/{_PATH_PART})*"
TAG_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
DIGEST_RE = re.compile(r"sha256:[a-f0-9]{64}")
NAME_RE = re.compile(_NAME)
REFERENCE_RE = re.compile(
    rf"(?P<name>{_NAME})(?::(?P<tag>{TAG_RE.pattern}))?(?:@(?P<digest>{DIGEST_RE.pattern}))?"
)

DOCKER_HUB = "docker.io"
_HUB_ALIASES = {"index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"}
DOCS = "https://github.com/distribution/reference/blob/main/reference.go"


class Reference(Record):
    """A parsed reference; `name` keeps the text's own spelling."""

    name: str
    tag: str | None = None
    digest: str | None = None

    @property
    def normalized(self) -> str:
        return normalize_name(self.name)

    def with_version(self, tag: str | None, digest: str | None) -> str:
        return self.name + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")


def normalize_name(name: str) -> str:
    """The canonical repository name: Docker Hub's implicit domain and `library/` made explicit."""
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        domain = first.lower()
        domain = DOCKER_HUB if domain in _HUB_ALIASES else domain
        path = rest
    else:
        domain, path = DOCKER_HUB, name
    if domain == DOCKER_HUB and "/" not in path:
        path = f"library/{path}"
    return f"{domain}/{path}"


def last_component(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def parse_reference(text: str) -> Reference | None:
    """The reference in ``text``, or None when the text is not one (templates, prose, ...)."""
    match = REFERENCE_RE.fullmatch(text)
    if match is None or len(match.group("name")) > 255:
        return None
    return Reference(match.group("name"), match.group("tag"), match.group("digest"))


def check_repository(text: str, *, what: str = "image") -> str:
    if NAME_RE.fullmatch(text) is None or len(text) > 255:
        raise UserError(
            f"{what} {text!r} is not a valid image repository",
            why=_why_special(text)
            or "repository names are lowercase path components separated by `/`, "
            "optionally after a registry host such as ghcr.io",
            fix=f"give the repository without tag or digest, e.g. ghcr.io/acme/shop-api (grammar: {DOCS})",
        )
    return text


def check_tag(text: str) -> str:
    if TAG_RE.fullmatch(text) is None:
        raise UserError(
            f"tag {text!r} is not a valid image tag",
            why=_why_special(text)
            or "a tag is 1-128 letters, digits, `_`, `.` or `-`, not starting with `.` or `-`",
            fix="use a tag such as 1.4.2, v1.4.2 or sha-3f2a1bc",
        )
    return text


def check_digest(text: str) -> str:
    if DIGEST_RE.fullmatch(text) is None:
        raise UserError(
            f"digest {text!r} is not a valid image digest",
            why=_why_special(text) or "a digest is `sha256:` followed by 64 lowercase hex digits",
            fix="pass the digest build-and-push printed, e.g. sha256:3f2a…(64 hex digits)",
        )
    return text


def _why_special(text: str) -> str:
    for char, label in (("\n", "a newline"), ("\r", "a carriage return"), (" ", "a space"), ("#", "`#`")):
        if char in text:
            return f"it contains {label}, which would change the YAML document's structure"
    if text[:1] in set("&*!|>'\"%@`{}[],?:-"):
        return f"it starts with {text[:1]!r}, which YAML reads as syntax"
    return ""


def check_target(target: Target) -> Target:
    check_repository(target.repository)
    if target.tag is None and target.digest is None:
        raise UserError(
            f"no tag or digest given for {target.repository}",
            fix="pass --tag TAG and/or --digest sha256:HEX (or REPO=TAG[@sha256:HEX] with --set)",
        )
    if target.tag is not None:
        check_tag(target.tag)
    if target.digest is not None:
        check_digest(target.digest)
    if target.digest_only and target.digest is None:
        raise UserError(
            f"digest-only pinning of {target.repository} needs a digest", fix="pass --digest sha256:HEX"
        )
    return target


def parse_set(text: str) -> Target:
    """`REPO=TAG`, `REPO=TAG@sha256:HEX` or `REPO=@sha256:HEX` (digest only)."""
    repo, sep, version = text.strip().partition("=")
    if not sep or not repo or not version:
        raise UserError(
            f"--set {text!r} is not REPO=TAG[@sha256:HEX]",
            fix="write e.g. ghcr.io/acme/shop-api=1.4.2 or ghcr.io/acme/shop-api=1.4.2@sha256:<64 hex>",
        )
    tag, at, digest = version.partition("@")
    target = Target(repo, tag or None, digest if at else None, digest_only=not tag)
    if at and not digest:
        check_digest(digest)
    return check_target(target)
