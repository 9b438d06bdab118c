"""The one class that runs git, one method per verb, every call through `proc.run`.

The token (and a `user:password@` taken out of an infra-repo URL, see
`bump_writeback.request`) reaches git only as an `http.<url>.extraHeader` set through the environment
(`GIT_CONFIG_COUNT` / `GIT_CONFIG_KEY_n` / `GIT_CONFIG_VALUE_n`, as git documents), scoped to
the infra repo's host: never in the remote URL, never in `.git/config`, never in argv.
"""

from __future__ import annotations

import base64
import re
import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

from gitops_ci.errors import CommandError, UserError
from gitops_ci.record import Record

if TYPE_CHECKING:  # the process door loads with the first git call: `--help` reads BOT_* only
    from gitops_ci.doors.proc import Completed
    from gitops_ci.secrets import Redactor

BOT_NAME = "github-actions[bot]"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"
TIMEOUT = 300.0


class Identity(Record):
    name: str = BOT_NAME
    email: str = BOT_EMAIL

    def env(self) -> dict[str, str]:
        return {
            "GIT_AUTHOR_NAME": self.name,
            "GIT_AUTHOR_EMAIL": self.email,
            "GIT_COMMITTER_NAME": self.name,
            "GIT_COMMITTER_EMAIL": self.email,
        }


class PushResult(Record):
    ok: bool
    rejected: bool  # the remote moved (non-fast-forward, stale lease, lost ref lock): retry on a new head
    detail: str


def auth_prefix(url: str) -> str:
    """`scheme://host[:port]/`: the header is sent to that host only."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def auth_env(url: str, token: str, environ: Mapping[str, str], username: str = "") -> dict[str, str]:
    """Config entries, as environment variables, that send the token to the infra repo's host:
    Basic `username:token` as git would send it (`x-access-token`, GitHub's name for a token,
    when no user is given)."""
    entries = [("credential.helper", ""), ("core.askPass", "")]
    # The clone is thrown away: a detached auto-gc or maintenance run would still be writing
    # into .git while the temporary folder is removed (seen under 20 concurrent bumps).
    entries += [("gc.auto", "0"), ("maintenance.auto", "false")]
    if token and url.startswith(("http://", "https://")):
        basic = base64.b64encode(f"{username or 'x-access-token'}:{token}".encode()).decode()
        entries.append((f"http.{auth_prefix(url)}.extraHeader", f"Authorization: Basic {basic}"))
    start = int(environ.get("GIT_CONFIG_COUNT", "0") or 0)
    env = {"GIT_CONFIG_COUNT": str(start + len(entries))}
    for offset, (key, value) in enumerate(entries):
        env[f"GIT_CONFIG_KEY_{start + offset}"] = key
        env[f"GIT_CONFIG_VALUE_{start + offset}"] = value
    return env


class Git:
    """git in one working directory (or none, for remote-only verbs)."""

    def __init__(
        self,
        *,
        url: str,
        token: str,
        redactor: Redactor,
        environ: Mapping[str, str],
        workdir: Path | None = None,
        log: Callable[[str], None] | None = None,
        username: str = "",
    ) -> None:
        self.url = url
        self.workdir = workdir
        self._redactor = redactor
        self._log = log
        self._env = {
            **environ,
            **auth_env(url, token, environ, username),
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_ASKPASS": "",
            "SSH_ASKPASS": "",
            "LC_ALL": "C",
        }

    def _git(
        self,
        *args: str,
        check: bool = True,
        env: Mapping[str, str] | None = None,
        stdin: str | None = None,
        in_workdir: bool = True,
    ) -> Completed:
        from gitops_ci.doors.proc import run

        return run(
            ["git", *args],
            redactor=self._redactor,
            log=self._log,
            cwd=str(self.workdir) if self.workdir and in_workdir else None,
            env={**self._env, **(env or {})},
            stdin=stdin,
            check=check,
            timeout=TIMEOUT,
        )

    # -- remote-only ---------------------------------------------------------------------
    def default_branch(self) -> str:
        out = self._remote("ls-remote", "--symref", self.url, "HEAD").stdout
        for line in out.splitlines():
            if line.startswith("ref: ") and line.endswith("\tHEAD"):
                return line[5:].split("\t")[0].removeprefix("refs/heads/")
        raise UserError(f"the infra repo {self.url} has no default branch", fix="pass --base-branch")

    def remote_sha(self, branch: str) -> str | None:
        out = self._remote("ls-remote", self.url, f"refs/heads/{branch}").stdout
        return out.split()[0] if out.strip() else None

    def _remote(self, *args: str) -> Completed:
        result = self._git(*args, check=False, in_workdir=False)
        if result.returncode != 0:
            raise explain(self._redactor.redact(result.stderr.strip()), self.url)
        return result

    # -- working copy --------------------------------------------------------------------
    def clone(self, branch: str, *, sparse: Sequence[str] = (), depth: int | None = 1) -> None:
        assert self.workdir is not None
        args = [
            "clone",
            "--quiet",
            "--filter=blob:none",
            "--no-checkout",
            "--single-branch",
            "--branch",
            branch,
        ]
        if depth:
            args += ["--depth", str(depth)]
        result = self._git(*args, "--", self.url, str(self.workdir), check=False, in_workdir=False)
        if result.returncode != 0:
            raise explain(self._redactor.redact(result.stderr.strip()), self.url, branch=branch)
        if sparse:
            self._git("sparse-checkout", "set", "--no-cone", "--stdin", stdin="\n".join(sparse) + "\n")
        self._git("checkout", "--quiet", branch)

    def sparse_add(self, patterns: Sequence[str]) -> None:
        """Check out more of a sparse working copy (non-cone patterns); blobs come on demand."""
        self._git("sparse-checkout", "add", "--stdin", stdin="\n".join(patterns) + "\n")

    def fetch(self, branch: str, *, depth: int | None = 1) -> str | None:
        """Fetch the remote branch; return its commit, or None when it does not exist."""
        args = [
            "fetch",
            "--quiet",
            "--filter=blob:none",
            "origin",
            f"+refs/heads/{branch}:refs/remotes/origin/{branch}",
        ]
        if depth:
            args.insert(1, f"--depth={depth}")
        result = self._git(*args, check=False)
        if result.returncode != 0:
            if "couldn't find remote ref" in result.stderr:
                return None
            raise explain(self._redactor.redact(result.stderr.strip()), self.url, branch=branch)
        return self.rev_parse(f"refs/remotes/origin/{branch}")

    def reset_to(self, commit: str, *, branch: str | None = None) -> None:
        """Put the working copy at `commit` (on a local `branch` when given), discarding edits."""
        if branch:
            self._git("checkout", "--quiet", "--force", "-B", branch, commit)
        else:
            self._git("checkout", "--quiet", "--force", "--detach", commit)
        self._git("clean", "--quiet", "-fd")

    def rev_parse(self, ref: str) -> str:
        return self._git("rev-parse", "--verify", "--quiet", ref).stdout.strip()

    def resolve(self, revision: str) -> str | None:
        """The full SHA of the commit `revision` names (a short SHA too), or None when there is none here."""
        result = self._git("rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}", check=False)
        return result.stdout.strip() if result.returncode == 0 else None

    def add_worktree(self, path: Path, commit: str) -> None:
        """Check `commit` out, detached, in a new working tree at `path`; this one stays as it is."""
        self._git("worktree", "add", "--quiet", "--detach", str(path), commit)

    def remove_worktree(self, path: Path) -> None:
        self._git("worktree", "remove", "--force", str(path), check=False)

    def add(self, paths: Sequence[str]) -> None:
        self._git("add", "--", *paths)

    def commit(self, message: str, *, identity: Identity) -> str:
        self._git("commit", "--quiet", "--no-verify", "--file=-", env=identity.env(), stdin=message)
        return self.rev_parse("HEAD")

    def push(self, branch: str, *, lease: str | None = None) -> PushResult:
        """Push HEAD to `branch`; with `lease`, force only if the remote is still at it ("" = absent)."""
        args = ["push", "--porcelain", "origin", f"HEAD:refs/heads/{branch}"]
        if lease is not None:
            args.insert(2, f"--force-with-lease=refs/heads/{branch}:{lease}")
        result = self._git(*args, check=False)
        if result.returncode == 0:
            return PushResult(True, False, result.stdout)
        detail = self._redactor.redact((result.stdout + result.stderr).strip())
        rejected = any(line.startswith("!") for line in result.stdout.splitlines())
        if not rejected:
            raise explain(detail, self.url, branch=branch, pushing=True)
        return PushResult(False, True, detail)

    def log(self, fmt: str, *args: str) -> str:
        return self._git("log", f"--format={fmt}", *args).stdout

    def commit_time(self, revision: str) -> int | None:
        """The committer time of `revision` (Unix seconds), or None when it is not a commit here
        (not a checkout, or a shallow one without it)."""
        result = self._git("show", "--no-patch", "--format=%ct", revision, "--", check=False)
        text = result.stdout.strip()
        return int(text) if result.returncode == 0 and text.isdigit() else None

    def tags(self) -> tuple[str, ...] | None:
        """The checkout's tags, or None when the working directory is not a checkout."""
        result = self._git("tag", "--list", check=False)
        return tuple(result.stdout.split()) if result.returncode == 0 else None

    def is_ancestor(self, ancestor: str, descendant: str) -> bool | None:
        """Whether `descendant` contains `ancestor` (or is it); None when either is not here."""
        result = self._git("merge-base", "--is-ancestor", ancestor, descendant, check=False)
        return {0: True, 1: False}.get(result.returncode)

    def show_tree(self, ref: str) -> str:
        return self.rev_parse(f"{ref}^{{tree}}")

    def toplevel(self) -> str | None:
        """The root folder of the checkout the working directory is in; None outside one."""
        result = self._git("rev-parse", "--show-toplevel", check=False)
        return (result.stdout.strip() or None) if result.returncode == 0 else None

    def merge_base(self, one: str, other: str) -> str | None:
        """The best common ancestor of two commits; None when they have none here (a shallow
        clone, unrelated histories)."""
        result = self._git("merge-base", one, other, check=False)
        return (result.stdout.strip() or None) if result.returncode == 0 else None

    def name_status(self, base: str, head: str) -> str:
        """`git diff --name-status -z -M` of two commits: NUL-separated, a status then its path
        (a rename's `R<score>` then the old and the new path), never quoted."""
        args = ("--name-status", "-z", "-M", "--no-relative", "--no-ext-diff", base, head, "--")
        return self._git("diff", *args).stdout


def explain(detail: str, url: str, *, branch: str = "", pushing: bool = False) -> UserError:
    """Turn git's failure text into what the user should do about it. Status codes are read
    as whole numbers, with every URL taken out first: a port such as :34017 is not a 401."""
    low = re.sub(r"[a-z][a-z0-9+.-]*://\S+", "URL", detail.lower())
    where = f"the infra repo {url}"
    if "could not find remote branch" in low or ("remote branch" in low and "not found" in low):
        return UserError(
            f"branch {branch!r} does not exist in {where}",
            why=detail,
            fix="check --base-branch (or leave it out to use the repo's default branch)",
        )
    if _code(403, low) or "permission" in low or "denied" in low:
        return UserError(
            f"the token may not {'push to' if pushing else 'read'} {where}",
            why=detail,
            fix="give the workflow's token `contents: write` on the infra repo (`permissions:` in the "
            "workflow for GITHUB_TOKEN; for another repo use a GitHub App or fine-grained token with "
            "Contents: Read and write) and pass it as `token`",
        )
    if _code(401, low) or "authentication failed" in low or "could not read username" in low:
        return UserError(
            f"the token was not accepted by {where}",
            why=detail,
            fix="pass a valid token for the infra repo as `token` (INPUT_TOKEN or GITHUB_TOKEN)",
        )
    if "not found" in low or "does not appear to be a git repository" in low or _code(404, low):
        return UserError(
            f"{where} was not found",
            why=detail,
            fix="check `infra-repo` (OWNER/NAME or a git URL) and that the token can see it",
        )
    if "could not resolve host" in low or "failed to connect" in low or "couldn't connect" in low:
        return UserError(
            f"{where} cannot be reached",
            why=detail,
            fix="check the URL, GITHUB_SERVER_URL and the runner's network access",
        )
    return CommandError(f"git ({where})", 128, detail)


def _code(status: int, text: str) -> bool:
    return re.search(rf"(?<![\w.:]){status}(?![\w.])", text) is not None
