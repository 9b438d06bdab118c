"""Multi-document files: only the documents that mention an image are parsed, and only the
edited ones are parsed again to verify; the output stays byte-exact (LF, CRLF, BOM)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gitops_ci.engines.bump import core as engine
from gitops_ci.engines.bump.model import Target
from gitops_ci.engines.bump.splice import Expect, Splice
from gitops_ci.engines.bump.verify import VerificationError, check, edited_runs
from gitops_ci.engines.bump.yamldoc import (
    Part,
    YamlSyntaxError,
    compose,
    compose_at,
    compose_parts,
    document_runs,
)
from gitops_ci.errors import UserError

ROOT = Path(__file__).resolve().parents[3]
MANIFESTS = sorted(p for folder in ("tests/fixtures/manifests",) for p in (ROOT / folder).rglob("*.y*ml"))

DIGEST = "sha256:" + "cd" * 32
Variant = Callable[[str], str]
VARIANTS: dict[str, Variant] = {
    "lf": lambda text: text,
    "crlf": lambda text: text.replace("\n", "\r\n"),
    "bom-crlf": lambda text: "\ufeff" + text.replace("\n", "\r\n"),
}

SECOND_ONLY = (
    "# services of the shop\n"
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports: [{port: 80}]\n"
    "---\n"
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n"
    "      containers:\n        - name: api\n          image: 'ghcr.io/acme/api:1.0' # pinned\n"
    "--- # the worker\n"
    "kind: Deployment\nmetadata:\n  name: worker\nspec:\n  template:\n    spec:\n      containers:\n"
    "        - image: ghcr.io/acme/api-worker:1.0\n"
)
BLOCK_SCALAR = (
    "kind: ConfigMap\ndata:\n  notes: |\n    ---\n    image: ghcr.io/acme/api:0.1\n    ...\n"
    "---\n"
    "kind: Pod\nspec:\n  containers:\n    - image: ghcr.io/acme/api:1.0\n"
)
FLUX = (
    "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: a}\n"
    'spec:\n  images:\n    - name: ghcr.io/acme/api\n      newTag: "1.0"\n'
    "---\nkind: Namespace\nmetadata: {name: shop}\n"
    "---\nkind: Kustomization\nmetadata: {name: b}\nspec:\n  images:\n    - name: ghcr.io/acme/api\n"
    '      newTag: "1.0"\n'
)


def _bump(tmp_path: Path, text: str, target: Target) -> tuple[engine.Plan, str]:
    root = tmp_path / "infra"
    root.mkdir()
    (root / "all.yaml").write_bytes(text.encode())
    plan = engine.plan(root, [target])
    engine.apply(root, plan)
    return plan, (root / "all.yaml").read_bytes().decode()


def _tree(node: Node) -> object:
    """A node with everything the engine reads from it: tag, value, style and marks."""
    marks = (node.start_mark.index, node.start_mark.line, node.start_mark.column, node.end_mark.index)
    if isinstance(node, ScalarNode):
        return (node.tag, node.value, node.style, marks)
    if isinstance(node, MappingNode):
        return (node.tag, marks, [(_tree(k), _tree(v)) for k, v in node.value])
    assert isinstance(node, SequenceNode)
    return (node.tag, marks, [_tree(v) for v in node.value])


@pytest.mark.parametrize(
    ("text", "cuts"),
    [
        ("a: 1\n", []),
        ("a: 1\n---\nb: 2\n", [5]),
        ("---\na: 1\n--- # two\nb: 2\n...\n---\n", [9, 28]),
        ("a: 1\r\n---\r\nb: 2\r\n", [6]),
        ("a: |\n  ---\n  x\n", []),  # indented: content of the block scalar
        ("a: 1\n---b\n----\n", []),  # not a marker
        ("%YAML 1.1\n---\na: 1\n...\n%YAML 1.1\n---\nb: 2\n", []),  # directives: whole
        ("a: 1\r---\rb: 2\n---\nc: 3\n", []),  # lone CR breaks: whole
    ],
)
def test_runs_are_cut_before_each_document_marker_line(text: str, cuts: list[int]) -> None:
    bounds = [0, *cuts, len(text)]
    assert document_runs(text) == list(zip(bounds, bounds[1:]))


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize(
    "text", [SECOND_ONLY, BLOCK_SCALAR, FLUX, "--- |\nfoo\n---\nbar\n", "a: x\n...\nb: 1\n---\nc: [1, 2]\n"]
)
def test_a_run_parsed_alone_is_what_the_whole_file_says(variant: str, text: str) -> None:
    text = VARIANTS[variant](text)
    alone = [doc for start, end in document_runs(text) for doc in compose_at(text, start, end)]
    assert [_tree(doc) for doc in alone] == [_tree(doc) for doc in compose(text)]


def test_only_the_runs_that_mention_a_needle_are_parsed() -> None:
    parts = compose_parts(SECOND_ONLY, ["acme/api:"])
    assert [(p.start, p.end, len(p.docs)) for p in parts] == [(102, 280, 1)]


def test_a_syntax_error_in_a_later_run_is_reported_at_its_line_in_the_file() -> None:
    text = "a: 1\n---\nb: 2\n---\nimage: x/api:1\n  bad: [\n"
    with pytest.raises(YamlSyntaxError) as err:
        compose_parts(text, ["x/api"])
    assert err.value.line == 6


@pytest.mark.parametrize("variant", VARIANTS)
def test_only_the_second_document_mentions_the_image(tmp_path: Path, variant: str) -> None:
    text = VARIANTS[variant](SECOND_ONLY)
    plan, after = _bump(tmp_path, text, Target("ghcr.io/acme/api", "1.1"))
    assert after == text.replace("'ghcr.io/acme/api:1.0'", "'ghcr.io/acme/api:1.1'")
    assert [(c.line, c.old, c.new) for c in plan.changes] == [
        (18, "ghcr.io/acme/api:1.0", "ghcr.io/acme/api:1.1")
    ]


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_document_marker_inside_a_block_scalar_is_content(tmp_path: Path, variant: str) -> None:
    text = VARIANTS[variant](BLOCK_SCALAR)
    plan, after = _bump(tmp_path, text, Target("ghcr.io/acme/api", "2.0"))
    assert after == text.replace("api:1.0", "api:2.0")
    assert [c.line for c in plan.changes] == [11]


@pytest.mark.parametrize("variant", VARIANTS)
def test_added_lines_in_two_documents_shift_the_later_one(tmp_path: Path, variant: str) -> None:
    text = VARIANTS[variant](FLUX)
    eol = "\r\n" if "\r\n" in text else "\n"
    plan, after = _bump(tmp_path, text, Target("ghcr.io/acme/api", "2.0", DIGEST))
    new = f'newTag: "2.0"{eol}      digest: {DIGEST}{eol}'
    assert after == text.replace(f'newTag: "1.0"{eol}', new)
    assert sorted((c.line, c.new) for c in plan.changes) == [
        (7, "2.0"),
        (8, DIGEST),
        (17, "2.0"),
        (18, DIGEST),
    ]


def test_a_broken_document_that_does_not_mention_the_image_is_not_parsed(tmp_path: Path) -> None:
    """As kubectl splits a stream: the documents are independent, so a broken one elsewhere
    in the file does not stop the edit (it is not read at all)."""
    text = "kind: Pod\nspec:\n  containers:\n    - image: ghcr.io/acme/api:1.0\n---\nbroken: [\n"
    _, after = _bump(tmp_path, text, Target("ghcr.io/acme/api", "1.1"))
    assert after == text.replace("api:1.0", "api:1.1")


def test_a_broken_document_that_mentions_the_image_is_an_error_at_its_line(tmp_path: Path) -> None:
    text = "kind: Namespace\n---\nkind: Pod\nimage: ghcr.io/acme/api:1.0\n  bad: [\n"
    with pytest.raises(UserError, match="all.yaml:5: not valid YAML"):
        _bump(tmp_path, text, Target("ghcr.io/acme/api", "1.1"))


def test_edited_runs_move_by_what_earlier_splices_added() -> None:
    parts = [Part(0, 10, []), Part(20, 30, []), Part(30, 40, [])]
    splices = [Splice(2, 4, "abcd"), Splice(25, 25, "xyz"), Splice(40, 40, "!")]
    assert [(p.start, s, e) for p, s, e in edited_runs(parts, splices)] == [
        (0, 0, 12),
        (20, 22, 35),
        (30, 35, 46),
    ]


def test_verification_holds_an_edited_document_to_exactly_the_intended_change() -> None:
    text = "a: 1\n---\nimage: x/api:1\nother: 1\n"
    parts = compose_parts(text, ["x/api"])
    node = parts[0].docs[0].value[0][1]
    start = text.index("x/api:1")
    splice = Splice(start, start + 7, "x/api:2")
    good = text.replace("x/api:1", "x/api:2")
    check("all.yaml", parts, good, [splice], [Expect(node, "x/api:2")])
    with pytest.raises(VerificationError, match="other"):
        check("all.yaml", parts, good.replace("other: 1", "other: 2"), [splice], [Expect(node, "x/api:2")])


def _stock(text: str) -> list[object] | int:
    """The documents as ruamel.yaml's own loader composes them, or the line of its error."""
    try:
        return [_tree(d) for d in YAML(typ="safe", pure=True).compose_all(text) if d is not None]
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return int(mark.line) + 1 if mark else 0


def _ours(text: str) -> list[object] | int:
    try:
        return [_tree(d) for d in compose(text)]
    except YamlSyntaxError as exc:
        return exc.line


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_the_engine_loader_composes_what_ruamel_yaml_composes(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", "replace")
    assert _ours(text) == _stock(text)


@pytest.mark.parametrize("text", ["a: [\n", "a: 1\n b: 2\n", "%YAML 1.1\n---\na: yes\n", "a: &x 1\nb: *x\n"])
def test_the_engine_loader_fails_and_resolves_like_ruamel_yaml(text: str) -> None:
    assert _ours(text) == _stock(text)
