"""Docker Registry HTTP API v2 client: asks the registry itself which digest each tag points to.

Handles the auth challenges registries answer with: `Bearer` (token service: ghcr.io, Docker
Hub, Harbor, GitLab…) and `Basic` (a plain distribution registry with htpasswd). The first
request (`GET /v2/`) tries HTTPS; plain HTTP follows only where the host's trust allows it
(loopback, insecure-registries) and never after a certificate was refused (see trust.py).
Every request goes through `doors.http.Client`; the challenges are answered here.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator, Mapping
from urllib.parse import urlparse

from gitops_ci.doors.http import Client, RequestFailed, Response, basic_auth
from gitops_ci.engines.build_push.trust import HostTrust, untrusted
from gitops_ci.errors import UserError

if TYPE_CHECKING:
    import ssl

ACCEPT = ", ".join(
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)
TIMEOUT = 30.0
_PARAM = re.compile(r'(\w+)="([^"]*)"')
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128}")


class CredentialsRefused(UserError):
    """The token service would not give a token for these credentials."""


@dataclass(frozen=True)
class Manifest:
    digest: str
    size: int  # the manifest's config and layers, compressed: what a pull downloads


def session(environ: Mapping[str, str] | None = None) -> Client:
    """A new HTTP session for one registry host: its connection kept for the run's requests;
    `environ` is the process environment (its proxy and CA variables)."""
    return Client(timeout=TIMEOUT, environ=environ or {})


@dataclass
class RegistryClient:
    """One registry host; `username`/`password` are used for the token service or Basic auth."""

    host: str
    username: str = ""
    password: str = field(default="", repr=False)
    trust: HostTrust = field(default_factory=HostTrust)
    http: Client = field(default_factory=lambda: session())
    _token: str = field(default="", repr=False)
    # Manifests read in this run whose bytes match their digest: (repository, digest) → (media type, bytes).
    _manifests: dict[tuple[str, str], tuple[str, bytes]] = field(default_factory=dict, repr=False)
    _scheme: str = ""  # "https" or "http": decided by the first request

    @property
    def scheme(self) -> str:
        """How the registry is spoken to (asking it once when no request was made yet)."""
        if not self._scheme:
            self.ping()
        return self._scheme

    @property
    def base(self) -> str:
        return f"{self.scheme}://{self.host}"

    def ping(self) -> None:
        """Fail with a clear message unless the registry answers `GET /v2/` (200 or 401)."""
        self._registry_answer(self._v2({}), (200, 401))

    def login(self) -> str:
        """Check the credentials as `docker login` does: `GET /v2/`, answering its challenge
        (Basic, or a token from the realm with no repository scope). Returns why they were
        refused, or "" when the registry accepts them."""
        response = self._v2(self._auth({}))
        if response.status_code == 401:
            try:
                self._answer(response.headers.get("WWW-Authenticate", ""), "")
            except CredentialsRefused as refused:
                return refused.what
            response = self._send("GET", f"{self.base}/v2/", self._auth({}))
        if response.status_code == 401:
            return f"{self.host} answered 401 Unauthorized to these credentials"
        self._registry_answer(response, (200,))
        return ""

    def _registry_answer(self, response: Response, expected: tuple[int, ...]) -> None:
        """`GET /v2/` answered as a registry does, or a clear error."""
        if response.status_code not in expected:
            raise UserError(
                f"{self.host} does not look like a container registry: "
                f"GET /v2/ answered {response.status_code}",
                fix="check the registry host in the image name or the registry input",
            )

    def manifest(self, repository: str, tag: str) -> Manifest | None:
        """The manifest a tag points to, or None when the registry does not have the tag."""
        response = self._found(repository, f"manifests/{tag}", {"Accept": ACCEPT})
        if response is None:
            return None
        return Manifest(_digest(response), _size(response))

    def tag(self, repository: str, digest: str, tag: str) -> str | None:
        """Point `tag` at the manifest `digest` already in `repository`, as `crane tag` does: the
        manifest's own bytes are PUT under the new name, so no blob moves and the digest cannot
        change. Returns the digest the registry reports, or None when it will not take the PUT
        (the caller then pushes the tag the ordinary way)."""
        url = f"{self.base}/v2/{repository}/manifests/"
        known = self._manifests.get((repository, digest))
        if known is None:
            source = self._request("GET", url + digest, repository, {"Accept": ACCEPT})
            known = (source.headers.get("Content-Type", ""), source.content)
            if source.status_code != 200:
                return None
        media_type, content = known
        if not media_type:
            return None
        put = self._request("PUT", url + tag, repository, {"Content-Type": media_type}, content)
        if put.status_code not in (200, 201):
            return None
        return put.headers.get("Docker-Content-Digest") or "sha256:" + hashlib.sha256(content).hexdigest()

    def image_config(self, repository: str, tag: str) -> tuple[Manifest, dict[str, Any]] | None:
        """(the tag's manifest, its image config), or None when the registry does not have the
        tag or it is not an image. For an index, the config of its first image (labels are the
        same on every platform; attestation entries, platform unknown/unknown, are skipped).
        The tag's manifest bytes are kept, so that `tag` can add a tag to it without reading it again."""
        response = self._found(repository, f"manifests/{tag}", {"Accept": ACCEPT})
        manifest = _object(response) if response is not None else None
        if response is None or manifest is None:
            return None
        found = Manifest(_digest(response), _size(response))
        self._keep(repository, found.digest, response)
        entries = manifest.get("manifests")
        children = [
            entry
            for entry in (entries if isinstance(entries, list) else [])
            if isinstance(entry, dict) and _mapping(entry.get("platform")).get("os") != "unknown"
        ]
        if children:
            child_digest = children[0].get("digest")
            if not isinstance(child_digest, str) or not _DIGEST.fullmatch(child_digest):
                return None
            child = self._json(repository, f"manifests/{child_digest}", {"Accept": ACCEPT})
            manifest = child[1] if child else {}
        config = _mapping(manifest.get("config")).get("digest")
        if not isinstance(config, str) or not _DIGEST.fullmatch(config):
            return None
        blob = self._json(repository, f"blobs/{config}", {})
        return (found, blob[1]) if blob else None

    def _keep(self, repository: str, digest: str, response: Response) -> None:
        """Remember a manifest whose bytes are the digest's (and say their media type) for `tag`."""
        media_type = response.headers.get("Content-Type", "")
        if media_type and digest == "sha256:" + hashlib.sha256(response.content).hexdigest():
            self._manifests[(repository, digest)] = (media_type, response.content)

    def _json(self, repository: str, path: str, headers: dict[str, str]) -> tuple[str, dict[str, Any]] | None:
        """GET /v2/REPOSITORY/PATH as a JSON object with its digest; None on 404 or a body that
        is not a JSON object."""
        response = self._found(repository, path, headers)
        if response is None:
            return None
        data = _object(response)
        if data is None:
            return None
        return _digest(response), data

    def _found(self, repository: str, path: str, headers: dict[str, str]) -> Response | None:
        """GET /v2/REPOSITORY/PATH answered 200, or None on 404; any other answer is an error."""
        response = self._request("GET", f"{self.base}/v2/{repository}/{path}", repository, headers)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise UserError(
                f"{self.host} answered {response.status_code} for {repository}/{path}",
                why=response.text[:300],
                fix="check the credentials can pull from this repository",
            )
        return response

    def _request(
        self, method: str, url: str, repository: str, headers: dict[str, str], body: bytes | None = None
    ) -> Response:
        response = self._send(method, url, self._auth(headers), body)
        if response.status_code == 401:
            self._answer(response.headers.get("WWW-Authenticate", ""), repository)
            response = self._send(method, url, self._auth(headers), body)
        if response.status_code == 401:
            action = "push to" if method == "PUT" else "pull"
            raise UserError(
                f"{self.host} refused the credentials for {repository}",
                fix=f"check the username and password (token) and that they may {action} this repository",
            )
        return response

    def _auth(self, headers: dict[str, str]) -> dict[str, str]:
        if self._token:
            return {**headers, "Authorization": self._token}
        return headers

    def _answer(self, challenge: str, repository: str) -> None:
        scheme, _, rest = challenge.partition(" ")
        if scheme.lower() == "basic":
            self._token = basic_auth(self.username, self.password)
        elif scheme.lower() == "bearer":
            self._token = "Bearer " + self._bearer(dict(_PARAM.findall(rest)), repository)

    def _bearer(self, params: Mapping[str, str], repository: str) -> str:
        """The token flow: ask the realm for a token with the scope the challenge names (pull, or
        pull,push for a PUT); with no scope named, a pull token for this repository, or for a
        login check (no repository) a token without scope."""
        scope = params.get("scope") or (f"repository:{repository}:pull" if repository else "")
        query = {"scope": scope} if scope else {}
        if params.get("service"):
            query["service"] = params["service"]
        auth = (self.username, self.password) if self.username else None
        try:
            response = self.http.request(
                "GET", params.get("realm", ""), params=query, auth=auth, verify=self.trust.verify
            )
        except RequestFailed as failed:
            if _verification_error(failed.error) is not None:  # the registry's trust applies, as in buildah
                where = f"{self.host} (its token service {urlparse(params.get('realm', '')).netloc})"
                raise untrusted(where, _why_untrusted(failed.error), self.trust.fix) from None
            raise _unreachable(params.get("realm", "the token service"), failed) from None
        data = (_object(response) if response.ok else None) or {}
        token = data.get("token") or data.get("access_token")
        if not token:
            raise CredentialsRefused(
                f"the token service of {self.host} gave no token ({response.status_code})",
                fix="check the username and password (token) for this registry",
            )
        return str(token)

    def _v2(self, headers: dict[str, str]) -> Response:
        """`GET /v2/`; as the first request to the host it decides the scheme, HTTPS first."""
        if self._scheme:
            return self._send("GET", f"{self.base}/v2/", headers)
        try:
            response = self._exchange("GET", f"https://{self.host}/v2/", headers)
        except RequestFailed as refused:
            return self._fall_back(refused, headers)
        self._scheme = "https"
        return response

    def _fall_back(self, refused: RequestFailed, headers: dict[str, str]) -> Response:
        """HTTPS failed: plain HTTP where allowed, unless the host speaks TLS and its certificate
        was refused (plain HTTP would only hide that)."""
        if _verification_error(refused.error) is not None:
            raise untrusted(self.host, _why_untrusted(refused.error), self.trust.fix) from None
        if not self.trust.allow_http or not _may_speak_http(self.host, refused):
            raise _unreachable(self.host, refused) from None
        try:
            response = self._exchange("GET", f"http://{self.host}/v2/", headers)
        except RequestFailed as failed:
            tried = f"HTTPS: {type(refused.error).__name__}; plain HTTP: "
            raise _unreachable(self.host, failed, tried) from None
        self._scheme = "http"
        return response

    def _send(self, method: str, url: str, headers: dict[str, str], body: bytes | None = None) -> Response:
        try:
            return self._exchange(method, url, headers, body)
        except RequestFailed as failed:
            raise _unreachable(self.host, failed) from None

    def _exchange(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None = None
    ) -> Response:
        return self.http.request(method, url, headers=headers, body=body, verify=self.trust.verify)


def _digest(response: Response) -> str:
    """The digest the registry gives for the body it sent, else the body's own."""
    return (
        response.headers.get("Docker-Content-Digest")
        or "sha256:" + hashlib.sha256(response.content).hexdigest()
    )


def _object(response: Response) -> dict[str, Any] | None:
    """The body as a JSON object; None for anything else (a registry's answer is outside input)."""
    try:
        data = response.json()
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _size(response: Response) -> int:
    data = _object(response) or {}
    layers = data.get("layers")
    parts = [data.get("config"), *(layers if isinstance(layers, list) else [])]
    sizes = (_mapping(part).get("size") for part in parts)
    return sum(size for size in sizes if isinstance(size, int) and not isinstance(size, bool) and size > 0)


def _unreachable(where: str, failed: RequestFailed, tried: str = "") -> UserError:
    fix = "check the registry host and port, that the registry is running, and the runner's network"
    if failed.tls:
        fix += f"; if {where} serves plain HTTP, list it in insecure-registries"
    exc = failed.error
    return UserError(f"registry {where} is not reachable", why=f"{tried}{type(exc).__name__}: {exc}", fix=fix)


def _may_speak_http(host: str, refused: RequestFailed) -> bool:
    """Worth asking over plain HTTP: a server answered but not in TLS, or no port was given
    (HTTPS went to 443, HTTP goes to 80). Refused on an explicit port, plain HTTP would be too."""
    explicit_port = "]:" in host if host.startswith("[") else ":" in host
    return refused.tls or not explicit_port


def _verification_error(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    """The certificate verification failure behind a requests error, if that is what it was
    (urllib3 nests it under MaxRetryError.reason and exception causes)."""
    import ssl

    for inner in _causes(exc):
        if isinstance(inner, ssl.SSLCertVerificationError):
            return inner
    return None


def _why_untrusted(exc: BaseException) -> str:
    verification = _verification_error(exc)
    return f"certificate verify failed: {verification.verify_message if verification else exc}"


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[object] = [exc]
    while todo:
        item = todo.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        todo += [item.__cause__, item.__context__, getattr(item, "reason", None), *item.args]
