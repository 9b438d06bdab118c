"""Every parser of outside bytes answers random and adversarial input with a result or a
UserError (exit 1 with a message): never another exception (exit 2, a traceback), never a hang.

The outside bytes: the fork's defaults file, the runner's event payload (as build-and-push,
bump-manifest, notify and plan each read it), the infra repo's YAML files and a monorepo's
services file. Besides random input,
each parser meets the shapes that broke real tools: alias bombs, deep nesting, duplicate
keys, wrong types where objects are expected, bytes that are not UTF-8."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gitops_ci import defaults
from gitops_ci.engines.build_push import context as git_context
from gitops_ci.engines.bump.edit import edit_file
from gitops_ci.engines.bump.model import Scope, Target
from gitops_ci.commands import bump_writeback, catalog, load_all
from gitops_ci.commands import notify as notify_command
from gitops_ci.commands import plan as plan_command
from gitops_ci.engines.plan import manifest as services_manifest
from gitops_ci.commands.base import Context
from gitops_ci.context import RunContext
from gitops_ci.errors import UserError
from gitops_ci.inputs import resolve
from gitops_ci.doors.runner import Console

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
COMMANDS = load_all()
IMAGE = "ghcr.io/acme/api"

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [" + ", ".join([f"*{p}"] * 9) + "]\n" for p, c in zip("abcdefgh", "bcdefghi")
)
DEEP_FLOW = "[" * 20000 + "]" * 20000
DEEP_JSON = '{"a":' * 20000 + "1" + "}" * 20000
ADVERSARIAL_YAML = [
    BOMB,
    DEEP_FLOW,
    "".join("  " * i + f"k{i}:\n" for i in range(600)),
    "all:\n  registry: a\n  registry: b\n",
    "? [a, b]\n: c\n",
    "all: !!python/object:os.system 'true'\n",
    "%YAML 9.9\n---\nall: {}\n",
    "\t\tall: {}\n",
    "all: *nothing\n",
]


def _outcome(call: Callable[[], Any]) -> None:
    """The call returns, or raises UserError with a message; anything else fails the test."""
    try:
        call()
    except UserError as exc:
        assert str(exc).strip(), "a UserError without a message"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
EVENT_KEYS = (
    "pull_request",
    "repository",
    "head_commit",
    "number",
    "head",
    "sha",
    "ref",
    "license",
    "timestamp",
)
events = st.recursive(
    json_values,
    lambda inner: st.dictionaries(st.sampled_from(EVENT_KEYS) | st.text(max_size=8), inner, max_size=5),
    max_leaves=25,
)


# -- the defaults file ---------------------------------------------------------------------------

KNOWN = {**catalog.INPUTS}
defaults_docs = st.dictionaries(
    st.sampled_from(["all", *sorted(KNOWN), "nope"]),
    st.none()
    | st.text(max_size=10)
    | st.dictionaries(
        st.sampled_from(sorted({k for keys in KNOWN.values() for k in keys}) + ["bogus"]),
        json_values,
        max_size=4,
    ),
    max_size=3,
)


def _load_and_resolve(path: Path) -> None:
    sections = defaults.load(path, KNOWN, required=True, secret_keys=catalog.SECRETS)
    for command in COMMANDS.values():
        given_defaults = defaults.for_command(sections, command.name)
        for option in command.options:
            _outcome(lambda option=option: resolve(option, None, {}, given_defaults))


@FUZZ
@given(doc=defaults_docs)
def test_a_defaults_file_of_any_shape_is_read_or_refused_with_a_message(tmp_path: Path, doc: object) -> None:
    path = tmp_path / "gitops-ci.defaults.yml"
    path.write_text(json.dumps(doc), encoding="utf-8")  # JSON is YAML
    _outcome(lambda: _load_and_resolve(path))


@FUZZ
@given(data=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
@example(data=b"all:\n  registry: \xff\xfe\n")
@example(data=b"\xef\xbb\xbfall: {}\n")
def test_a_defaults_file_of_any_bytes_is_read_or_refused_with_a_message(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "gitops-ci.defaults.yml"
    path.write_bytes(data)
    _outcome(lambda: _load_and_resolve(path))


@pytest.mark.parametrize("text", ADVERSARIAL_YAML, ids=range(len(ADVERSARIAL_YAML)))
def test_an_adversarial_defaults_file_is_read_or_refused_with_a_message(tmp_path: Path, text: str) -> None:
    path = tmp_path / "gitops-ci.defaults.yml"
    path.write_text(text, encoding="utf-8")
    _outcome(lambda: _load_and_resolve(path))


# -- the event payload ---------------------------------------------------------------------------

ENVIRON = {"GITHUB_SHA": "3f2a1bc9d8e7f60123456789abcdef0123456789", "GITHUB_EVENT_NAME": "push"}


def _read_event_everywhere(path: Path) -> None:
    environ = {**ENVIRON, "GITHUB_EVENT_PATH": str(path), "GITHUB_WORKSPACE": str(path.parent)}
    run = RunContext.from_environ(environ)
    ctx = Context(console=Console(environ, io.StringIO(), io.StringIO()), run=run, cwd=str(path.parent))
    _outcome(lambda: git_context.from_run(run))
    _outcome(lambda: bump_writeback.run_source(ctx, {"source_time": ""}))
    values = {**{o.dest: resolve(o, None, {}, {}).value for o in COMMANDS["notify"].options}}
    _outcome(lambda: notify_command.run_info(run, values))
    _outcome(lambda: plan_command.event_of(run, needed=True))


@FUZZ
@given(event=events)
@example(event={"pull_request": {"number": "seven", "head": []}})
@example(event={"pull_request": {"number": 1e300}, "repository": {"license": "MIT"}})
@example(event={"head_commit": {"id": ENVIRON["GITHUB_SHA"], "timestamp": "yesterday"}})
def test_an_event_payload_of_any_shape_is_read_or_refused_with_a_message(
    tmp_path: Path, event: object
) -> None:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    _read_event_everywhere(path)


@FUZZ
@given(data=st.binary(max_size=200))
@example(data=DEEP_JSON.encode())
@example(data=b'{"head_commit": {"message": "caf\xe9"}}')
def test_an_event_payload_of_any_bytes_is_read_or_refused_with_a_message(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "event.json"
    path.write_bytes(data)
    _read_event_everywhere(path)


# -- the infra repo's YAML -----------------------------------------------------------------------

yaml_fragments = st.lists(
    st.sampled_from(
        [
            "image: ghcr.io/acme/api:1.0\n",
            "  image: ghcr.io/acme/api:1.0 # pin\n",
            "containers:\n",
            "- name: api\n",
            "  - image: ghcr.io/acme/api@sha256:" + "a" * 64 + "\n",
            "kind: Deployment\n",
            "---\n",
            "&x ",
            "*x\n",
            "<<: *x\n",
            "{",
            "}",
            "[",
            "]",
            "'",
            '"',
            "|\n",
            ">-\n",
            "\t",
            "  ",
            "key: value\n",
            "images:\n- name: ghcr.io/acme/api\n  newTag: '1.0'\n",
            "repository: ghcr.io/acme/api\ntag: 1.0\n",
            "# gitops-ci: image=ghcr.io/acme/api\n",
            "\r\n",
            "\ufeff",
            "%YAML 1.1\n",
            "!!binary ",
            "? ",
            ": ",
        ]
    )
    | st.text(max_size=8),
    max_size=25,
).map("".join)


def _edit(text: str) -> None:
    result = edit_file("f.yaml", text.encode("utf-8", "surrogatepass"), [Target(IMAGE, "2.0")], Scope())
    if result.edit is not None:
        assert result.edit.after != result.edit.before


@FUZZ
@given(text=yaml_fragments)
def test_an_infra_file_of_any_shape_is_edited_skipped_or_refused_with_a_message(text: str) -> None:
    _outcome(lambda: _edit(text))


@pytest.mark.parametrize("text", ADVERSARIAL_YAML, ids=range(len(ADVERSARIAL_YAML)))
def test_an_adversarial_infra_file_is_edited_skipped_or_refused_with_a_message(text: str) -> None:
    _outcome(lambda: _edit(text + f"\nimage: {IMAGE}:1.0\n"))


# -- a monorepo's services file --------------------------------------------------------------------

SERVICE_KEYS = [*services_manifest.SERVICE_KEYS, "paths", "bogus"]
services_docs = st.fixed_dictionaries(
    {},
    optional={
        "defaults": st.none()
        | json_values
        | st.fixed_dictionaries(
            {},
            optional={
                "registry": json_values | st.sampled_from(["ghcr.io/acme", "bad host!", ""]),
                "gate": json_values
                | st.dictionaries(st.sampled_from([*services_manifest.GATE_KEYS, "x"]), json_values),
            },
        ),
        "services": json_values
        | st.lists(
            json_values
            | st.dictionaries(
                st.sampled_from(SERVICE_KEYS),
                json_values | st.sampled_from(["api", ".", "services/api", "../x", "/abs", "[a", "!x", "**"]),
                max_size=6,
            ),
            max_size=4,
        ),
        "bogus": json_values,
    },
)


def _read_services(root: Path, data: bytes) -> None:
    found = services_manifest.parse(data, root, "gitops-ci.services.yml")
    for service in found.services:
        service.selects("services/api/main.py")


@FUZZ
@given(doc=services_docs)
def test_a_services_file_of_any_shape_is_read_or_refused_with_a_message(tmp_path: Path, doc: object) -> None:
    (tmp_path / "services" / "api").mkdir(parents=True, exist_ok=True)
    (tmp_path / "services" / "api" / "Dockerfile").write_text("FROM scratch\n", encoding="utf-8")
    (tmp_path / "Dockerfile").write_text("FROM scratch\n", encoding="utf-8")
    _outcome(lambda: _read_services(tmp_path, json.dumps(doc).encode()))


@FUZZ
@given(data=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
@example(data=b"services:\n  - name: \xff\xfe\n")
@example(data=b"services:\n  - {name: api, context: ., image: a/b, paths: [!x]}\n")
def test_a_services_file_of_any_bytes_is_read_or_refused_with_a_message(tmp_path: Path, data: bytes) -> None:
    _outcome(lambda: _read_services(tmp_path, data))


@pytest.mark.parametrize("text", ADVERSARIAL_YAML, ids=range(len(ADVERSARIAL_YAML)))
def test_an_adversarial_services_file_is_read_or_refused_with_a_message(tmp_path: Path, text: str) -> None:
    _outcome(lambda: _read_services(tmp_path, (text + "services: [{name: a, context: .}]\n").encode()))
    _outcome(lambda: _read_services(tmp_path, text.replace("all", "services").encode()))
