"""The defaults file's fast reader (gitops_ci/plain_yaml.py) gives exactly what ruamel.yaml's safe
loader gives, or leaves the text to it: on every defaults text the tests and the suite use, and
on generated documents, valid and not."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from gitops_ci import defaults, plain_yaml

SUITE_FILE = defaults.SUITE_ROOT / defaults.FILE_NAME


def ruamel(text: str) -> object:
    return YAML(typ="safe", pure=True).load(text)


def same(a: object, b: object) -> bool:
    """Equal, and of the same types all the way down (True == 1 in Python; not here)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def agrees(text: str) -> bool:
    """The fast reader's answer equals ruamel.yaml's, or it leaves the text (True); when
    ruamel.yaml refuses the text, the fast reader must leave it too. False: it read the text."""
    try:
        fast = plain_yaml.load(text)
    except plain_yaml.NotPlain:
        return True
    try:
        slow = ruamel(text)
    except Exception as exc:  # noqa: BLE001 - any refusal: the fast reader must not have answered
        raise AssertionError(f"ruamel.yaml refuses {text!r} ({exc}), the fast reader gave {fast!r}")
    assert same(fast, slow), (text, fast, slow)
    return False


# Every defaults text the tests write (tests/unit/test_defaults.py, test_inputs.py, notify's and
# the CLI's tests), and the suite's own file: all of these the fast reader reads itself.
READ_FAST = [
    SUITE_FILE.read_text(encoding="utf-8"),
    "all:\n  registry: r.example\nnotify:\n  channel: slack\n",
    "# only a comment\n",
    "notify:\n",
    "notfy:\n  channel: slack\n",
    "build-and-push:\n  registy: r.example\n",
    "all:\n  registry: r.example\n  channel: teams\n",
    "all:\n  colour: blue\n",
    "all:\n  registry: from-all\n  image: all/image\nbuild-and-push:\n  registry: from-section\n",
    "- notify\n",
    "notify: slack\n",
    "notify:\n  webhook-url: https://hooks.example/T0/B0/xyz\n",
    "all:\n  token: ghp_notarealtoken1234\n",
    "probe: {infra-repo: a/b}",
    "probe: {infra-repo: file/infra}",
    "all: {infra-repo: all/infra}",
    "all: {infra-repo: all/infra}\nprobe: {infra-repo: own/infra}",
    "probe:\n  tags: [x, y]\n  labels: {team: pay}\n  retries: 5\n",
    "probe: {retries: 9}",
    "probe: {infra_repo: a/b}",
    "notify:\n  title: 'Deploy of {repository} {status_word}'\n",
    # The commented examples of the suite's file, uncommented.
    "build-and-push:\n  registry: ghcr.io                      # where every app's image goes\n"
    'bump-manifest:\n  infra-repo: acme/infra\n  branch-template: "deploy/{environment}/{image_name}"\n'
    '  message-template: "Deploy {image_name}:{tag}{to_environment}"\n  labels: [deploy, automated]\n'
    "  team-reviewers: [platform]\n"
    'notify:\n  channel: slack\n  title: "{repository}: {workflow} {status_word}"\n',
    "bump-manifest:\n  labels:\n  - deploy\n  - automated\n  draft: true\n  push-attempts: 3\n",
    "bump-manifest:\n  labels:\n    - deploy\n    - 'auto merge'\n  reviewers: []\nall: {}\n",
    "  all:\n    registry: localhost:5000\n",
    "notify:\n  title: 'it''s done' # a comment\n  channel: null\n  fail-on-error: False\n",
]
# Texts the tests write that are left to ruamel.yaml: its errors, JSON, and the hostile ones.
LEFT_TO_RUAMEL = [
    "all: [unclosed\n",
    "all:\n  registry: a\n registry: b\n",
    "a: b: c\n",
    "notify:\n  channel: slack\n  channel: teams\n",
    '{"all": {"registry": "x"}}',
    "? [a, b]\n: c\n",
    "all: !!python/object:os.system 'true'\n",
    "%YAML 9.9\n---\nall: {}\n",
    "\t\tall: {}\n",
    "all: *nothing\n",
    "\ufeffall: {}\n",
    "all:\n  registry: \x00\n",
    "all:\r\n  registry: r\r\n",
    "all:\n  retries: 010\n  when: 2024-01-01\n  ratio: 1.5\n",
    "all:\n  message: |\n    two\n    lines\n",
    "all:\n  message: one\n    more\n",
    "".join("  " * i + f"k{i}:\n" for i in range(600)),  # deeper than a defaults file: ruamel.yaml decides
]


@pytest.mark.parametrize("text", READ_FAST, ids=range(len(READ_FAST)))
def test_the_fast_reader_reads_these_texts_as_ruamel_does(text: str) -> None:
    assert agrees(text) is False  # read by the fast reader, and equal
    assert same(plain_yaml.load(text), ruamel(text))


@pytest.mark.parametrize("text", LEFT_TO_RUAMEL, ids=range(len(LEFT_TO_RUAMEL)))
def test_the_fast_reader_leaves_these_to_ruamel(text: str) -> None:
    with pytest.raises(plain_yaml.NotPlain):
        plain_yaml.load(text)


def test_the_suites_own_file_is_read_without_ruamel() -> None:
    data = plain_yaml.load(SUITE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and data["quality-gate"]["tool-versions"]["black"] == "26.10.1"


def test_a_defaults_file_ruamel_must_read_gives_the_same_sections(tmp_path: Path) -> None:
    known = {"all": frozenset({"registry", "retries"}), "notify": frozenset({"registry", "retries"})}
    path = tmp_path / "d.yml"
    path.write_text("all:\n  retries: 0x10\n  registry: &r r.example\nnotify: {registry: *r}\n")
    assert defaults.load(path, known) == {
        "all": {"retries": 16, "registry": "r.example"},
        "notify": {"registry": "r.example"},
    }


# -- generated documents ----------------------------------------------------------------------------

# What the fast reader reads itself, and what it must leave (or read exactly) when it meets it.
CLEAN_SCALARS = [
    "slack", "r.example", "ghcr.io", "26.10.1", "10", "0", "true", "False", "NULL", "null", "yes",
    "on", "a b", "localhost:5000", "a/b", "x-y_z", "'q'", "'it''s'", "'#'", '"d"', '"#"', "''",
    '""', "[]", "{}", "[a, b]", "[a, 'b c', \"d\"]", "{k: v}", "{k: v, l: 'w'}", "[null, true, 3]",
    "'a' # c", "[a] # c", "x ", "tRUE", "nul", "y",
]  # fmt: skip
ODD_SCALARS = [
    "1.0", "007", "-1", "+1", "1_000", "0x1F", ".inf", ".nan", "2024-01-01", "~", "a  b", "a:b",
    "a: b", "a:", "-x", "- x", "-", "@x", "=", "<<", "x#y", "x #y", "é", "{a}", "[a]", "a,b",
    '"a\\"b"', "'unclosed", '"unclosed', "*alias", "&anchor x", "!tag x", "|", ">", "%x", "`x",
    "?x", "[a,b]", "[a, [b]]", "[a, ]", "{k: v, k: w}", "{k: v, l: [x]}", "{k:v}", "{k: }",
    "{true: v}", "a\tb", "a #comment", "'a'# c", "[a]x", "'é'",
]  # fmt: skip
CLEAN_KEYS = ["all", "notify", "a", "b-c", "x.y", "k_1", "1.2.3", "on"]
ODD_KEYS = ["true", "1", "null", "a b", "'q'", "-k", "a:b"]
CLEAN_COMMENTS = ["", "  # c", " #c", "  # é"]
ODD_COMMENTS = ["#c", " # ' [", "\t# c"]


@st.composite
def documents(draw: st.DrawFn, clean: bool | None = None, depth: int = 0, indent: int = 0) -> list[str]:
    """Block mappings nested by indentation, with block sequences, comments and blank lines;
    a clean document uses only what the fast reader reads, another also the rest."""
    if clean is None:
        clean = draw(st.booleans())
    odd = [] if clean else ODD_SCALARS
    scalars = st.sampled_from(CLEAN_SCALARS + odd)
    keys = st.sampled_from(CLEAN_KEYS + ([] if clean else ODD_KEYS))
    comments = st.sampled_from(CLEAN_COMMENTS + ([] if clean else ODD_COMMENTS))
    lines: list[str] = []
    used: set[str] = set()
    kinds = ["scalar", "scalar", "empty", "map", "seq", "seq-compact"] + ([] if clean else ["noise"])
    for _ in range(draw(st.integers(1, 4))):
        key = draw(keys)
        if clean and key in used:
            continue
        used.add(key)
        kind = draw(st.sampled_from(kinds))
        comment = draw(comments)
        if kind == "scalar" or (depth >= 2 and kind in ("map", "seq", "seq-compact")):
            lines.append(" " * indent + f"{key}: {draw(scalars)}{comment}")
        elif kind == "empty":
            lines.append(" " * indent + f"{key}:{comment}")
        elif kind == "map":
            lines.append(" " * indent + f"{key}:{comment}")
            lines += draw(documents(clean, depth + 1, indent + draw(st.sampled_from([1, 2, 4]))))
        else:
            lines.append(" " * indent + f"{key}:")
            inner = indent if kind == "seq-compact" else indent + draw(st.sampled_from([1, 2]))
            for _ in range(draw(st.integers(1, 3))):
                lines.append(" " * inner + "- " + draw(scalars) + draw(comments))
        if kind == "noise":
            lines.append(draw(st.sampled_from(["", "   ", "# note", "  # note", "---", "...", " x", "\t"])))
        elif draw(st.booleans()):
            lines.append(draw(st.sampled_from(["", "   ", "# note", "    # note"])))
    return lines


def _shuffled_indents(lines: list[str], shifts: list[int]) -> str:
    return "\n".join(
        " " * s + line if s >= 0 else line[-s:] for line, s in zip(lines, shifts + [0] * len(lines))
    )


FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(lines=documents(), newline=st.booleans())
def test_a_generated_document_is_read_as_ruamel_reads_it_or_left_to_it(
    lines: list[str], newline: bool
) -> None:
    agrees("\n".join(lines) + ("\n" if newline else ""))


@FUZZ
@given(lines=documents(), shifts=st.lists(st.integers(-2, 3), max_size=12))
def test_a_misindented_document_is_read_as_ruamel_reads_it_or_left_to_it(
    lines: list[str], shifts: list[int]
) -> None:
    agrees(_shuffled_indents(lines, shifts) + "\n")


@FUZZ
@given(text=st.text(alphabet="ab1.:- #'\"[]{},\n~|>&*!%@`?\t\r", max_size=40))
def test_any_short_text_is_read_as_ruamel_reads_it_or_left_to_it(text: str) -> None:
    if text.strip():
        agrees(text)
