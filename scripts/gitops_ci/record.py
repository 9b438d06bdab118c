"""Value classes declared like dataclasses, without their price at import.

`@dataclass` writes each class's `__init__`, `__repr__`, `__eq__`, `__hash__`, `__setattr__` and
`__delattr__` as source text and compiles it when the module is imported: about 0.5 ms a class
on the project's machine, 25 ms of every bump for the fifty classes its modules define (and
the dataclasses module itself, with inspect and ast, 6 ms more). A `Record` subclass is declared
the same way (annotated fields, defaults, `field(default_factory=..., repr=False)`); its
methods are written once, here, and a class costs only its `__init_subclass__`:

- `__init__(field, ...)`: positional or keyword, in declaration order (a base record's fields
  first), defaults and factories as given;
- equal when of the same class with equal fields (in order), shown as `Name(field=value, ...)`;
- frozen (the default): no field can be set or deleted after `__init__` (`FrozenInstanceError`,
  as from a frozen dataclass), hashable by its fields; `frozen=False` in the class statement: a
  mutable record, unhashable, as a plain `@dataclass`;
- `replace(**changes)`: a copy with some fields changed;
- the dataclasses module's functions (`replace`, `fields`, `asdict`, `astuple`, `is_dataclass`)
  take records as they take dataclasses: the fields they read are made, with that module, the
  first time one of them asks.

Type checkers read the declarations as dataclasses' (`dataclass_transform`), so calls to
`__init__` and assignments to a frozen record's fields are checked as they were.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, ClassVar

if TYPE_CHECKING:  # Python 3.11's typing has both; only the type checker needs them
    from typing_extensions import Self, dataclass_transform
else:

    def dataclass_transform(**_: Any) -> Callable[[type], type]:
        return lambda cls: cls


_MISSING: Any = object()
_set = object.__setattr__


class _Field:
    """What `field()` declares: a default, or a factory called for each new record; shown or not."""

    __slots__ = ("default", "default_factory", "repr", "type")

    def __init__(self, default: Any, default_factory: Any, repr: bool, type: Any = None) -> None:
        self.default, self.default_factory, self.repr, self.type = default, default_factory, repr, type


def field(
    *, default: Any = _MISSING, default_factory: Callable[[], Any] = _MISSING, repr: bool = True
) -> Any:
    return _Field(default, default_factory, repr)


def _frozen_error(message: str) -> Exception:
    from dataclasses import FrozenInstanceError  # the error a frozen dataclass raises; only when raised

    return FrozenInstanceError(message)


class _DataclassFields:
    """`__dataclass_fields__` as the dataclasses module reads it, made the first time it is read
    (for its functions: a record does not need it)."""

    def __get__(self, obj: object, cls: type[Record]) -> dict[str, Any]:
        made: dict[str, Any] | None = cls.__dict__.get("_dataclass_fields")  # this class's own
        if made is not None:
            return made
        import dataclasses

        made = {}
        for name in cls._fields:
            spec = cls._specs[name]
            one: Any = dataclasses.field(
                default=dataclasses.MISSING if spec.default is _MISSING else spec.default,
                default_factory=(
                    dataclasses.MISSING if spec.default_factory is _MISSING else spec.default_factory
                ),
                repr=spec.repr,
            )
            one.name, one.type = name, spec.type
            one._field_type = getattr(dataclasses, "_FIELD")  # a field (neither a ClassVar nor an InitVar)
            made[name] = one
        setattr(cls, "_dataclass_fields", made)
        return made


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
class Record:
    """The base of a record class (see the module's docstring)."""

    __slots__ = ()
    __dataclass_fields__: ClassVar[Any] = _DataclassFields()
    _fields: ClassVar[tuple[str, ...]] = ()
    _shown: ClassVar[tuple[str, ...]] = ()
    _specs: ClassVar[dict[str, _Field]] = {}
    _defaults: ClassVar[dict[str, Any]] = {}
    _factories: ClassVar[dict[str, Callable[[], Any]]] = {}
    _frozen: ClassVar[bool] = True

    def __init_subclass__(cls, *, frozen: bool = True, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        specs: dict[str, _Field] = {}
        for base in reversed(cls.__mro__[1:]):  # the fields of the record bases come first
            if issubclass(base, Record):
                specs.update(base._specs)
        for name, annotation in cls.__dict__.get("__annotations__", {}).items():
            if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
                continue
            value = cls.__dict__.get(name, _MISSING)
            if isinstance(value, _Field):
                spec = _Field(value.default, value.default_factory, value.repr, annotation)
                if value.default is _MISSING:
                    delattr(cls, name)  # as dataclasses do: no class attribute without a default
                else:
                    setattr(cls, name, value.default)
            else:
                spec = _Field(value, _MISSING, True, annotation)
            specs[name] = spec  # a field a base declares keeps its place, as in a dataclass
        cls._specs = specs
        cls._fields = tuple(specs)
        cls._shown = tuple(name for name, spec in specs.items() if spec.repr)
        cls._defaults = {n: s.default for n, s in specs.items() if s.default is not _MISSING}
        cls._factories = {n: s.default_factory for n, s in specs.items() if s.default_factory is not _MISSING}
        cls._frozen = frozen
        setattr(cls, "__match_args__", cls._fields)
        if not frozen and "__hash__" not in cls.__dict__:
            cls.__hash__ = None  # type: ignore[assignment]  # mutable: unhashable, as a dataclass

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        names = self._fields
        if len(args) > len(names):
            raise TypeError(f"{type(self).__qualname__}() takes {len(names)} arguments, {len(args)} given")
        for name, value in zip(names, args):
            _set(self, name, value)
        if len(args) == len(names) and not kwargs:
            return
        defaults, factories = self._defaults, self._factories
        for name in names[len(args) :]:
            if name in kwargs:
                value = kwargs.pop(name)
            elif name in defaults:
                value = defaults[name]
            elif name in factories:
                value = factories[name]()
            else:
                raise TypeError(f"{type(self).__qualname__}() is missing the argument {name!r}")
            _set(self, name, value)
        if kwargs:
            raise TypeError(
                f"{type(self).__qualname__}() got unexpected or repeated arguments {sorted(kwargs)}"
            )

    def _values(self) -> tuple[Any, ...]:
        return tuple([getattr(self, name) for name in self._fields])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            assert isinstance(other, Record)
            return self._values() == other._values()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._shown)
        return f"{type(self).__qualname__}({shown})"

    def __setattr__(self, name: str, value: Any) -> None:
        if self._frozen:
            raise _frozen_error(f"cannot assign to field {name!r}")
        _set(self, name, value)

    def __delattr__(self, name: str) -> None:
        if self._frozen:
            raise _frozen_error(f"cannot delete field {name!r}")
        object.__delattr__(self, name)

    def replace(self, **changes: Any) -> Self:
        """A copy with ``changes`` (field names to new values), as `dataclasses.replace`."""
        unknown = set(changes) - set(self._fields)
        if unknown:
            raise TypeError(f"{type(self).__qualname__} has no fields {sorted(unknown)}")
        return type(self)(**{**dict(zip(self._fields, self._values())), **changes})
