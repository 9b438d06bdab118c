"""Fill the message model from the run: title and text from the templates, the fields, links."""

from __future__ import annotations

import re
import urllib.parse

from gitops_ci.engines.notify import template
from gitops_ci.engines.notify.model import Field, Inputs, Message, RunInfo

_SHA = re.compile(r"[0-9a-f]{7,64}")
_PULL = re.compile(r"/pull/(\d+)/?$")


def build(inputs: Inputs) -> Message:
    values = template.variables(inputs.run, inputs.status)
    title = template.render(inputs.title or template.DEFAULT_TITLE, values, name="title")
    text = template.render(inputs.text or template.DEFAULT_TEXT, values, name="text")
    return Message(
        status=inputs.status,
        title=_title(title, values["status_word"]),
        text=text,
        fields=fields(inputs.run),
        run_url=run_url(inputs.run),
        mentions=inputs.mentions if inputs.status == "failure" else (),
    )


def _title(rendered: str, word: str) -> str:
    title = " ".join(rendered.split())
    return title if title and title != word else f"gitops-ci run {word}"


def fields(run: RunInfo) -> tuple[Field, ...]:
    repo_url = _join(run.server_url, run.repository) if run.repository else ""
    candidates = [
        Field("Repository", run.repository, repo_url),
        Field("Ref", run.ref_name, _join(repo_url, "tree", run.ref_name) if repo_url else ""),
        Field("Commit", run.sha[:7], _join(repo_url, "commit", run.sha) if repo_url and run.sha else ""),
        Field("Actor", run.actor, _join(run.server_url, run.actor) if run.actor else ""),
        Field("Workflow run", _run_label(run), run_url(run)),
        Field("Failed stage", run.failed_stage),
        Field("Error", run.failure_message, short=False),
        Field("Stages", run.stages, short=False),
        Field("Deployment", run.deployment, short=False),
        Field("Environment", run.environment),
        Field("Image", run.image_ref, short=False),
        Field("Digest", run.digest, short=False),
        _infra_commit(run),
        _pull_request(run.pr_url),
    ]
    return tuple(f for f in candidates if f.value)


def run_url(run: RunInfo) -> str:
    if not (run.repository and run.run_id):
        return ""
    url = _join(run.server_url, run.repository, "actions", "runs", run.run_id)
    if run.run_attempt not in ("", "1"):
        url = _join(url, "attempts", run.run_attempt)
    return url


def _run_label(run: RunInfo) -> str:
    label = run.workflow or ("run" if run.run_id else "")
    return f"{label} #{run.run_number}" if label and run.run_number else label


def _infra_commit(run: RunInfo) -> Field:
    value = run.infra_commit.strip()
    if is_web_url(value):
        return Field("Infra commit", _SHA.findall(value)[-1][:7] if _SHA.search(value) else value, value)
    url = ""
    if _SHA.fullmatch(value) and run.infra_repo and "/" in run.infra_repo and ":" not in run.infra_repo:
        url = _join(run.server_url, run.infra_repo, "commit", value)
    return Field("Infra commit", value[:7] if _SHA.fullmatch(value) else value, url)


def _pull_request(url: str) -> Field:
    url = url.strip()
    match = _PULL.search(url)
    label = f"#{match.group(1)}" if match else url
    return Field("Pull request", label, url if is_web_url(url) else "")


def is_web_url(text: str) -> bool:
    parts = urllib.parse.urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(c.isspace() for c in text)


def _join(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *(urllib.parse.quote(p, safe="/") for p in parts)])
