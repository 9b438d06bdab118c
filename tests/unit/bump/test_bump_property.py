"""Property: for generated manifests, the output differs from the input only inside the
target values' spans (each becomes the new reference, quote style kept), and a second run
changes nothing."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_ci.engines.bump import core as engine
from gitops_ci.engines.bump.model import Target

TARGET = Target("ghcr.io/acme/api", "v9.9.9")
MATCHING = ("ghcr.io/acme/api",)
OTHERS = ("ghcr.io/acme/api-worker", "ghcr.io/acme2/api", "ghcr.io/acme/ap", "nginx", "docker.io/library/api")
TAGS = st.from_regex(r"[a-z0-9][a-z0-9.-]{0,8}", fullmatch=True)


@dataclass(frozen=True)
class Value:
    repo: str
    tag: str
    quote: str
    comment: str

    def render(self, tag: str) -> str:
        return f"{self.quote}{self.repo}:{tag}{self.quote}{self.comment}"


VALUES = st.builds(
    Value,
    repo=st.sampled_from(MATCHING + OTHERS),
    tag=TAGS,
    quote=st.sampled_from(["", "'", '"']),
    comment=st.sampled_from(["", " # pinned", '   # {"note": 1}']),
)


def _pieces(kind: str, values: list[Value], blank: bool) -> list[tuple[str, Value | None]]:
    gap = "\n" if blank else ""
    if kind == "helm":
        head: list[tuple[str, Value | None]] = [(f"# values\n{gap}jobs:\n", None)]
        return head + [p for v in values for p in (("  - name: j\n    image: ", None), ("", v), ("\n", None))]
    head = [(f"apiVersion: apps/v1\nkind: {kind}\nmetadata:\n  name: x\n{gap}spec:\n  template:\n", None)]
    head.append(("    spec:\n      initContainers: []\n      containers:\n", None))
    return head + [
        p for v in values for p in (("        - name: c\n          image: ", None), ("", v), ("\n", None))
    ]


def _new_tag(value: Value) -> str:
    return str(TARGET.tag) if value.repo in MATCHING else value.tag


DOCS = st.tuples(
    st.sampled_from(["Deployment", "StatefulSet", "helm"]),
    st.lists(VALUES, min_size=1, max_size=4),
    st.booleans(),
)


@settings(max_examples=60, deadline=None)
@given(docs=st.lists(DOCS, min_size=1, max_size=3), crlf=st.booleans(), bom=st.booleans())
def test_only_target_spans_change_and_a_second_run_is_a_no_op(
    docs: list[tuple[str, list[Value], bool]], crlf: bool, bom: bool
) -> None:
    pieces = [
        p
        for i, (kind, values, blank) in enumerate(docs)
        for p in ([("---\n", None)] if i else []) + _pieces(kind, values, blank)
    ]
    eol = "\r\n" if crlf else "\n"
    before = ("\ufeff" if bom else "") + "".join(
        text.replace("\n", eol) if v is None else v.render(v.tag) for text, v in pieces
    )
    expected = ("\ufeff" if bom else "") + "".join(
        text.replace("\n", eol) if v is None else v.render(_new_tag(v)) for text, v in pieces
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "m.yaml").write_bytes(before.encode("utf-8"))
        plan = engine.plan(root, [TARGET])
        engine.apply(root, plan)
        assert (root / "m.yaml").read_bytes() == expected.encode("utf-8")
        assert plan.changed == (before != expected)
        again = engine.plan(root, [TARGET])
        assert not again.changed and again.matched == plan.matched
