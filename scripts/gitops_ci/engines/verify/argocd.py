"""The Argo CD backend: reads Applications through Argo CD's REST API (`GET
/api/v1/applications[/{name}]`, bearer token), through the package's HTTP door.

A name may be `NAMESPACE/NAME` for an Application outside Argo CD's own namespace
(`appNamespace`). Argo CD answers 403, not 404, for an application the token may not see, so
a 403 names both causes.
"""

from __future__ import annotations

import dataclasses
import json
import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Sequence

from gitops_ci.errors import UserError
from gitops_ci.doors.http import TLS_FAILED, Http, Outcome, RetryPolicy
from gitops_ci.engines.verify.model import HEALTHY, AppState, Resource, Target

HEALTH_FINE = ("", HEALTHY)


@dataclass
class ArgoCD:
    server: str  # the API's base URL, e.g. https://argocd.example.com
    token: str
    http: Http = field(default_factory=Http)
    poll_interval: float = 1.0  # the first wait after a 5xx or a lost connection
    name: str = "Argo CD"
    _namespaces: dict[str, str] = field(default_factory=dict)

    # -- Backend ---------------------------------------------------------------------------
    def discover(self, target: Target, *, time_left: float) -> Sequence[str]:
        data = self._get("/api/v1/applications", {}, what="the application list", time_left=time_left)
        if "reason" in data:
            raise UserError(
                f"could not list Argo CD's applications to find those to verify: {data['reason']}",
                fix="check argocd-server is reachable from the runner, or name them with `applications:`",
            )
        items = data.get("items")
        found: list[str] = []
        for app in (a for a in (items if isinstance(items, list) else []) if isinstance(a, dict)):
            meta = _dict(app.get("metadata"))
            name = _str(meta.get("name"))
            if name and any(deploys(s, target) for s in sources(app)):
                self._namespaces[name] = _str(meta.get("namespace"))
                found.append(name)
        return found

    def observe(self, name: str, target: Target, *, refresh: bool, time_left: float) -> AppState | str:
        namespace, _, short = name.rpartition("/")
        params = {"refresh": "normal"} if refresh else {}
        namespace = namespace or self._namespaces.get(short, "")
        if namespace:
            params["appNamespace"] = namespace
        path = "/api/v1/applications/" + urllib.parse.quote(short, safe="")
        data = self._get(path, params, what=f"application {name!r}", time_left=time_left)
        if "reason" in data:
            return str(data["reason"])
        return app_state(
            data,
            target,
            name,
            self._ui_url(short, namespace or _str(_dict(data.get("metadata")).get("namespace"))),
        )

    # -- HTTP ------------------------------------------------------------------------------
    def _get(self, path: str, params: dict[str, str], *, what: str, time_left: float) -> dict[str, Any]:
        """The JSON object answered, or {"reason": ...} for a transient failure."""
        policy = RetryPolicy(
            total=max(time_left, 0.1),
            attempts=10_000,
            backoff=self.poll_interval,
            max_backoff=max(self.poll_interval, 5.0),
            attempt_timeout=min(RetryPolicy.attempt_timeout, max(time_left, 0.1)),
        )
        http = dataclasses.replace(self.http, policy=policy)
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        outcome = http.get(self.server.rstrip("/") + path, headers, params)
        if outcome.delivered:
            return self._object(outcome, what)
        if outcome.reason.startswith(TLS_FAILED):
            raise UserError(
                f"could not reach Argo CD over TLS: {outcome.reason.removeprefix(TLS_FAILED)}",
                fix="for a server with a private CA pass its certificate as ca-bundle (a PEM file); "
                "insecure: true skips the check",
            )
        if outcome.status_code is None or outcome.status_code >= 500 or outcome.status_code == 429:
            return {"reason": f"no answer from Argo CD: {outcome.reason}"}
        raise self._refusal(outcome, what)

    def _object(self, outcome: Outcome, what: str) -> dict[str, Any]:
        try:
            data = json.loads(outcome.reply_text)
        except ValueError:
            data = None
        if not isinstance(data, dict) or not ("metadata" in data or "items" in data):
            raise self._not_argocd(f"its answer for {what} is not an Argo CD object", outcome.reply_text)
        return data

    def _refusal(self, outcome: Outcome, what: str) -> UserError:
        status = outcome.status_code
        argo = _error_message(outcome.reply_text)
        if status == 401:
            return UserError(
                f"Argo CD refused the token (HTTP 401{_colon(argo)}): it is wrong, expired or revoked",
                fix="create one with `argocd account generate-token --account <ci-account>` and pass it as "
                "argocd-token from a secret",
            )
        if status == 403:
            return UserError(
                f"Argo CD denied reading {what} (HTTP 403{_colon(argo)}): the token's account lacks "
                "`applications, get` on its project, or no such application exists "
                "(Argo CD answers 403 for both)",
                fix="check the name, then grant it in argocd-rbac-cm, "
                "e.g. `p, role:ci, applications, get, */*, allow`",
            )
        if status == 404 and argo:
            return UserError(
                f"Argo CD has no {what} ({argo})",
                fix="check the name in `argocd app list` (use NAMESPACE/NAME for an application outside "
                "Argo CD's namespace), or leave applications empty to find them by the infra repo",
            )
        return self._not_argocd(f"it answered {what} with HTTP {status}", outcome.reply_text)

    def _not_argocd(self, why: str, text: str) -> UserError:
        start = " ".join(text.split())[:80]
        seen = f" (it starts with {start!r})" if start else ""
        return UserError(
            f"argocd-server does not look like the Argo CD API: {why}{seen}",
            fix="give the server's base URL, e.g. https://argocd.example.com (no /applications path); "
            "behind an SSO proxy, let the API paths /api/* through with the bearer token",
        )

    def _ui_url(self, name: str, namespace: str) -> str:
        where = f"{namespace}/{name}" if namespace else name
        return f"{self.server.rstrip('/')}/applications/{where}"


# -- reading an Application ---------------------------------------------------------------
def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _strings(value: Any) -> list[str]:
    return [_str(v) for v in value] if isinstance(value, list) else []


def _colon(text: str) -> str:
    return f": {text}" if text else ""


def _error_message(text: str) -> str:
    """Argo CD's error body (runtimeError) `message`, or "" when the body is not one."""
    try:
        data = json.loads(text)
    except ValueError:
        return ""
    if isinstance(data, dict) and ("code" in data or "error" in data):
        return _str(data.get("message")) or _str(data.get("error"))
    return ""


def sources(app: dict[str, Any]) -> list[dict[str, Any]]:
    spec = _dict(app.get("spec"))
    many = spec.get("sources")
    if isinstance(many, list) and many:
        return [_dict(s) for s in many]
    return [_dict(spec.get("source"))]


def repo_key(url: str) -> str:
    """A repository URL without scheme, credentials, `.git` and case: `host/owner/name`."""
    text = url.strip().lower()
    scp = re.fullmatch(r"[\w.-]+@([\w.-]+):(.*)", text)  # git@host:owner/name
    if scp:
        text = f"{scp.group(1)}/{scp.group(2)}"
    elif "://" in text:
        parts = urllib.parse.urlsplit(text)
        text = f"{parts.hostname or ''}{parts.path}"
    return text.rstrip("/").removesuffix(".git").strip("/")


def same_repo(a: str, b: str) -> bool:
    """`b` may be OWNER/NAME (the infra-repo input's short form)."""
    ka, kb = repo_key(a), repo_key(b)
    return bool(ka and kb) and (ka == kb or ka.endswith("/" + kb) or kb.endswith("/" + ka))


def deploys(source: dict[str, Any], target: Target) -> bool:
    if target.infra_repo and not same_repo(_str(source.get("repoURL")), target.infra_repo):
        return False
    if not target.changed_files:
        return True
    path = _str(source.get("path")).strip("/")
    if path in ("", "."):
        return True
    return any(f.strip("/") == path or f.strip("/").startswith(path + "/") for f in target.changed_files)


def _ours(revisions: list[str], app: dict[str, Any], target: Target) -> tuple[str, ...]:
    """Of a multi-source app's revisions, those of sources from the infra repo (all without it)."""
    srcs = sources(app)
    if not target.infra_repo or len(srcs) != len(revisions):
        return tuple(revisions)
    return tuple(r for r, s in zip(revisions, srcs) if same_repo(_str(s.get("repoURL")), target.infra_repo))


def _revisions(holder: dict[str, Any], app: dict[str, Any], target: Target) -> tuple[str, ...]:
    many = _strings(holder.get("revisions"))
    if many:
        return _ours(many, app, target)
    one = _str(holder.get("revision"))
    return (one,) if one else ()


def app_state(app: dict[str, Any], target: Target, name: str, url: str) -> AppState:
    status = _dict(app.get("status"))
    sync = _dict(status.get("sync"))
    operation = _dict(status.get("operationState"))
    result = _dict(operation.get("syncResult")) or _dict(_dict(operation.get("operation")).get("sync"))
    return AppState(
        name=name,
        revisions=_revisions(sync, app, target),
        sync=_str(sync.get("status")),
        health=_str(_dict(status.get("health")).get("status")),
        phase=_str(operation.get("phase")),
        operation_message=_str(operation.get("message")),
        operation_revisions=_revisions(result, app, target),
        resources=tuple(_unhealthy(status.get("resources"))),
        url=url,
    )


def _unhealthy(resources: Any) -> list[Resource]:
    found = []
    for item in resources if isinstance(resources, list) else []:
        health = _dict(_dict(item).get("health"))
        if _str(health.get("status")) not in HEALTH_FINE:
            found.append(
                Resource(
                    kind=_str(item.get("kind")),
                    namespace=_str(item.get("namespace")),
                    name=_str(item.get("name")),
                    health=_str(health.get("status")),
                    message=_str(health.get("message")),
                )
            )
    return found
