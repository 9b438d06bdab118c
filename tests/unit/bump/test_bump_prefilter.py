"""The byte prefilter is boundary-aware: a repository whose name is a prefix (or suffix) of
others (`svc1` and `svc10`...`svc199`, `api` and `orders-api`) passes only the files that can
pin it, and still every file in which the engine finds one of its pins, in every pin shape."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_ci.engines.bump import core as engine
from gitops_ci.engines.bump.edit import edit_file
from gitops_ci.engines.bump.files import CHUNK, discover, prefilter, read_bytes
from gitops_ci.engines.bump.model import Scope, Target
from gitops_ci.engines.bump.reference import normalize_name
from testing.bump_cases import CASES, FIXTURES

SVC1 = Target("ghcr.io/acme/svc1", "2.0.0")
DIGEST = "sha256:" + "c" * 64

# Each file pins ghcr.io/acme/svc1 in one shape the engine knows.
PINS = {
    "workload.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n"
        "      initContainers:\n        - name: migrate\n          image: 'ghcr.io/acme/svc1:1.0.0'\n"
        "      containers:\n        - name: app\n          image: ghcr.io/acme/svc1:1.0.0 # main\n"
    ),
    "flow.yaml": "kind: Pod\nspec: {containers: [{name: a, image: ghcr.io/acme/svc1}]}\n",
    "digest.yaml": "kind: Pod\nspec:\n  containers:\n    - name: a\n"
    f'      image: "ghcr.io/acme/svc1@{DIGEST}"\n',
    "at-eof.yaml": "kind: Pod\nspec:\n  containers:\n    - name: a\n      image: ghcr.io/acme/svc1",
    "kustomize/kustomization.yaml": 'images:\n  - name: ghcr.io/acme/svc1\n    newTag: "1.0.0"\n',
    "renamed/kustomization.yaml": (
        "images:\n  - name: app\n    newName: ghcr.io/acme/svc1\n    newTag: 1.0.0\n"
    ),
    "chart/values.yaml": "image:\n  repository: ghcr.io/acme/svc1\n  tag: 1.0.0\n",
    "chart/values-split.yaml": "image:\n  registry: ghcr.io\n  repository: acme/svc1\n  tag: '1.0.0'\n",
    "chart/values-scalar.yaml": "worker:\n  image: ghcr.io/acme/svc1:1.0.0\n",
    "argocd/app.yaml": (
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nspec:\n  source:\n    kustomize:\n"
        "      images:\n        - ghcr.io/acme/svc1:1.0.0\n        - app=ghcr.io/acme/svc1:1.0.0\n"
    ),
    "marker.yaml": 'api:\n  version: "1.0.0" # {"gitops-ci": "ghcr.io/acme/svc1:tag"}\n',
}

# Names that begin or end like svc1 but are other repositories, in the same shapes.
OTHERS = ("svc10", "svc199", "svc1-worker", "svc1.v2", "svc1_x", "svc1/sub", "pre-svc1", "pre.svc1")
DISTRACTORS = {
    f"others/{i}/{shape}": text.replace("acme/svc1", f"acme/{name}")
    for i, name in enumerate(OTHERS)
    for shape, text in PINS.items()
    if shape != "marker.yaml"
}


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root.resolve()


def _passing(root: Path, targets: list[Target]) -> set[str]:
    wanted = prefilter(targets)
    return {rel for rel in discover(root, Scope()) if wanted(read_bytes(str(root / rel)))}


def test_a_prefix_sharing_name_passes_only_the_files_that_pin_it(tmp_path: Path) -> None:
    root = _tree(tmp_path, PINS | DISTRACTORS)
    assert _passing(root, [SVC1]) == set(PINS)


def test_a_prefix_sharing_name_changes_exactly_its_own_pins(tmp_path: Path) -> None:
    root = _tree(tmp_path, PINS | DISTRACTORS)
    plan = engine.plan(root, [SVC1])
    engine.apply(root, plan)
    assert set(plan.files) == set(PINS)
    assert {change.repository for change in plan.changes} == {SVC1.repository}
    assert len(plan.changes) == plan.matched == 13
    for rel, text in DISTRACTORS.items():
        assert (root / rel).read_text(encoding="utf-8") == text
    assert "ghcr.io/acme/svc1:2.0.0 # main" in (root / "workload.yaml").read_text(encoding="utf-8")


def test_each_other_name_passes_its_own_files_and_not_svc1s(tmp_path: Path) -> None:
    root = _tree(tmp_path, PINS | DISTRACTORS)
    for i, name in enumerate(OTHERS):
        mine = {rel for rel in DISTRACTORS if rel.startswith(f"others/{i}/")}
        passing = _passing(root, [Target(f"ghcr.io/acme/{name}", "2")])
        assert mine <= passing, name
        assert passing.isdisjoint(set(PINS) - {"marker.yaml"}), name


def test_a_broken_file_of_a_prefix_sharing_name_does_not_stop_the_bump(tmp_path: Path) -> None:
    """svc10's file is not valid YAML: that is no reason to refuse bumping svc1."""
    root = _tree(tmp_path, PINS | {"svc10.yaml": "image: ghcr.io/acme/svc10:1.0.0\n  broken: [\n"})
    plan = engine.plan(root, [SVC1])
    assert set(plan.files) == set(PINS)


@pytest.mark.parametrize("name", CASES)
def test_every_file_the_engine_finds_a_pin_in_passes(name: str) -> None:
    """In every fixture shape (workloads, kustomize, Argo CD, Helm maps, markers, key paths...),
    each file in which the engine, given the file, finds a pin of a target also passes."""
    case = CASES[name]
    root = (FIXTURES / case.folder / "before").resolve()
    wanted = prefilter(case.targets)
    pinned = 0
    for rel in discover(root, Scope()):
        data = read_bytes(str(root / rel))
        if edit_file(rel, data, case.targets, case.scope).matched:
            pinned += 1
            assert wanted(data), rel
    assert pinned


REGISTRIES = ("ghcr.io/acme/", "docker.io/", "docker.io/library/", "", "localhost:5000/team/")
NAMES = ("svc1", "svc10", "svc1-x", "svc1.x", "svc1_x", "x-svc1", "xsvc1", "svc1/sub")
SUFFIXES = ("", ":1.0.0", f"@{DIGEST}", f":1.0.0@{DIGEST}")
QUOTES = ("", "'", '"')
SHAPES = {
    "image": ("deploy.yaml", "spec:\n  containers:\n    - name: a\n      image: {q}{ref}{q}{end}"),
    "flow": ("deploy.yaml", "spec: {{containers: [{{name: a, image: {q}{ref}{q}}}]}}{end}"),
    "kustomize": ("kustomization.yaml", "images:\n  - name: {q}{ref}{q}{end}    newTag: '1'\n"),
    "new-name": ("kustomization.yaml", "images:\n  - name: app\n    newName: {q}{ref}{q}{end}"),
    "helm": ("values.yaml", "image:\n  repository: {q}{ref}{q}{end}  tag: '1'\n"),
    "argocd": ("app.yaml", "spec:\n  source:\n    kustomize:\n      images: [{q}app={ref}{q}]{end}"),
}


@settings(max_examples=300, deadline=None)
@given(
    registry=st.sampled_from(REGISTRIES),
    name=st.sampled_from(NAMES),
    suffix=st.sampled_from(SUFFIXES),
    quote=st.sampled_from(QUOTES),
    shape=st.sampled_from(sorted(SHAPES)),
    end=st.sampled_from(["\n", " # pinned\n", "\r\n", ""]),
)
def test_the_prefilter_never_skips_a_file_the_engine_finds_a_pin_in(
    registry: str, name: str, suffix: str, quote: str, shape: str, end: str
) -> None:
    file_name, template = SHAPES[shape]
    if shape in ("kustomize", "helm") or "/" in name:
        suffix = ""  # these hold a bare repository
    text = template.format(q=quote, ref=f"{registry}{name}{suffix}", end=end or "\n")
    data = text.encode("utf-8")
    for target_name in ("svc1", "docker.io/library/svc1", "ghcr.io/acme/svc1", "localhost:5000/team/svc1"):
        target = Target(target_name, "2.0.0")
        found = edit_file(file_name, data, [target], Scope()).matched
        assert not found or prefilter([target])(data), (target_name, text)
        if normalize_name(registry + name) == normalize_name(target_name):
            assert found, (target_name, text)  # the case is a pin indeed


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 7])
def test_read_bytes_reads_every_byte(tmp_path: Path, size: int) -> None:
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    (tmp_path / "f.yaml").write_bytes(data)
    assert read_bytes(str(tmp_path / "f.yaml")) == data


# -- many targets: one pattern for all the names, the same answer as each name alone -----------
def _bounded(name: bytes) -> re.Pattern[bytes]:
    """The boundary rule, spelled out for one name: no name byte after it, no `-` or `.` before."""
    return re.compile(rb"(?<![-.])" + re.escape(name) + rb"(?![a-z0-9._/-])")


def _alone(targets: list[Target], data: bytes) -> bool:
    """What the prefilter must answer: some target's name, bounded, or the marker."""
    names = {t.repository.rsplit("/", 1)[-1].encode() for t in targets}
    return b'"gitops-ci"' in data or any(_bounded(name).search(data) for name in names)


@settings(max_examples=400, deadline=None)
@given(
    names=st.lists(st.text(alphabet="ab1-.", min_size=1, max_size=5), min_size=1, max_size=60),
    text=st.text(alphabet="ab1-._/: \n\"'x", max_size=60),
)
def test_the_combined_pattern_answers_as_each_name_alone(names: list[str], text: str) -> None:
    """Names drawn from a few letters share starts and ends (`a`, `ab`, `a-b`, `ba`), the text
    puts them next to every boundary byte: the one pattern of all the names passes exactly the
    texts in which one of them stands bounded."""
    targets = [Target(f"ghcr.io/acme/{name}", "1") for name in names if NAME_OK.fullmatch(name)]
    if not targets:
        return
    data = text.encode("utf-8")
    assert prefilter(targets)(data) == _alone(targets, data), (names, text)


NAME_OK = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")  # a valid last path component


def test_fifty_targets_pass_the_union_of_their_files_in_one_search(tmp_path: Path) -> None:
    words = ("orders", "billing", "search", "catalog")
    names = [f"svc{i}" for i in range(25)] + [f"{words[i % 4]}-{i:03d}" for i in range(25)]
    files = {}
    for i, name in enumerate([*names, "svc100", "svc1-worker", "pre.svc2", "orders-0001"]):
        files[f"apps/{i}/deploy.yaml"] = PINS["workload.yaml"].replace("acme/svc1", f"acme/{name}")
        files[f"apps/{i}/values.yaml"] = PINS["chart/values-split.yaml"].replace("svc1", name)
    root = _tree(tmp_path, files)
    targets = [Target(f"ghcr.io/acme/{name}", "2") for name in names]

    wanted = prefilter(targets)

    assert isinstance(wanted.names, re.Pattern)  # one pattern for the fifty names
    together = _passing(root, targets)
    assert together == set().union(*(_passing(root, [t]) for t in targets))
    assert together == {rel for rel in files if int(rel.split("/")[1]) < 50}
