"""The one place that speaks HTTP: POST and GET with a bounded retry (`Http`, on requests), and
kept connections for a client that speaks a protocol of many requests itself (`Client`, on the
standard library's http.client).

`Http`: 429 and 5xx are retried, honouring `Retry-After` (seconds or an HTTP date) or a JSON body's
`retry_after` (Slack, Discord), with exponential backoff otherwise; all of it within one total
time bound, so a job never hangs on a slow or rate-limiting server. Other 4xx are final.
Failures come back as an `Outcome` whose reason never contains the URL (webhook URLs are
secrets, and requests puts the URL in its exception texts).

`Client`: one connection per server, kept between requests; the retry, redirects, TLS settings
and failure texts of the requests session it replaced (see the class), so a run that only asks a
registry a few questions (build-and-push reusing an image) never loads requests and urllib3
(~70 ms). A reply is a `Response` read whole; a failure raises `RequestFailed`, for the caller to
explain. With a proxy in the environment a request goes through requests, as before.

requests, http.client and ssl are imported when a request is made, email.utils when a
Retry-After gives an HTTP date; none of them when the command starts.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import time
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, NamedTuple

from gitops_ci.secrets import Redactor

if TYPE_CHECKING:
    import http.client
    import socket
    import ssl

    import requests

BODY_TAIL = 300  # characters of a failed reply's body kept in the reason
TLS_FAILED = "TLS failed: "


@dataclass(frozen=True)
class RetryPolicy:
    total: float = 30.0  # seconds for all attempts and waits together
    attempts: int = 6
    backoff: float = 1.0  # first wait after a 5xx without Retry-After; doubles each time
    max_backoff: float = 10.0
    attempt_timeout: float = 10.0  # connect and read timeout of one attempt (cut to what is left)


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    text: str


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    attempts: int
    status_code: int | None = None
    reason: str = ""
    reply_text: str = ""


# A 2xx reply can still be a refusal (Slack's API answers 200 {"ok": false}): return its reason.
Refusal = Callable[[Reply], "str | None"]


def _no_refusal(reply: Reply) -> str | None:
    return None


@dataclass
class Http:
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    redactor: Redactor = field(default_factory=Redactor)
    proxies: Mapping[str, str] = field(default_factory=dict)
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    tls_verify: bool | str = True  # False for a self-signed server, or the path of a CA bundle

    def post(
        self, url: str, body: bytes, headers: Mapping[str, str], refusal: Refusal = _no_refusal
    ) -> Outcome:
        return self._request("POST", url, body, headers, refusal)

    def get(self, url: str, headers: Mapping[str, str], params: Mapping[str, str] | None = None) -> Outcome:
        """GET with the same retry; the reply's text is the Outcome's `reply_text`."""
        return self._request("GET", url, None, headers, _no_refusal, params)

    def _request(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: Mapping[str, str],
        refusal: Refusal,
        params: Mapping[str, str] | None = None,
    ) -> Outcome:
        deadline = self.clock() + self.policy.total
        with _session(self.proxies, self.tls_verify) as session, quiet_when_unverified(self.tls_verify):
            for attempt in itertools.count(1):
                timeout = min(self.policy.attempt_timeout, deadline - self.clock())
                request = _Request(method, url, body, headers, params)
                reply, error = _send(session, request, timeout)
                if reply is not None and 200 <= reply.status < 300:
                    refused = refusal(reply)
                    if refused is None:
                        return Outcome(True, attempt, reply.status, "", reply.text)
                    return self._final(attempt, reply, refused)
                wait = self._retry_or_stop(attempt, deadline, reply, error)
                if isinstance(wait, Outcome):
                    return wait
                self.sleep(wait)
        raise AssertionError("unreachable: itertools.count does not end")

    def _retry_or_stop(
        self, attempt: int, deadline: float, reply: Reply | None, error: str
    ) -> float | Outcome:
        """Seconds to wait before the next attempt, or the final outcome."""
        wait, why = self._next_wait(attempt, reply, error)
        if wait is None:
            return self._final(attempt, reply, why)
        if self.clock() + wait >= deadline:
            bound = f"{self.policy.total:g} s time bound"
            return self._final(
                attempt, reply, f"{why}; gave up: waiting {wait:.3g} s more would pass the {bound}"
            )
        if attempt >= self.policy.attempts:
            return self._final(attempt, reply, f"{why}; gave up after {attempt} attempts")
        return wait

    def _next_wait(self, attempt: int, reply: Reply | None, error: str) -> tuple[float | None, str]:
        """How long to wait before the next attempt, or None when the failure is final."""
        backoff = min(self.policy.backoff * 2 ** (attempt - 1), self.policy.max_backoff)
        if reply is None:
            # A certificate the client does not trust stays untrusted: no point in waiting.
            return (None if error.startswith(TLS_FAILED) else backoff), error
        why = f"HTTP {reply.status}" + (f": {self._tail(reply.text)}" if reply.text.strip() else "")
        if reply.status == 429 or reply.status >= 500:
            asked = retry_after(reply)
            return (backoff if asked is None else asked), why
        return None, why

    def _final(self, attempt: int, reply: Reply | None, why: str) -> Outcome:
        status = reply.status if reply is not None else None
        text = self.redactor.redact(reply.text) if reply is not None else ""
        return Outcome(False, attempt, status, self.redactor.redact(why), text)

    def _tail(self, text: str) -> str:
        text = " ".join(text.split())
        return self.redactor.redact(text[:BODY_TAIL] + ("…" if len(text) > BODY_TAIL else ""))


@dataclass(frozen=True)
class SessionRetry:
    """A `Client`'s retry inside each request (urllib3's `Retry` on the session's adapters):
    connection errors and the `statuses` are tried again, `total` times at most, waiting
    `backoff` × 2ⁿ between (urllib3's backoff factor) and honouring `Retry-After`. TLS failures
    are not retried: they do not pass, and a client that falls back from HTTPS must do so at once."""

    total: int = 3
    backoff: float = 0.5
    statuses: tuple[int, ...] = (429, 502, 503, 504)


class RequestFailed(Exception):
    """A `Client` request got no reply. `error` says why: one of the failures below, or on the
    proxied path requests' own exception (its text may hold the URL); `tls`: the failure was in
    TLS (a handshake or a certificate), not in reaching the server."""

    def __init__(self, error: BaseException, tls: bool = False) -> None:
        super().__init__(str(error))
        self.error = error
        self.tls = tls


class Failure(Exception):
    """Why a `Client` request got no reply. The classes bear requests' names and the texts
    urllib3's form (`HTTPSConnectionPool(host=…, port=…): Max retries exceeded with url: /v2/
    (Caused by …)`): what a log said before the client spoke http.client, it says still."""


class ConnectionError(Failure):  # noqa: A001 - requests' name, as users have read it
    pass


class ConnectTimeout(ConnectionError):
    pass


class SSLError(ConnectionError):
    pass


class RetryError(Failure):
    pass


class TooManyRedirects(Failure):
    pass


class InvalidURL(Failure):
    pass


class MissingSchema(InvalidURL):
    pass


class InvalidSchema(InvalidURL):
    pass


class InvalidHeader(Failure):
    pass


class ChunkedEncodingError(Failure):
    pass


class HTTPError(Exception):
    """`Response.raise_for_status` on a 4xx or 5xx answer."""


class Headers(Mapping[str, str]):
    """A reply's headers, looked up in any case; a repeated header's values joined with ", "
    (as requests and urllib3 join them)."""

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        self._items: dict[str, tuple[str, str]] = {}
        for name, value in pairs:
            key = name.lower()
            if key in self._items:
                name, value = self._items[key][0], f"{self._items[key][1]}, {value}"
            self._items[key] = (name, value)

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True)
class Response:
    """A `Client` reply, its body read whole."""

    status_code: int
    headers: Headers
    content: bytes
    url: str
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code < 400

    @property
    def text(self) -> str:
        """The body as text: the charset the reply names, else UTF-8; undecodable bytes replaced."""
        charset = _charset(self.headers.get("Content-Type", ""))
        try:
            return self.content.decode(charset or "utf-8", errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON (UTF-8, -16 or -32, as JSON allows); ValueError when it is not."""
        return json.loads(self.content)

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            kind = "Client" if self.status_code < 500 else "Server"
            raise HTTPError(f"{self.status_code} {kind} Error: {self.reason} for url: {self.url}")


@dataclass
class Client:
    """One kept connection per origin for a caller that decides itself what each reply means
    (the registry API client): http.client from the standard library, with the behaviour the
    client had on requests' session — `SessionRetry` inside each request, redirects followed
    (30 at most; `Authorization` dropped when one leaves the host, scheme or port, the body
    when it turns the request into a GET), TLS verified as each request says (`verify`: True
    for certifi's bundle or REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE, a CA bundle file or directory,
    or False), and urllib3's TLS settings (TLS 1.2 at least, the host name checked).

    `environ` is the process environment (main passes it down; empty: none of it applies). With
    a proxy named there (HTTP_PROXY, HTTPS_PROXY or ALL_PROXY, any case) a request goes through
    requests' default session as before, which applies the proxy and NO_PROXY from the process
    environment exactly as it always has; `session` may be given for that path (else it is made
    there). REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE and SSLKEYLOGFILE are read from it as requests
    and urllib3 read them."""

    retry: SessionRetry = field(default_factory=SessionRetry)
    timeout: float = 30.0  # connect and read timeout of one request
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)
    session: requests.Session | None = None
    sleep: Callable[[float], None] = time.sleep
    _links: dict[tuple[str, str, int, bool | str], _Link] = field(default_factory=dict, repr=False)
    _tls: dict[bool | str, _Tls] = field(default_factory=dict, repr=False)

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        params: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        verify: bool | str = True,
    ) -> Response:
        """One request, redirects followed."""
        if _proxy_set(self.environ):
            return self._proxied(method, url, headers, body, params, auth, verify)
        fields = _request_headers(headers, auth)
        url = _with_params(url, params)
        for hop in itertools.count():
            response = self._send(method, url, fields, body, verify)
            location = _redirect_target(response)
            if location is None:
                return response
            if hop >= MAX_REDIRECTS:
                raise RequestFailed(TooManyRedirects(f"Exceeded {MAX_REDIRECTS} redirects."))
            method, url, body = _redirected(response, location, method, url, fields, body)
        raise AssertionError("unreachable: itertools.count does not end")

    def _send(
        self, method: str, url: str, fields: dict[str, str], body: bytes | None, verify: bool | str
    ) -> Response:
        """One URL with the retry: connection and read failures and the retried statuses are
        tried again, `retry.total` times; a TLS failure is final at once."""
        target = _Target.of(url)
        link = self._link(target, verify)
        errors = 0
        while True:
            try:
                raw = link.exchange(method, target, {**fields, "Host": target.host_header}, body)
            except _Broken as broken:
                errors += 1
                if broken.kind == "tls" or errors > self.retry.total:
                    raise broken.failed(target) from None
                self._back_off(errors)
                continue
            headers = Headers(raw.getheaders())
            if not self._retries(method, raw.status, headers, errors):
                return Response(raw.status, headers, link.body(raw, target), url, raw.reason)
            link.drain(raw)
            errors += 1
            if errors > self.retry.total:
                why = f"ResponseError('too many {raw.status} error responses')"
                raise RequestFailed(RetryError(target.gave_up(why)))
            self._wait(errors, headers)

    def _retries(self, method: str, status: int, headers: Headers, errors: int) -> bool:
        """urllib3's rule: a listed status, or 413/429/503 with a Retry-After while retries are left."""
        if status in self.retry.statuses:
            return True
        left = self.retry.total - errors
        return bool(left and headers.get("Retry-After") and status in RETRY_AFTER_STATUSES)

    def _wait(self, errors: int, headers: Headers) -> None:
        """Before a retried status: the Retry-After asked for, else the backoff."""
        asked = headers.get("Retry-After")
        seconds = _retry_after_seconds(asked) if asked is not None else None
        if seconds:
            self.sleep(seconds)
        else:
            self._back_off(errors)

    def _back_off(self, errors: int) -> None:
        """urllib3's backoff: none before the first retry, then `backoff` × 2ⁿ⁻¹ (at most 120 s)."""
        if errors > 1:
            self.sleep(min(BACKOFF_MAX, self.retry.backoff * 2 ** (errors - 1)))

    def _link(self, target: _Target, verify: bool | str) -> _Link:
        key = (target.scheme, target.host, target.port, verify)
        if key not in self._links:
            self._links[key] = _Link(
                target, self._tls_for(verify) if target.scheme == "https" else None, self.timeout
            )
        return self._links[key]

    def _tls_for(self, verify: bool | str) -> _Tls:
        """The TLS settings of `verify`, shared by every connection that asks for them."""
        if verify not in self._tls:
            where = (
                _ca_location(verify, self.environ) if verify is not False else ""
            )  # as requests: before connecting
            self._tls[verify] = _Tls(where, self.environ.get("SSLKEYLOGFILE", ""))
        return self._tls[verify]

    def _proxied(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        body: bytes | None,
        params: Mapping[str, str] | None,
        auth: tuple[str, str] | None,
        verify: bool | str,
    ) -> Response:
        """Through requests' default session, which takes the proxy and NO_PROXY from the environment."""
        import requests

        if self.session is None:
            self.session = new_session(self.retry)
        try:
            with quiet_when_unverified(verify):
                reply = self.session.request(
                    method,
                    url,
                    headers=dict(headers) if headers is not None else None,
                    data=body,
                    params=dict(params) if params is not None else None,
                    auth=auth,
                    timeout=self.timeout,
                    verify=verify,
                    allow_redirects=True,
                )
        except requests.RequestException as exc:
            raise RequestFailed(exc, tls=isinstance(exc, requests.exceptions.SSLError)) from exc
        return Response(
            reply.status_code, Headers(reply.headers.items()), reply.content, reply.url, reply.reason
        )


REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 30  # requests' bound
RETRY_AFTER_STATUSES = frozenset({413, 429, 503})  # urllib3 retries these when they carry Retry-After
RETRY_AFTER_MAX = 21600.0  # urllib3's bound on one Retry-After wait (seconds)
BACKOFF_MAX = 120.0  # urllib3's bound on one backoff wait (seconds)
PROXY_VARIABLES = frozenset({"http_proxy", "https_proxy", "all_proxy"})
DEFAULT_HEADERS = {"Accept-Encoding": "identity", "Accept": "*/*", "Connection": "keep-alive"}
_HEADER_NAME = re.compile(r"^[^:\s][^:\r\n]*$")
_HEADER_VALUE = re.compile(r"^\S[^\r\n]*$|^$")
_URI_SAFE = "!#$%&'()*+,/:;=?@[]~"  # requests' requote_uri: what stays as it is


def _proxy_set(environ: Mapping[str, str]) -> bool:
    return any(value and name.lower() in PROXY_VARIABLES for name, value in environ.items())


def _request_headers(headers: Mapping[str, str] | None, auth: tuple[str, str] | None) -> dict[str, str]:
    """requests' defaults (no compression asked for: the body is read as it comes) under the
    caller's headers, any case; `auth` as Basic. A value that would break the request line is
    refused as requests refuses it (never quoting the value, which may be a token)."""
    from gitops_ci import __version__

    merged = {"User-Agent": f"gitops-ci/{__version__}", **DEFAULT_HEADERS}
    if auth is not None:
        merged["Authorization"] = basic_auth(*auth)
    by_name = {name.lower(): (name, value) for name, value in merged.items()}
    for name, value in (headers or {}).items():
        if name.lower() != "authorization" or auth is None:  # `auth` wins, as in requests
            by_name[name.lower()] = (name, value)
    fields = dict(by_name.values())
    for name, value in fields.items():
        if not _HEADER_NAME.match(name) or not _HEADER_VALUE.match(value) or not _latin1(value):
            raise RequestFailed(
                InvalidHeader(
                    f"Invalid leading whitespace, reserved character(s), "
                    f"or return character(s) in the value of header {name!r}"
                )
            )
    return fields


def _latin1(value: str) -> bool:
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def basic_auth(username: str, password: str) -> str:
    """HTTP Basic credentials, encoded as requests encodes them (Latin-1)."""
    import base64

    pair = username.encode("latin1") + b":" + password.encode("latin1")
    return "Basic " + base64.b64encode(pair).strip().decode("ascii")


def _with_params(url: str, params: Mapping[str, str] | None) -> str:
    if not params:
        return url
    from urllib.parse import urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    query = urlencode(list(params.items()), doseq=True)
    return urlunsplit(parts._replace(query=f"{parts.query}&{query}" if parts.query else query))


def _charset(content_type: str) -> str:
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("'\"")
    return ""


def _retry_after_seconds(value: str) -> float:
    """urllib3's reading of Retry-After: whole seconds or an HTTP date, at most 6 hours; any other
    text fails the request, as it did there."""
    if re.match(r"^\s*[0-9]+\s*$", value):
        seconds = float(int(value))
    else:
        import email.utils

        when = email.utils.parsedate_tz(value)
        if when is None:
            raise RequestFailed(InvalidHeader(f"Invalid Retry-After header: {value}"))
        seconds = email.utils.mktime_tz(when) - time.time()
    return min(max(seconds, 0.0), RETRY_AFTER_MAX)


def _redirect_target(response: Response) -> str | None:
    """Where a redirect sends the request (requests reads the header as UTF-8), or None."""
    location = response.headers.get("Location", "") if response.status_code in REDIRECTS else ""
    if not location:
        return None
    try:
        return location.encode("latin1").decode("utf8")
    except UnicodeError:
        return location


def _redirected(
    response: Response, location: str, method: str, url: str, fields: dict[str, str], body: bytes | None
) -> tuple[str, str, bytes | None]:
    """requests' way to follow a redirect: (method, URL, body) of the next request; `fields`
    loses what the next request must not carry."""
    from urllib.parse import urljoin, urlsplit

    if location.startswith("//"):
        location = f"{urlsplit(url).scheme}:{location}"
    try:
        target = (
            _requote(location) if urlsplit(location).netloc else urljoin(response.url, _requote(location))
        )
    except ValueError as exc:
        raise RequestFailed(InvalidURL(f"Invalid URL {location!r}: {exc}")) from None
    status = response.status_code
    if (status in (302, 303) and method != "HEAD") or (status == 301 and method == "POST"):
        method = "GET"
    if status not in (307, 308):
        for name in [
            key for key in fields if key.lower() in ("content-length", "content-type", "transfer-encoding")
        ]:
            del fields[name]
        body = None
    if _strips_auth(url, target):
        for name in [key for key in fields if key.lower() == "authorization"]:
            del fields[name]
    return method, target, body


def _strips_auth(old: str, new: str) -> bool:
    """requests' should_strip_auth: credentials go only where they came from (an upgrade from
    http:80 to https:443 on the same host keeps them)."""
    from urllib.parse import urlsplit

    before, after = urlsplit(old), urlsplit(new)
    try:
        old_port, new_port = before.port, after.port
    except ValueError:
        return True
    if before.hostname != after.hostname:
        return True
    if (
        before.scheme == "http"
        and old_port in (80, None)
        and after.scheme == "https"
        and new_port in (443, None)
    ):
        return False
    default = ({"http": 80, "https": 443}.get(before.scheme), None)
    if before.scheme == after.scheme and old_port in default and new_port in default:
        return False
    return old_port != new_port or before.scheme != after.scheme


def _requote(url: str) -> str:
    from urllib.parse import quote

    return quote(url, safe=_URI_SAFE)


class _Target(NamedTuple):
    """A request URL as the connection needs it (a tuple: cheaper to declare than a dataclass)."""

    scheme: str
    host: str  # as the socket and TLS need it: no brackets, IDNA-encoded
    port: int
    path: str  # path and query: what the request line names
    host_header: str

    @classmethod
    def of(cls, url: str) -> _Target:
        """requests' checks of a URL, with its messages."""
        from urllib.parse import urlsplit

        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError as exc:
            raise RequestFailed(InvalidURL(f"Invalid URL {url!r}: {exc}")) from None
        scheme = parts.scheme.lower()
        if not scheme:
            raise RequestFailed(
                MissingSchema(f"Invalid URL {url!r}: No scheme supplied. Perhaps you meant https://{url}?")
            )
        if scheme not in ("http", "https"):
            raise RequestFailed(InvalidSchema(f"No connection adapters were found for {url!r}"))
        if not parts.hostname:
            raise RequestFailed(InvalidURL(f"Invalid URL {url!r}: No host supplied"))
        host = _ascii_host(parts.hostname, url)
        default = 443 if scheme == "https" else 80
        named = f"[{host}]" if ":" in host else host
        path = _requote(parts.path or "/") + (f"?{_requote(parts.query)}" if parts.query else "")
        port = port or default
        return cls(scheme, host, port, path, named if port == default else f"{named}:{port}")

    def pool(self) -> str:
        return f"{self.scheme.upper()}ConnectionPool(host={self.host!r}, port={self.port})"

    def gave_up(self, why: str) -> str:
        return f"{self.pool()}: Max retries exceeded with url: {self.path} (Caused by {why})"


def _ascii_host(host: str, url: str) -> str:
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        raise RequestFailed(InvalidURL(f"Invalid URL {url!r}: URL has an invalid label.")) from None


class _Broken(Exception):
    """One attempt failed before a reply: `kind` is how urllib3 counts it (connect, read, tls)."""

    def __init__(self, kind: str, why: str, cause: BaseException, timeout: bool = False) -> None:
        super().__init__(why)
        self.kind, self.why, self.cause, self.timeout = kind, why, cause, timeout

    def failed(self, target: _Target) -> RequestFailed:
        """What the caller is told once the retries are spent (requests' classes)."""
        kind = SSLError if self.kind == "tls" else ConnectTimeout if self.timeout else ConnectionError
        error = kind(target.gave_up(self.why))
        error.__cause__ = self.cause  # the certificate verification error, for the caller's message
        return RequestFailed(error, tls=self.kind == "tls")


class _Link:
    """The kept connection to one origin: opened when there is none or the server closed it."""

    def __init__(self, target: _Target, tls: _Tls | None, timeout: float) -> None:
        import http.client

        self.conn = http.client.HTTPConnection(target.host, target.port, timeout=timeout)
        self.tls, self.timeout = tls, timeout

    def exchange(
        self, method: str, target: _Target, fields: dict[str, str], body: bytes | None
    ) -> http.client.HTTPResponse:
        """Send the request and read the reply's status and headers."""
        import http.client

        if self.conn.sock is not None and _dropped(self.conn.sock):
            self.conn.close()
        if self.conn.sock is None:
            self.conn.sock = self._open(target)
        try:
            self.conn.request(method, target.path, body=body, headers=fields)
            return self.conn.getresponse()
        except (OSError, http.client.HTTPException) as exc:  # ssl.SSLError and TimeoutError are OSErrors
            self.conn.close()
            raise _attempt_failed(exc, target, self.timeout) from None

    def _open(self, target: _Target) -> socket.socket:
        import socket

        try:
            sock = socket.create_connection((target.host, target.port), timeout=self.timeout)
        except TimeoutError as exc:
            why = f"Connection to {target.host} timed out. (connect timeout={self.timeout:g})"
            raise _Broken("connect", f"ConnectTimeoutError({why!r})", exc, timeout=True) from None
        except socket.gaierror as exc:
            why = f"Failed to resolve {target.host!r} ({exc})"
            raise _Broken("connect", f"NameResolutionError({why!r})", exc) from None
        except OSError as exc:
            why = f"Failed to establish a new connection: {exc}"
            raise _Broken("connect", f"NewConnectionError({why!r})", exc) from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.tls is None:
            return sock
        try:
            return self.tls.handshake(sock, target.host, self.timeout)
        except _Again:
            return self._open(target)
        except OSError as exc:  # ssl.SSLError is one
            sock.close()
            raise _attempt_failed(exc, target, self.timeout) from None
        except BaseException:
            sock.close()
            raise

    def body(self, raw: http.client.HTTPResponse, target: _Target) -> bytes:
        """The whole body (not retried, as requests reads it after urllib3's retry)."""
        import http.client
        import ssl

        try:
            return raw.read()
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            if isinstance(exc, ssl.SSLError) and not isinstance(exc, TimeoutError):
                raise RequestFailed(SSLError(f"{exc!r}"), tls=True) from exc
            if isinstance(exc, TimeoutError):
                raise RequestFailed(ConnectionError(f"{target.pool()}: Read timed out.")) from exc
            raise RequestFailed(ChunkedEncodingError(f"('Connection broken: {exc!r}', {exc!r})")) from exc

    def drain(self, raw: http.client.HTTPResponse) -> None:
        """Read a reply that is to be retried, so the connection can carry the next one."""
        import http.client

        try:
            raw.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()


def _attempt_failed(exc: BaseException, target: _Target, timeout: float) -> _Broken:
    """urllib3's reading of a failure after the connection was made: a timeout and a broken
    connection are read errors (retried), any other TLS error is final."""
    import ssl

    if isinstance(exc, TimeoutError) or (isinstance(exc, ssl.SSLError) and "timed out" in str(exc)):
        why = f"{target.pool()}: Read timed out. (read timeout={timeout:g})"
        return _Broken("read", f"ReadTimeoutError({why!r})", exc)
    if isinstance(exc, ssl.SSLError):
        return _Broken("tls", f"SSLError({exc!r})", exc)
    return _Broken("read", f"ProtocolError('Connection aborted.', {exc!r})", exc)


def _dropped(sock: socket.socket) -> bool:
    """The server closed a kept connection (or sent what nobody asked for): it is not reused."""
    return _readable(sock, 0.0)


def _readable(sock: socket.socket, timeout: float) -> bool:
    import select

    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(timeout * 1000))
    return bool(select.select([sock], [], [], timeout)[0])


TLS_RECORD_TYPES = (b"\x14", b"\x15", b"\x16", b"\x17")  # change_cipher_spec, alert, handshake, data


class _Again(Exception):
    """The connection is to be made again (the handshake's first step met a certificate)."""


class _Tls:
    """urllib3's `create_urllib3_context` as requests uses it, trusting the CA bundle file or
    directory `where` ("": nothing is verified); `keylog`: urllib3's SSLKEYLOGFILE.

    The CAs are read (~20 ms for a system bundle) when a server first answers in TLS: a host
    that turns out to speak plain HTTP (a loopback or insecure registry, tried over HTTPS first)
    fails the handshake the same way without them. Until they are read no certificate can pass."""

    def __init__(self, where: str, keylog: str = "") -> None:
        import ssl
        import sys

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.options |= ssl.OP_NO_SSLv2 | ssl.OP_NO_SSLv3 | ssl.OP_NO_COMPRESSION | ssl.OP_NO_TICKET
        if sys.version_info >= (3, 13):
            context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN | ssl.VERIFY_X509_STRICT
        context.post_handshake_auth = True
        context.hostname_checks_common_name = False
        if keylog:
            context.keylog_filename = os.path.expandvars(keylog)
        context.set_alpn_protocols(["http/1.1"])
        if not where:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        self.context, self.where, self.loaded = context, where, not where

    def handshake(self, sock: socket.socket, host: str, timeout: float) -> ssl.SSLSocket:
        """The TLS connection over `sock`, its certificate verified (host name included)."""
        tls = self.context.wrap_socket(sock, server_hostname=host, do_handshake_on_connect=False)
        try:
            if not self.loaded and self._answers_in_tls(tls, timeout):
                self._load()
            tls.settimeout(timeout)
            tls.do_handshake()
        except BaseException:
            tls.close()
            raise
        return tls

    def _answers_in_tls(self, tls: ssl.SSLSocket, timeout: float) -> bool:
        """Send the ClientHello and look at the first byte of the answer without reading it: a
        TLS record starts with its type, 20-23 (a plain HTTP server's answer with a letter). If
        the server was fast enough for the same step to read part of its answer, what follows is
        TLS records too; if it read the certificate, that met no CA yet, and the connection is
        made again with them (`_Again`)."""
        import socket
        import ssl

        tls.setblocking(False)
        try:
            tls.do_handshake()
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            pass
        except ssl.SSLCertVerificationError:
            self._load()
            raise _Again() from None
        if not _readable(tls, timeout):
            raise TimeoutError("_ssl.c: The handshake operation timed out")
        try:
            first = socket.socket.recv(tls, 1, socket.MSG_PEEK)  # the raw socket's bytes, not TLS's
        except OSError:
            return False  # the handshake meets the same trouble and says what it is
        return first in TLS_RECORD_TYPES

    def _load(self) -> None:
        try:
            if os.path.isdir(self.where):
                self.context.load_verify_locations(capath=self.where)
            else:
                self.context.load_verify_locations(cafile=self.where)
        except OSError as exc:
            raise _Broken("tls", f"SSLError({exc!r})", exc) from None
        self.loaded = True


def _ca_location(verify: bool | str, environ: Mapping[str, str]) -> str:
    """requests' choice: the bundle named, else REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE, else certifi's."""
    where = verify if isinstance(verify, str) else ""
    if not where:
        where = environ.get("REQUESTS_CA_BUNDLE") or environ.get("CURL_CA_BUNDLE") or ""
    if not where:
        import certifi

        where = certifi.where()
    if not os.path.exists(where):
        raise OSError(f"Could not find a suitable TLS CA certificate bundle, invalid path: {where}")
    return where


def new_session(retry: SessionRetry | None = None) -> requests.Session:
    """A requests session whose adapters retry as `retry` says (`SessionRetry()` when not given)."""
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    retry = retry or SessionRetry()
    policy = Retry(
        total=retry.total,
        other=0,
        backoff_factor=retry.backoff,
        status_forcelist=retry.statuses,
        allowed_methods=None,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=policy)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


@contextlib.contextmanager
def quiet_when_unverified(verify: bool | str) -> Iterator[None]:
    """A server the user chose not to verify (`insecure`): urllib3's warning on every request
    would say nothing the run's own warning did not."""
    with warnings.catch_warnings():
        if verify is False:
            from urllib3.exceptions import InsecureRequestWarning

            warnings.simplefilter("ignore", InsecureRequestWarning)
        yield


def _session(proxies: Mapping[str, str], tls_verify: bool | str = True) -> requests.Session:
    # requests is imported when a message is sent, not when the command starts (~30 ms).
    import requests
    from requests.adapters import HTTPAdapter

    session = requests.Session()
    session.trust_env = False  # proxies come in as a parameter: the caller read the environment
    session.proxies.update(proxies)
    session.verify = tls_verify
    adapter = HTTPAdapter(max_retries=0)  # the retry loop above is the only one
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


@dataclass(frozen=True)
class _Request:
    method: str
    url: str
    body: bytes | None
    headers: Mapping[str, str]
    params: Mapping[str, str] | None


def _send(session: requests.Session, request: _Request, timeout: float) -> tuple[Reply | None, str]:
    import requests

    timeout = max(timeout, 0.05)
    try:
        response = session.request(
            request.method,
            request.url,
            data=request.body,
            params=dict(request.params or {}),
            headers=dict(request.headers),
            timeout=timeout,
            allow_redirects=False,
        )
    except requests.exceptions.SSLError as exc:
        return None, TLS_FAILED + _cause(exc)
    except requests.Timeout:
        return None, f"no answer within {timeout:.3g} s"
    except requests.ConnectionError as exc:
        return None, "connection failed: " + _cause(exc)
    except requests.RequestException as exc:
        return None, f"request failed: {type(exc).__name__}"
    return Reply(response.status_code, dict(response.headers), response.text), ""


def _cause(exc: BaseException) -> str:
    """The innermost cause's class, e.g. ConnectionRefusedError: never requests' text, which has the URL."""
    inner: BaseException = exc
    deeper = exc.__cause__ or exc.__context__
    while deeper is not None:
        inner, deeper = deeper, deeper.__cause__ or deeper.__context__
    if isinstance(inner, OSError) and inner.strerror:
        return f"{type(inner).__name__} ({inner.strerror})"
    return type(inner).__name__


def retry_after(reply: Reply) -> float | None:
    """Seconds the server asked us to wait: `Retry-After` header, else a JSON `retry_after`."""
    header = {k.lower(): v for k, v in reply.headers.items()}.get("retry-after", "").strip()
    if header:
        return _header_seconds(header)
    try:
        data = json.loads(reply.text)
    except ValueError:
        return None
    value = data.get("retry_after") if isinstance(data, dict) else None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return None


def _header_seconds(value: str) -> float | None:
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    import email.utils  # the whole email package: only for a Retry-After that is a date

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)
