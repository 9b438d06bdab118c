"""The one place that speaks HTTP (requests): POST and GET with a bounded retry (`Http`), and a
kept session for a client that speaks a protocol of many requests itself (`Client`).

`Http`: 429 and 5xx are retried, honouring `Retry-After` (seconds or an HTTP date) or a JSON body's
`retry_after` (Slack, Discord), with exponential backoff otherwise; all of it within one total
time bound, so a job never hangs on a slow or rate-limiting server. Other 4xx are final.
Failures come back as an `Outcome` whose reason never contains the URL (webhook URLs are
secrets, and requests puts the URL in its exception texts).

`Client`: one session (its connections kept between requests), urllib3's retry inside each request
(`SessionRetry`), TLS verified as each request says; the reply is requests' own, and a failure
raises `RequestFailed` around requests' exception, for the caller to explain.

requests is imported when a request is made, email.utils when a Retry-After gives an HTTP date;
neither when the command starts.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import time
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterator, Mapping

from gitops_ci.secrets import Redactor

if TYPE_CHECKING:
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
    """A `Client` request got no reply: `error` is requests' exception (its text may hold the URL)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error

    @property
    def tls(self) -> bool:
        """The failure was in TLS (a handshake or a certificate), not in reaching the server."""
        import requests

        return isinstance(self.error, requests.exceptions.SSLError)


@dataclass
class Client:
    """One kept HTTP session for a caller that decides itself what each reply means (the
    registry API client); `session` may be given (else it is made at the first request). The
    session is requests' default one: it takes proxies (HTTPS_PROXY, NO_PROXY) from the process
    environment, as the registry client always has."""

    retry: SessionRetry = field(default_factory=SessionRetry)
    timeout: float = 30.0  # connect and read timeout of one request
    session: requests.Session | None = None

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
    ) -> requests.Response:
        """One request, redirects followed; `verify` is requests' (True, a CA bundle file, or
        False: not verified, and urllib3's warning about it is not shown)."""
        import requests

        if self.session is None:
            self.session = new_session(self.retry)
        try:
            with quiet_when_unverified(verify):
                return self.session.request(
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
            raise RequestFailed(exc) from exc


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
