"""The promotion table (image × old → new, with links to the source and infra commits): the
pull request's description and the step summary show the same one."""

from __future__ import annotations

from typing import Sequence

from gitops_ci.engines.promote.model import Promotion


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _code(text: str) -> str:
    return f"`{_cell(text)}`" if text else "–"


def commit_link(server_url: str, repository: str, commit: str) -> str:
    """`[OWNER/NAME@abc1234](…/commit/SHA)`; the short SHA alone without a repository."""
    if not commit:
        return "–"
    if not repository:
        return f"`{commit[:12]}`"
    return f"[{_cell(repository)}@{commit[:7]}]({server_url.rstrip('/')}/{repository}/commit/{commit})"


def table(
    promotions: Sequence[Promotion], from_env: str, to_env: str, server_url: str, infra_repo: str = ""
) -> list[str]:
    """One row per image: what `to` ran, what it runs now, the build, the infra commit in `from`."""
    rows = [
        f"| Image | {_cell(to_env)} before | Promoted | Built from | Deployed to {_cell(from_env)} |",
        "|---|---|---|---|---|",
    ]
    for p in promotions:
        d = p.deployed
        built = commit_link(server_url, d.source_repository, d.source_commit) if d else "–"
        deployed = commit_link(server_url, infra_repo, p.from_commit)
        if d and d.when:
            deployed += f" at {_cell(d.when)}"
        old = "<br>".join(_code(o) for o in p.old) or "–"
        rows.append(f"| {_code(p.image)} | {old} | {_code(p.new)} | {built} | {deployed} |")
    return rows


def description(
    promotions: Sequence[Promotion], from_env: str, to_env: str, server_url: str, infra_repo: str = ""
) -> str:
    """The pull request's first part: what is promoted, from where, and the table."""
    head = (
        f"Promotes to **{_cell(to_env)}** the exact references **{_cell(from_env)}** runs, through gitops-ci."
    )
    return "\n".join([head, "", *table(promotions, from_env, to_env, server_url, infra_repo), ""])
