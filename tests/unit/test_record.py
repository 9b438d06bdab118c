"""A Record (gitops_ci/record.py) behaves as the frozen or plain dataclass it replaces: the same
constructor, defaults, factories, field order under inheritance, repr, equality, hashing,
immutability, pickling and copying; `replace` as `dataclasses.replace`, and the dataclasses
module's functions take it as they take the dataclass; it needs none of that module."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import subprocess
import sys
from typing import Any, ClassVar

import pytest

from gitops_ci.record import Record, field


@dataclasses.dataclass(frozen=True)
class DPin:
    file: str
    line: int
    kind: str = "container"
    tags: tuple[str, ...] = ()
    seen: list[str] = dataclasses.field(default_factory=list)
    LIMIT: ClassVar[int] = 3


class RPin(Record):
    file: str
    line: int
    kind: str = "container"
    tags: tuple[str, ...] = ()
    seen: list[str] = field(default_factory=list)
    LIMIT: ClassVar[int] = 3


@dataclasses.dataclass
class DResult:
    file: str = ""
    changes: list[str] = dataclasses.field(default_factory=list)
    matched: int = 0


class RResult(Record, frozen=False):
    file: str = ""
    changes: list[str] = field(default_factory=list)
    matched: int = 0


class Mixin:  # a plain base, as sites.Unowned: its annotations are no fields
    anchor: object
    workload: object = None

    @property
    def where(self) -> str:
        return f"at {self.anchor}"


@dataclasses.dataclass(frozen=True)
class DBase:
    kind: str
    line: int = 0


@dataclasses.dataclass(frozen=True)
class DChild(Mixin, DBase):
    anchor: object = None
    role: str = "ref"


class RBase(Record):
    kind: str
    line: int = 0


class RChild(Mixin, RBase):
    anchor: object = None
    role: str = "ref"


PAIRS: list[tuple[Any, Any, tuple[Any, ...], dict[str, Any]]] = [
    (DPin, RPin, ("a.yaml", 3), {}),
    (DBase, RBase, ("kind",), {}),
    (DPin, RPin, ("a.yaml", 3, "helm-values", ("1",), ["x"]), {}),
    (DPin, RPin, ("a.yaml",), {"line": 4, "tags": ("2", "3")}),
    (DResult, RResult, (), {}),
    (DResult, RResult, ("f",), {"matched": 2, "changes": ["c"]}),
    (DChild, RChild, ("marker",), {"role": "tag", "anchor": "node"}),
    (DChild, RChild, ("marker", 7, "node", "digest"), {}),
]


def fields_of(obj: Any) -> list[tuple[str, Any]]:
    if isinstance(obj, Record):
        return [(name, getattr(obj, name)) for name in obj._fields]
    return [(f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj)]


@pytest.mark.parametrize(("dc", "rec", "args", "kwargs"), PAIRS)
def test_a_record_is_built_and_shown_as_its_dataclass(dc: Any, rec: Any, args: Any, kwargs: Any) -> None:
    d, r = dc(*args, **kwargs), rec(*args, **kwargs)
    assert fields_of(r) == fields_of(d)
    assert repr(r) == repr(d).replace(dc.__qualname__, rec.__qualname__, 1)
    assert rec.__match_args__ == dc.__match_args__


@pytest.mark.parametrize(("dc", "rec", "args", "kwargs"), PAIRS)
def test_a_record_is_equal_and_hashed_as_its_dataclass(dc: Any, rec: Any, args: Any, kwargs: Any) -> None:
    d, r = dc(*args, **kwargs), rec(*args, **kwargs)
    assert r == rec(*args, **kwargs) and not r != rec(*args, **kwargs)
    assert r != d  # another class, the same fields: not equal (as two dataclasses)
    assert (r == object()) is False
    changed = rec(*args, **kwargs)
    first = dataclasses.fields(d)[0].name
    other = {**dict(fields_of(changed)), first: "other"}
    assert rec(**other) != r
    try:
        expected: int | None = hash(d)
    except TypeError:  # a mutable dataclass, or a frozen one holding a list
        expected = None
    if expected is None:
        with pytest.raises(TypeError):
            hash(r)
    else:
        assert hash(r) == hash(rec(*args, **kwargs)) == hash(tuple(v for _, v in fields_of(r))) == expected


def test_a_frozen_record_refuses_changes_as_a_frozen_dataclass() -> None:
    for obj in (DPin("a", 1), RPin("a", 1), DChild("k"), RChild("k")):
        with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'line'"):
            obj.line = 2  # type: ignore[misc]
        with pytest.raises(dataclasses.FrozenInstanceError, match="cannot delete field 'line'"):
            del obj.line  # type: ignore[misc]


def test_a_mutable_record_changes_as_a_dataclass() -> None:
    d, r = DResult(), RResult()
    for obj in (d, r):
        obj.matched += 2
        obj.changes.append("x")
    assert fields_of(r) == fields_of(d)
    del d.matched, r.matched, d.file, r.file  # the class's default shows through, as for a dataclass
    assert fields_of(r) == fields_of(d) == [("file", ""), ("changes", ["x"]), ("matched", 0)]


def test_factories_give_each_record_its_own_value() -> None:
    one, two = RPin("a", 1), RPin("a", 1)
    assert one.seen == [] and one.seen is not two.seen
    assert RResult().changes is not RResult().changes


def test_class_attributes_are_the_dataclass_ones() -> None:
    for dc, rec in ((DPin, RPin), (DResult, RResult)):
        names = [name for name in vars(dc) if not name.startswith("_")]
        for name in names:
            assert getattr(rec, name, "absent") == getattr(dc, name), name
        assert not hasattr(rec, "seen") and not hasattr(rec, "changes")  # factories: no class attribute
    assert RPin.LIMIT == 3 and "LIMIT" not in RPin._fields
    assert RChild("k").workload is None and RChild("k").where == "at None"


@pytest.mark.parametrize(("dc", "rec", "args", "kwargs"), PAIRS)
def test_a_record_survives_pickling_and_copying(dc: Any, rec: Any, args: Any, kwargs: Any) -> None:
    r = rec(*args, **kwargs)
    for again in (pickle.loads(pickle.dumps(r)), copy.copy(r), copy.deepcopy(r)):
        assert again == r and type(again) is rec


def test_replace_is_dataclasses_replace() -> None:
    d, r = DPin("a", 1, tags=("x",)), RPin("a", 1, tags=("x",))
    assert fields_of(r.replace(line=9, kind="marker")) == fields_of(
        dataclasses.replace(d, line=9, kind="marker")
    )
    assert r.replace() == r and r.replace() is not r
    with pytest.raises(TypeError):
        r.replace(colour="blue")
    assert RChild("k", 1).replace(role="tag") == RChild("k", 1, None, "tag")


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((), {}),
        (("a",), {}),
        (("a", 1, "k", (), [], "extra"), {}),
        (("a", 1), {"file": "b"}),
        (("a", 1), {"x": 1}),
    ],
)
def test_wrong_arguments_are_type_errors_as_for_a_dataclass(args: Any, kwargs: Any) -> None:
    with pytest.raises(TypeError):
        DPin(*args, **kwargs)
    with pytest.raises(TypeError):
        RPin(*args, **kwargs)


@pytest.mark.parametrize(("dc", "rec", "args", "kwargs"), PAIRS)
def test_the_dataclasses_functions_take_a_record_as_its_dataclass(
    dc: Any, rec: Any, args: Any, kwargs: Any
) -> None:
    d, r = dc(*args, **kwargs), rec(*args, **kwargs)
    assert dataclasses.is_dataclass(r) and dataclasses.is_dataclass(rec)
    specs = [(f.name, f.type, f.default, f.default_factory, f.repr) for f in dataclasses.fields(d)]
    assert [(f.name, f.type, f.default, f.default_factory, f.repr) for f in dataclasses.fields(r)] == specs
    assert dataclasses.asdict(r) == dataclasses.asdict(d)
    assert dataclasses.astuple(r) == dataclasses.astuple(d)
    first = dataclasses.fields(d)[0].name
    assert fields_of(dataclasses.replace(r, **{first: "x"})) == fields_of(
        dataclasses.replace(d, **{first: "x"})
    )
    assert type(dataclasses.replace(r)) is rec


@dataclasses.dataclass(frozen=True)
class DHidden:
    name: str
    token: str = dataclasses.field(default="", repr=False)


class RHidden(Record):
    name: str
    token: str = field(default="", repr=False)


def test_a_field_left_out_of_the_repr_is_left_out_as_by_a_dataclass() -> None:
    assert (
        repr(RHidden("a", "s3cret"))
        == "RHidden(name='a')"
        == repr(DHidden("a", "s3cret")).replace("D", "R", 1)
    )
    assert RHidden("a", "x") != RHidden("a", "y")  # still compared


def test_a_record_needs_no_dataclasses_module() -> None:
    code = (
        "import sys; from gitops_ci.record import Record, field\n"
        "class A(Record):\n    a: int\n    b: list[int] = field(default_factory=list)\n"
        "class M(Record, frozen=False):\n    n: int = 0\n"
        "x = A(1); assert x == A(1) and repr(x) == 'A(a=1, b=[])' and x.replace(a=2).a == 2\n"
        "assert hash(x.replace(b=())) == hash((1, ()))\n"
        "m = M(); m.n = 3; assert m == M(3)\n"
        "print('dataclasses' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
