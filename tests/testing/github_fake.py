"""A local fake of the GitHub REST endpoints gitops-ci uses, honest to GitHub's description.

Every request is checked against the committed OpenAPI subset (path, method, required
parameters, request body schema) and every response it sends against the documented response
schema; a violation answers 400/500 and is kept in `violations`, which the fixture asserts
empty. Responses start from GitHub's own documented examples, adapted to the state here.

Repositories are the `Forge`'s bare repos (shared with the git smart-HTTP server), so a pull
request's head must be a branch that really exists. Faults are injected per test with
`fail_next()`. `POST /graphql` (auto-merge) is not part of the REST description; it accepts
only the `enablePullRequestAutoMerge` mutation and answers as GitHub's GraphQL API does.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, Iterator

import pytest

from testing import openapi
from testing.forge import Forge
from testing.git_http import TOKEN, GitServer
from testing.loopback import LoopbackServer

SECONDARY_RATE_LIMIT = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID."
)
NO_ACCESS = "Resource not accessible by integration"


@dataclass
class Fault:
    status: int
    retry_after: int | None = None
    message: str = ""
    operation: str = ""  # operationId to match, e.g. "pulls/create"; empty matches any


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    operation: str
    status: int
    body: Any
    authorization: str


@dataclass
class RepoSettings:
    allow_auto_merge: bool = False
    pulls: list[dict[str, Any]] = field(default_factory=list)


class FakeGitHub(LoopbackServer):
    def __init__(self, forge: Forge, server_url: str, token: str = TOKEN) -> None:
        self.forge = forge
        self.server_url = server_url
        self.token = token
        self.pull_requests_read_only = False  # a token without `pull-requests: write`
        self.repos: dict[str, RepoSettings] = {}
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.faults: list[Fault] = []
        self._lock = threading.RLock()
        super().__init__(_handler_for(self))

    def settings(self, full_name: str) -> RepoSettings:
        return self.repos.setdefault(full_name, RepoSettings())

    def fail_next(
        self,
        status: int,
        *,
        times: int = 1,
        retry_after: int | None = None,
        message: str = "",
        operation: str = "",
    ) -> None:
        with self._lock:
            self.faults.extend(Fault(status, retry_after, message, operation) for _ in range(times))

    def take_fault(self, operation: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.operation in ("", operation):
                    self.faults.remove(fault)
                    return fault
        return None

    def open_pulls(self, full_name: str) -> list[dict[str, Any]]:
        return [p for p in self.settings(full_name).pulls if p["state"] == "open"]

    # -- handling ------------------------------------------------------------------------
    def handle(self, method: str, raw_path: str, auth: str, body: Any) -> tuple[int, Any, dict[str, str]]:
        parsed = urllib.parse.urlsplit(raw_path)
        query = urllib.parse.parse_qs(parsed.query)
        if parsed.path.endswith("/graphql"):
            return self._graphql(auth, body)
        try:
            op = openapi.find(method, parsed.path)
            openapi.validate_request(op, query, body)
        except openapi.SpecViolation as exc:
            self.violations.append(str(exc))
            return 400, {"message": str(exc), "documentation_url": "https://docs.github.com/rest"}, {}
        status, payload, headers = self._dispatch(op, query, auth, body)
        if status < 400 or status in (403, 404, 422):
            try:
                openapi.validate_response(op, status, payload)
            except openapi.SpecViolation as exc:
                self.violations.append(str(exc))
                return 500, {"message": str(exc)}, {}
        return status, payload, headers

    def _dispatch(
        self, op: openapi.Operation, query: dict[str, list[str]], auth: str, body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        fault = self.take_fault(op.operation_id)
        if fault is not None:
            return _fault_reply(fault)
        if auth not in (f"token {self.token}", f"Bearer {self.token}"):
            return (
                401,
                {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"},
                {},
            )
        full_name = f"{op.params['owner']}/{op.params['repo']}"
        if not self.forge.exists(full_name):
            return 404, _error("Not Found"), {}
        writing = op.method != "get"
        if writing and self.pull_requests_read_only:
            return 403, _error(NO_ACCESS), {}
        with self._lock:
            handler = getattr(self, "_op_" + op.operation_id.replace("/", "_").replace("-", "_"))
            result: tuple[int, Any, dict[str, str]] = handler(full_name, op.params, query, body or {})
            return result

    # -- operations (named after their operationId) --------------------------------------
    def _op_repos_get(self, full_name: str, params: dict[str, str], query: Any, body: Any) -> Any:
        return 200, self._repository(full_name, full=True), {}

    def _op_pulls_list(
        self, full_name: str, params: dict[str, str], query: dict[str, list[str]], body: Any
    ) -> Any:
        state = query.get("state", ["open"])[0]
        head = query.get("head", [""])[0]
        base = query.get("base", [""])[0]
        found = [
            p
            for p in self.settings(full_name).pulls
            if state in ("all", p["state"])
            and (not head or head.split(":")[-1] == p["head_ref"])
            and (not base or base == p["base_ref"])
        ]
        return 200, [self._pull(full_name, p, simple=True) for p in found], {}

    def _op_pulls_create(
        self, full_name: str, params: dict[str, str], query: Any, body: dict[str, Any]
    ) -> Any:
        head = str(body["head"]).split(":")[-1]
        if (
            self.forge.branch_sha(full_name, head) is None
            or self.forge.branch_sha(full_name, body["base"]) is None
        ):
            return 422, _invalid("PullRequest", "head" if head else "base", "invalid"), {}
        if any(p["head_ref"] == head for p in self.open_pulls(full_name)):
            return (
                422,
                _invalid("PullRequest", "head", "custom", f"A pull request already exists for {head}."),
                {},
            )
        pulls = self.settings(full_name).pulls
        pull = {
            "number": len(pulls) + 1,
            "title": body["title"],
            "body": body.get("body"),
            "head_ref": head,
            "base_ref": body["base"],
            "draft": bool(body.get("draft", False)),
            "state": "open",
            "labels": [],
            "reviewers": [],
            "teams": [],
            "auto_merge": None,
        }
        pulls.append(pull)
        location = f"{self.url}/repos/{full_name}/pulls/{pull['number']}"
        return 201, self._pull(full_name, pull), {"Location": location}

    def _op_pulls_get(self, full_name: str, params: dict[str, str], query: Any, body: Any) -> Any:
        pull = self._find_pull(full_name, params["pull_number"])
        return (200, self._pull(full_name, pull), {}) if pull else (404, _error("Not Found"), {})

    def _op_pulls_update(
        self, full_name: str, params: dict[str, str], query: Any, body: dict[str, Any]
    ) -> Any:
        pull = self._find_pull(full_name, params["pull_number"])
        if pull is None:
            return 404, _error("Not Found"), {}
        for key in ("title", "body", "state"):
            if key in body:
                pull[key] = body[key]
        if "base" in body:
            pull["base_ref"] = body["base"]
        return 200, self._pull(full_name, pull), {}

    def _op_issues_add_labels(self, full_name: str, params: dict[str, str], query: Any, body: Any) -> Any:
        pull = self._find_pull(full_name, params["issue_number"])
        if pull is None:
            return 404, _error("Not Found"), {}
        names = body["labels"] if isinstance(body, dict) else body
        names = [n["name"] if isinstance(n, dict) else n for n in names]
        pull["labels"] = list(dict.fromkeys([*pull["labels"], *names]))
        return 200, [_label(name, i) for i, name in enumerate(pull["labels"])], {}

    def _op_pulls_request_reviewers(
        self, full_name: str, params: dict[str, str], query: Any, body: Any
    ) -> Any:
        pull = self._find_pull(full_name, params["pull_number"])
        if pull is None:
            return 404, _error("Not Found"), {}
        pull["reviewers"] = list(dict.fromkeys([*pull["reviewers"], *body.get("reviewers", [])]))
        pull["teams"] = list(dict.fromkeys([*pull["teams"], *body.get("team_reviewers", [])]))
        return 201, self._pull(full_name, pull, simple=True), {}

    def _graphql(self, auth: str, body: Any) -> tuple[int, Any, dict[str, str]]:
        fault = self.take_fault("graphql")
        if fault is not None:
            return _fault_reply(fault)
        if auth not in (f"token {self.token}", f"Bearer {self.token}"):
            return 401, {"message": "Bad credentials"}, {}
        query = body.get("query", "") if isinstance(body, dict) else ""
        if "enablePullRequestAutoMerge(input: $input)" not in query:
            self.violations.append(f"unsupported GraphQL document: {query!r}")
            return 400, {"message": "unsupported"}, {}
        node_id = body["variables"]["input"].get("pullRequestId", "")
        with self._lock:
            for full_name, settings in self.repos.items():
                for pull in settings.pulls:
                    if _node_id(full_name, pull) == node_id:
                        return self._enable_auto_merge(full_name, pull)
        return (
            200,
            {"data": None, "errors": [{"type": "NOT_FOUND", "message": f"Could not resolve {node_id}"}]},
            {},
        )

    def _enable_auto_merge(self, full_name: str, pull: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        if not self.settings(full_name).allow_auto_merge:
            error = {"type": "UNPROCESSABLE", "message": "Auto merge is not allowed for this repository"}
            return 200, {"data": {"enablePullRequestAutoMerge": None}, "errors": [error]}, {}
        pull["auto_merge"] = {"merge_method": "merge"}
        actor = {
            "avatarUrl": "",
            "login": "github-actions[bot]",
            "resourcePath": "/apps/github-actions",
            "url": "",
        }
        return 200, {"data": {"enablePullRequestAutoMerge": {"actor": actor, "clientMutationId": None}}}, {}

    # -- representations -----------------------------------------------------------------
    def _find_pull(self, full_name: str, number: str) -> dict[str, Any] | None:
        return next((p for p in self.settings(full_name).pulls if str(p["number"]) == str(number)), None)

    def _repository(self, full_name: str, *, full: bool) -> dict[str, Any]:
        repo: dict[str, Any] = openapi.example("full-repository-default-response")
        for key in ("source", "parent", "template_repository", "organization"):
            repo.pop(key, None)
        owner, name = full_name.split("/")
        api = f"{self.url}/repos/{full_name}"
        repo.update(
            name=name,
            full_name=full_name,
            url=api,
            html_url=f"{self.server_url}/{full_name}",
            clone_url=f"{self.server_url}/{full_name}.git",
            pulls_url=api + "/pulls{/number}",
            issues_url=api + "/issues{/number}",
            default_branch=self.forge.default_branch(full_name),
            allow_auto_merge=self.settings(full_name).allow_auto_merge,
        )
        repo.setdefault("language", None)  # required, yet missing from GitHub's own example
        repo["owner"]["login"] = owner
        if not full:
            for key in list(repo):
                if key.startswith(("allow_", "delete_branch", "use_squash", "squash_", "merge_commit_")):
                    repo.pop(key)
        return repo

    def _pull(self, full_name: str, pull: dict[str, Any], *, simple: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = (
            openapi.example("pull-request-simple-items")[0] if simple else openapi.example("pull-request")
        )
        number = pull["number"]
        api = f"{self.url}/repos/{full_name}"
        data.update(
            id=1000 + number,
            node_id=_node_id(full_name, pull),
            number=number,
            title=pull["title"],
            body=pull["body"],
            state=pull["state"],
            draft=pull["draft"],
            url=f"{api}/pulls/{number}",
            html_url=f"{self.server_url}/{full_name}/pull/{number}",
            issue_url=f"{api}/issues/{number}",
            labels=[_label(name, i) for i, name in enumerate(pull["labels"])],
            requested_reviewers=[_user(data["user"], login) for login in pull["reviewers"]],
            requested_teams=[_team(data["requested_teams"][0], slug) for slug in pull["teams"]],
            auto_merge=None,
            merged_at=None,
            closed_at=None,
        )
        if not simple:
            data.update(merged=False, mergeable=None, merged_by=None)
        for side, ref in (("head", pull["head_ref"]), ("base", pull["base_ref"])):
            data[side].update(
                ref=ref,
                sha=self.forge.branch_sha(full_name, ref) or "0" * 40,
                label=f"{full_name.split('/')[0]}:{ref}",
            )
            data[side]["repo"] = self._repository(full_name, full=False)
        return data


def _node_id(full_name: str, pull: dict[str, Any]) -> str:
    return f"PR_{full_name.replace('/', '_')}_{pull['number']}"


def _label(name: str, index: int) -> dict[str, Any]:
    label: dict[str, Any] = openapi.example("label-items")[0]
    label.update(id=5000 + index, name=name, node_id=f"LA_{index}", url=f"https://example.test/labels/{name}")
    return label


def _user(template: dict[str, Any], login: str) -> dict[str, Any]:
    return {**template, "login": login, "id": abs(hash(login)) % 100000}


def _team(template: dict[str, Any], slug: str) -> dict[str, Any]:
    return {**template, "slug": slug, "name": slug, "type": "organization", "id": abs(hash(slug)) % 100000}


def _error(message: str) -> dict[str, Any]:
    return {"message": message, "documentation_url": "https://docs.github.com/rest"}


def _invalid(resource: str, field_name: str, code: str, message: str = "") -> dict[str, Any]:
    error = {"resource": resource, "field": field_name, "code": code}
    if message:
        error["message"] = message
    return {
        "message": "Validation Failed",
        "errors": [error],
        "documentation_url": "https://docs.github.com/rest",
    }


def _fault_reply(fault: Fault) -> tuple[int, Any, dict[str, str]]:
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
    messages = {401: "Bad credentials", 403: SECONDARY_RATE_LIMIT, 429: SECONDARY_RATE_LIMIT}
    message = fault.message or messages.get(fault.status, "Server Error")
    return fault.status, _error(message), headers


def _handler_for(fake: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self._serve()

        do_POST = do_PATCH = do_PUT = do_DELETE = do_GET  # noqa: N815

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            auth = self.headers.get("Authorization", "")
            status, payload, headers = fake.handle(self.command, self.path, auth, body)
            operation = _operation_name(self.command, self.path)
            fake.calls.append(Call(self.command, self.path, operation, status, body, auth))
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _operation_name(method: str, path: str) -> str:
    try:
        return openapi.find(method, urllib.parse.urlsplit(path).path).operation_id
    except openapi.SpecViolation:
        return "graphql" if path.endswith("/graphql") else "?"


@pytest.fixture
def github(forge: Forge, git_server: GitServer) -> Iterator[FakeGitHub]:
    fake = FakeGitHub(forge, git_server.url).start()
    try:
        yield fake
    finally:
        fake.stop()
    assert not fake.violations, "requests or responses outside GitHub's description:\n" + "\n".join(
        fake.violations
    )
