"""The one class that talks to the GitHub API (PyGithub), one method per verb.

Retries 5xx, 429 and rate-limit 403s, honouring `Retry-After` and the reset headers, within a
bounded time (PyGithub's GithubRetry, a urllib3 Retry). 401/403/404 become a UserError naming
the permission the token lacks and how to grant it.
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from gitops_ci.errors import UserError

if TYPE_CHECKING:
    import github
    from urllib3.response import BaseHTTPResponse

PERMISSIONS_DOC = (
    "https://docs.github.com/actions/writing-workflows/choosing-what-your-workflow-does/"
    "controlling-permissions-for-github_token"
)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    backoff: float = 1.0  # seconds; doubles per attempt (urllib3 backoff_factor)
    max_wait: float = 60.0  # the longest single wait (Retry-After, reset) we accept


@dataclass(frozen=True)
class RepoInfo:
    full_name: str
    default_branch: str
    html_url: str


@dataclass(frozen=True)
class PullInfo:
    number: int
    url: str
    title: str
    body: str


@functools.cache
def _bounded_retry() -> type[github.GithubRetry]:
    # PyGithub and requests are imported where the API is called, never at the module's import:
    # they cost more than bump-manifest's edit mode spends on a whole monorepo's bytes.
    import github

    class BoundedRetry(github.GithubRetry):
        """GithubRetry that refuses (instead of sleeping through) a Retry-After over `max_rate_limit_wait`."""

        def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
            wait: float | None = super().get_retry_after(response)
            if wait is not None and self.max_rate_limit_wait is not None and wait > self.max_rate_limit_wait:
                raise github.RateLimitExceededExceedsMaxWait(
                    response.status, None, dict(response.headers), wait=wait
                )
            return wait

    return BoundedRetry


def make_retry(policy: RetryPolicy) -> github.GithubRetry:
    return _bounded_retry()(
        total=policy.attempts,
        backoff_factor=policy.backoff,
        backoff_max=policy.max_wait,
        status_forcelist=[429, *range(500, 600)],
        secondary_rate_wait=min(60.0, policy.max_wait),
        max_rate_limit_wait=policy.max_wait,
        raise_on_status=False,
    )


class GitHubApi:
    def __init__(self, *, base_url: str, token: str, policy: RetryPolicy = RetryPolicy()) -> None:
        import github

        self._gh = github.Github(
            auth=github.Auth.Token(token),
            base_url=base_url.rstrip("/"),
            retry=make_retry(policy),
            timeout=30,
            seconds_between_requests=0,
            seconds_between_writes=0,
        )
        self._repos: dict[str, Any] = {}

    def _repo(self, full_name: str) -> Any:
        if full_name not in self._repos:
            with api_errors(f"read the repository {full_name}", "contents: read", full_name):
                self._repos[full_name] = self._gh.get_repo(full_name)
        return self._repos[full_name]

    def repository(self, full_name: str) -> RepoInfo:
        repo = self._repo(full_name)
        with api_errors(f"read the repository {full_name}", "contents: read", full_name):
            return RepoInfo(str(repo.full_name), str(repo.default_branch), str(repo.html_url))

    def find_open_pull(self, full_name: str, head_branch: str, base: str) -> PullInfo | None:
        owner = full_name.split("/")[0]
        with api_errors(f"list pull requests of {full_name}", "pull-requests: read", full_name):
            for pull in self._repo(full_name).get_pulls(
                state="open", head=f"{owner}:{head_branch}", base=base
            ):
                return _pull_info(pull)
        return None

    def create_pull(
        self, full_name: str, *, base: str, head: str, title: str, body: str, draft: bool
    ) -> PullInfo:
        with api_errors(f"open a pull request on {full_name}", "pull-requests: write", full_name):
            pull = self._repo(full_name).create_pull(
                base=base, head=head, title=title, body=body, draft=draft
            )
            return _pull_info(pull)

    def update_pull(self, full_name: str, number: int, *, title: str, body: str) -> PullInfo:
        with api_errors(f"update pull request #{number} on {full_name}", "pull-requests: write", full_name):
            pull = self._repo(full_name).get_pull(number)
            pull.edit(title=title, body=body)
            return _pull_info(pull)

    def add_labels(self, full_name: str, number: int, labels: Sequence[str]) -> None:
        # PyGithub sends a bare list; GitHub's description documents the {"labels": [...]} object.
        with api_errors(f"label pull request #{number} on {full_name}", "pull-requests: write", full_name):
            url = f"{self._repo(full_name).url}/issues/{number}/labels"
            self._gh.requester.requestJsonAndCheck("POST", url, input={"labels": list(labels)})

    def request_reviewers(
        self, full_name: str, number: int, users: Sequence[str], teams: Sequence[str]
    ) -> None:
        with api_errors(f"request reviewers on #{number} of {full_name}", "pull-requests: write", full_name):
            self._repo(full_name).get_pull(number).create_review_request(
                reviewers=list(users), team_reviewers=list(teams)
            )

    def enable_auto_merge(self, full_name: str, number: int, method: str = "MERGE") -> str | None:
        """Turn on auto-merge; return why not (a warning) when the repository does not allow it."""
        try:
            with api_errors(
                f"enable auto-merge on #{number} of {full_name}", "pull-requests: write", full_name
            ):
                self._repo(full_name).get_pull(number).enable_automerge(merge_method=method)
        except UserError as exc:
            return f"auto-merge was not enabled on #{number}: {exc.what}. {exc.why}".strip()
        return None


def _pull_info(pull: Any) -> PullInfo:
    number = pull.number
    if not isinstance(number, int) or isinstance(number, bool):
        raise TypeError(f"a pull request number {number!r}")
    return PullInfo(number, str(pull.html_url), str(pull.title), str(pull.body or ""))


@contextlib.contextmanager
def api_errors(action: str, permission: str, full_name: str) -> Iterator[None]:
    """Translate PyGithub/requests failures into advice for the person reading the log."""
    import github
    import requests

    try:
        yield
    except github.RateLimitExceededExceedsMaxWait as exc:
        raise UserError(
            f"GitHub API rate limit: could not {action}",
            why=f"GitHub asked to wait {exc.wait:.0f} s, longer than this run will wait",
            fix="retry later, or spread the pipelines that bump this repo over time",
        ) from None
    except github.GithubException as exc:
        raise _status_error(exc, action, permission, full_name) from None
    except requests.exceptions.RetryError as exc:
        raise UserError(
            f"the GitHub API kept failing: could not {action}",
            why=f"every retry failed ({exc})",
            fix="check https://www.githubstatus.com (or your GHES instance) and re-run the job",
        ) from None
    except requests.exceptions.ConnectionError as exc:
        raise UserError(
            f"the GitHub API cannot be reached: could not {action}",
            why=str(exc),
            fix="check GITHUB_API_URL and the runner's network access",
        ) from None
    except (
        github.BadAttributeException,
        ValueError,
        TypeError,
        KeyError,
        AttributeError,
        AssertionError,
    ) as exc:
        # The answer is outside input: a proxy's error page, a truncated body, a field of the wrong
        # type, a URL PyGithub asserts on before it follows it.
        raise UserError(
            f"the GitHub API answered something its description does not allow: could not {action}",
            why=f"{type(exc).__name__}: {str(exc)[:200]}",
            fix="check GITHUB_API_URL points at the GitHub API (not a proxy or web page) and re-run the job",
        ) from None


def _status_error(exc: Any, action: str, permission: str, full_name: str) -> UserError:
    status = int(getattr(exc, "status", 0) or 0)
    message = exc.data.get("message", "") if isinstance(exc.data, dict) else str(exc.data or "")
    grant = (
        f"grant `{permission}` to the token: for GITHUB_TOKEN add `permissions: {{{permission}}}` to the "
        f"job (see {PERMISSIONS_DOC}); for another repo use a GitHub App or fine-grained token with that "
        f"access to {full_name}"
    )
    if status == 401:
        return UserError(
            f"GitHub rejected the token: could not {action}",
            why=f"401 {message}",
            fix="pass a valid token as `token` (INPUT_TOKEN) or GITHUB_TOKEN; " + grant,
        )
    if status == 403:
        return UserError(
            f"the token lacks `{permission}`: could not {action}", why=f"403 {message}", fix=grant
        )
    if status == 404:
        return UserError(
            f"{full_name} was not found, or the token cannot see it: could not {action}",
            why=f"404 {message}",
            fix="check `infra-repo`; " + grant,
        )
    return UserError(f"GitHub API error {status}: could not {action}", why=message or str(exc))
