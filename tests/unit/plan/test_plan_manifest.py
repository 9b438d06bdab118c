"""The services file: what a valid one gives each service, and each way it can be wrong, with the
line, what is wrong and how to fix it, every problem at once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gitops_ci.commands import catalog
from gitops_ci.commands.plan import COMMAND
from gitops_ci.engines.plan import manifest
from gitops_ci.engines.plan.manifest import GATE_KEYS, ManifestError, Problem
from gitops_ci.errors import UserError

SHOWN = "gitops-ci.services.yml"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    for name in ("services/api/Dockerfile", "services/web/Dockerfile", "services/worker/Containerfile"):
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text("FROM scratch\n")
    (repo / "libs/common").mkdir(parents=True)
    (repo / "notadir").write_text("x\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "Dockerfile").write_text("FROM scratch\n")
    os.symlink(outside, repo / "escape")
    return repo


def parse(root: Path, text: str) -> manifest.Manifest:
    return manifest.parse(text.encode("utf-8"), root, SHOWN)


def problems(root: Path, text: str) -> tuple[Problem, ...]:
    with pytest.raises(ManifestError) as raised:
        parse(root, text)
    assert str(raised.value).startswith(f"services file {SHOWN} is not valid (")
    return raised.value.problems


def one_problem(root: Path, text: str) -> Problem:
    found = problems(root, text)
    assert len(found) == 1, found
    return found[0]


# -- a valid file -------------------------------------------------------------------------------------


def test_defaults_fill_in_what_a_service_leaves_out(root: Path) -> None:
    found = parse(
        root,
        "defaults:\n"
        "  registry: GHCR.io/Acme/\n"
        "  gate: {tools: 'black,pytest', install: pip install -e .}\n"
        "services:\n"
        "  - name: api\n"
        "    context: ./services/api/\n"
        "    gate: {tools: [black, mypy], coverage-min: 80}\n"
        "  - name: web\n"
        "    context: services/web\n"
        "    image: ghcr.io/Acme/Storefront\n"
        "    dockerfile: services/api/Dockerfile\n"
        "    paths: [services/web/**, '!**/*.md']\n"
        "    gate: {working-directory: services}\n",
    )
    api, web = found.services
    assert (api.name, api.context, api.dockerfile, api.image) == (
        "api",
        "services/api",
        "services/api/Dockerfile",
        "ghcr.io/acme/api",
    )
    assert api.paths == ("services/api/**",) and api.line == 5
    assert api.gate == {
        "tools": "black\nmypy",
        "working-directory": "services/api",
        "install": "pip install -e .",
        "python": "",
        "coverage-min": "80",
    }
    assert (web.image, web.dockerfile, web.file) == (
        "ghcr.io/acme/storefront",
        "services/api/Dockerfile",
        "../api/Dockerfile",
    )
    assert web.paths == ("services/web/**", "!**/*.md")
    assert web.gate["working-directory"] == "services" and web.gate["tools"] == "black,pytest"
    assert web.selects("services/web/a.js") and not web.selects("services/web/README.md")


def test_a_service_at_the_root_is_triggered_by_every_path(root: Path) -> None:
    (root / "Dockerfile").write_text("FROM scratch\n")
    (service,) = parse(root, "services:\n- {name: app, context: ., image: ghcr.io/acme/app}\n").services
    assert (service.context, service.dockerfile, service.file, service.paths) == (
        ".",
        "Dockerfile",
        "Dockerfile",
        ("**",),
    )
    assert service.selects("any/where/at/all.txt")


def test_a_dockerfile_outside_the_context_is_in_the_default_paths(root: Path) -> None:
    text = "services:\n- {name: w, context: services/worker, dockerfile: services/api/Dockerfile, "
    text += "image: r.io/w}\n"
    (service,) = parse(root, text).services
    assert service.paths == ("services/worker/**", "services/api/Dockerfile")
    assert service.selects("services/api/Dockerfile") and not service.selects("services/api/main.py")


def test_a_byte_order_mark_and_comments_are_fine(root: Path) -> None:
    text = "\ufeff# services\nservices:  # the list\n  - name: api  # api\n    context: services/api\n"
    text += "defaults: {registry: ghcr.io/acme}\n"
    assert [s.name for s in parse(root, text).services] == ["api"]


def test_the_gate_keys_are_quality_gate_inputs_and_the_matrix_output_names_them() -> None:
    assert set(GATE_KEYS) <= catalog.INPUTS["quality-gate"]
    assert {"tools", "working-directory"} <= set(GATE_KEYS)
    matrix = dict(COMMAND.outputs)["matrix"]
    assert all(f"gate-{key}" in matrix for key in GATE_KEYS)


def test_a_missing_file_says_how_to_start_one(tmp_path: Path) -> None:
    with pytest.raises(UserError) as raised:
        manifest.load(tmp_path / SHOWN, tmp_path, SHOWN)
    assert "does not exist" in raised.value.what and "services:\n  - name: api" in raised.value.fix


# -- each problem ---------------------------------------------------------------------------------------

API = "  - name: api\n    context: services/api\n"
API_IMAGE = API + "    image: ghcr.io/acme/api\n"
REGISTRY = "defaults:\n  registry: ghcr.io/acme\n"
CASES = [
    # (file text, line, what the message says, what the fix says)
    ("services: [\n", 2, "not valid YAML", "needs quotes"),
    (
        REGISTRY + "services:\n" + API + "    paths:\n      - !docs/**\n",
        7,
        "YAML reads `!docs/**` as a tag",
        "quote",
    ),
    ("services:\n  - name: api\n    paths: [*.md]\n", 3, "not valid YAML", "needs quotes"),
    ("a: 1\n---\nb: 2\n", 2, "not valid YAML", ""),
    ("", 0, "the file is empty", "services:"),
    ("# nothing but a comment\n", 0, "the file is empty", "services:"),
    ("- api\n", 1, "the file must be a mapping of keys, not a list", "keys: defaults, services"),
    (
        REGISTRY + "services:\n" + API + "build: {}\n",
        6,
        "unknown key `build`",
        "allowed keys: defaults, services",
    ),
    (REGISTRY, 1, "`services:` is missing", "name: api"),
    ("services: api\n", 1, "`services` must be a list, not a single value", ""),
    ("services: []\n", 1, "`services` lists no service", ""),
    (
        REGISTRY + "services:\n  - api\n",
        4,
        "services[0] must be a mapping of keys, not a single value",
        "keys: name",
    ),
    (
        REGISTRY + "services:\n" + API + "    build-args: x\n",
        6,
        "services[0]: unknown key `build-args`",
        "name, context",
    ),
    (REGISTRY + "services:\n  - context: services/api\n", 4, "services[0] has no `name`", "name: api"),
    (
        REGISTRY + "services:\n  - {name: Api, context: services/api}\n",
        4,
        "the name `Api` is not allowed",
        "lowercase",
    ),
    (
        REGISTRY + "services:\n  - {name: -api, context: services/api}\n",
        4,
        "the name `-api` is not allowed",
        "",
    ),
    (
        REGISTRY + "services:\n  - {name: a/b, context: services/api}\n",
        4,
        "the name `a/b` is not allowed",
        "",
    ),
    (
        REGISTRY + "services:\n  - {name: " + "a" * 101 + ", context: services/api}\n",
        4,
        "is not allowed",
        "100",
    ),
    (REGISTRY + "services:\n  - {name: '', context: services/api}\n", 4, "`name` is empty", ""),
    (REGISTRY + "services:\n" + API + API, 6, "the name `api` is taken (first at line 4)", "unique"),
    (REGISTRY + "services:\n  - name: api\n", 4, "service `api` has no `context`", "context: services/api"),
    (
        REGISTRY + "services:\n  - {name: api, context: /srv/api}\n",
        4,
        "`context` is absolute: `/srv/api`",
        "relative",
    ),
    (REGISTRY + "services:\n  - {name: api, context: 'C:/api'}\n", 4, "is absolute", ""),
    (REGISTRY + "services:\n  - {name: api, context: 'services\\api'}\n", 4, "uses `\\`", "with `/`"),
    (
        REGISTRY + "services:\n  - {name: api, context: services/../..}\n",
        4,
        "goes outside the repository (`..`)",
        "",
    ),
    (
        REGISTRY + "services:\n  - {name: api, context: services/nope}\n",
        4,
        "`context` does not exist in the repository: `services/nope`",
        "folder",
    ),
    (
        REGISTRY + "services:\n  - {name: api, context: notadir}\n",
        4,
        "`context` is not a folder in the repository",
        "folder",
    ),
    (
        REGISTRY + "services:\n  - {name: api, context: escape}\n",
        4,
        "leads outside the repository (a symbolic link)",
        "",
    ),
    (
        REGISTRY + "services:\n  - {name: api, context: [services]}\n",
        4,
        "`context` must be a single value, not a list",
        "",
    ),
    (
        REGISTRY + "services:\n  - {name: api, context: libs/common}\n",
        4,
        "there is no libs/common/Dockerfile",
        "dockerfile:",
    ),
    (
        REGISTRY + "services:\n  - {name: w, context: services/worker}\n",
        4,
        "no services/worker/Dockerfile",
        "dockerfile: services/worker/Containerfile",
    ),
    (
        REGISTRY + "services:\n" + API + "    dockerfile: services/api\n",
        6,
        "`dockerfile` is not a file in the repository",
        "file",
    ),
    (REGISTRY + "services:\n" + API + "    dockerfile: ../Dockerfile\n", 6, "`dockerfile` goes outside", ""),
    (
        "services:\n" + API,
        2,
        "has no `image` and there is no `defaults.registry`",
        "image: ghcr.io/OWNER/api",
    ),
    ("services:\n" + API + "    image: ghcr.io/acme/api:1.0\n", 4, "has a tag or digest", "repository only"),
    (
        "services:\n" + API + "    image: ghcr.io/acme/api@sha256:" + "a" * 64 + "\n",
        4,
        "has a tag or digest",
        "",
    ),
    (
        "services:\n" + API + "    image: ghcr.io/acme/-api\n",
        4,
        "is not a repository name: the path component '-api'",
        "REGISTRY/OWNER/NAME",
    ),
    (
        "defaults: {registry: 'bad host!'}\nservices:\n" + API,
        3,
        "the image `bad host!/api` is not a repository name",
        "",
    ),
    (
        REGISTRY + "services:\n" + API + "    paths: services/api/**\n",
        6,
        "`paths` must be a list of patterns, not a single value",
        "paths: [",
    ),
    (
        REGISTRY + "services:\n" + API + "    paths: []\n",
        6,
        "`paths` is empty, so nothing would ever select it",
        "<context>/**",
    ),
    (REGISTRY + "services:\n" + API + "    paths: ['']\n", 6, "paths[0] is empty", ""),
    (
        REGISTRY + "services:\n" + API + "    paths: ['a[b']\n",
        6,
        "the pattern `a[b` is not a filter pattern: the `[` at character 2 is never closed",
        "",
    ),
    (REGISTRY + "services:\n" + API + "    paths: ['/services/**']\n", 6, "do not start with `/`", ""),
    (
        REGISTRY + "services:\n" + API + "    paths: ['!docs/**']\n",
        6,
        "`paths` only excludes (`!`), so it selects nothing",
        "list what triggers",
    ),
    (
        REGISTRY + "services:\n" + API + "    paths: [{a: b}]\n",
        6,
        "paths[0] must be a single value, not a mapping",
        "",
    ),
    (
        REGISTRY + "services:\n" + API + "    gate: lint\n",
        6,
        "`gate` must be a mapping of keys, not a single value",
        "keys: tools",
    ),
    (
        REGISTRY + "services:\n" + API + "    gate: {fail-on: never}\n",
        6,
        "`gate`: unknown key `fail-on`",
        "allowed keys: " + ", ".join(GATE_KEYS),
    ),
    (
        REGISTRY + "services:\n" + API + "    gate: {tools: {a: b}}\n",
        6,
        "`gate.tools` must be a single value, not a mapping",
        "",
    ),
    (REGISTRY + "services:\n" + API + "    gate: {tools: []}\n", 6, "`gate.tools` is an empty list", ""),
    (
        REGISTRY + "services:\n" + API + "    gate: {working-directory: services/nope}\n",
        6,
        "`gate.working-directory` does not exist",
        "folder",
    ),
    (
        REGISTRY + "  gate: {working-directory: services/api}\nservices:\n" + API,
        3,
        "`working-directory` cannot be shared",
        "own `gate:`",
    ),
    (REGISTRY + "  gate: {lint: true}\nservices:\n" + API, 3, "`defaults.gate`: unknown key `lint`", "tools"),
    (
        "defaults: [ghcr.io]\nservices:\n" + API_IMAGE,
        1,
        "`defaults` must be a mapping of keys, not a list",
        "registry, gate",
    ),
    (
        "defaults: {registry: ghcr.io/acme, owner: acme}\nservices:\n" + API,
        1,
        "`defaults`: unknown key `owner`",
        "registry, gate",
    ),
    ("defaults: {registry: ''}\nservices:\n" + API_IMAGE, 1, "`defaults.registry` is empty", ""),
    (
        REGISTRY + "services:\n" + API + "    context: services/web\n",
        6,
        "`context` is given twice (first at line 5)",
        "keep one",
    ),
    (
        REGISTRY + "services:\n  - {[a]: b, name: api, context: services/api}\n",
        4,
        "a key must be a name, not a list",
        "",
    ),
]


@pytest.mark.parametrize(("text", "line", "message", "fix"), CASES, ids=[c[2][:40] for c in CASES])
def test_each_problem_names_its_line_what_is_wrong_and_the_fix(
    root: Path, text: str, line: int, message: str, fix: str
) -> None:
    problem = one_problem(root, text)
    assert problem.line == line, problem
    assert message in problem.message, problem
    assert fix in problem.fix, problem


def test_text_that_is_not_utf8_is_refused(root: Path) -> None:
    with pytest.raises(ManifestError) as raised:
        manifest.parse(b"services:\n  - name: caf\xe9\n", root, SHOWN)
    assert raised.value.problems == (Problem(0, "byte 23 is not UTF-8", "save the file as UTF-8"),)


def test_every_problem_is_reported_at_once_in_line_order(root: Path) -> None:
    text = (
        "defaults:\n"
        "  registry: ghcr.io/acme\n"
        "  gate: {nope: 1}\n"  # 3
        "services:\n"
        "  - name: Api\n"  # 5
        "    context: /abs\n"  # 6
        "  - name: web\n"
        "    context: services/web\n"
        "    image: ghcr.io/acme/web:1\n"  # 9
        "    color: blue\n"  # 10
        "extra: 1\n"  # 11
    )
    found = problems(root, text)
    assert [p.line for p in found] == [3, 5, 6, 9, 10, 11]
    with pytest.raises(ManifestError) as raised:
        parse(root, text)
    rendered = str(raised.value)
    assert rendered.startswith(f"services file {SHOWN} is not valid (6 problems):\n")
    assert f"  {SHOWN}:6: services[0]: `context` is absolute: `/abs`\n    fix: write it relative" in rendered


def test_a_huge_or_multiline_value_is_quoted_short_and_on_one_line(root: Path) -> None:
    problem = one_problem(
        root,
        REGISTRY + "services:\n  - name: |\n      A\n      " + "b" * 500 + "\n    context: services/api\n",
    )
    assert "\n" not in problem.message and len(problem.message) < 300


def test_an_alias_bomb_is_not_expanded(root: Path) -> None:
    bomb = "x: &a [1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
        f"{c}: &{c} [" + ", ".join([f"*{p}"] * 8) + "]\n" for p, c in zip("abcdefg", "bcdefgh")
    )
    found = problems(root, bomb + "services: *h\n")
    assert len(found) < 20  # unknown keys and one wrong shape, not eight million items
