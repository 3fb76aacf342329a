"""Build the generated response models from decoded JSON, faster than their `from_dict`.

Why: the generated ``Batch.from_dict`` re-imports four modules, re-creates a dozen local
parse functions and copies the dict on every call, then does the same again for each
nested model. Walking 10,000 batches spent most of its CPU there. `build` gives the very
same objects (the generated attrs classes, equal field for field, unknown keys in
``additional_properties``) for a fraction of the cost.

How: for each model class a *plan* is derived once, from the class itself:

- the fields and which are required, from ``attrs.fields`` and the type hints;
- the JSON key of each field (``object`` for ``object_``...), by serialising an instance
  whose fields hold marker objects with the generated ``to_dict`` and seeing where each
  marker lands, so the key mapping is the generator's own.

Each field's type says what the generated ``from_dict`` does with its value; only the
patterns of openapi-python-client's output listed as field kinds below are planned. A model with any
other field type (a new kind of field after a regeneration) gets no plan and always goes
through ``from_dict``, and so does any body the plan does not cover (a missing required key,
an unexpected ``object`` value, a nested object that is not a JSON object...). The fast path
therefore never drops or reinterprets data: at worst it is not taken.

Nothing from the generated package is imported here: names that exist only in newer specs
(``BatchUsage``, ``Metadata``...) are reached through the type hints of the class being planned.
"""

from __future__ import annotations

import importlib
import keyword
import re
import sys
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, cast, get_args, get_origin

import attrs
from openai_batch_api.types import UNSET, Unset

__all__ = ["build", "builder"]

M = TypeVar("M")

# What the generated `from_dict` raises on a value that does not match; the generated code
# itself catches exactly these when a nullable nested model does not parse.
_NESTED_ERRORS = (TypeError, ValueError, AttributeError, KeyError)
_SCALARS = frozenset({str, int, float, bool, type(None)})


# Field kinds (plain ints: compared on every field of every item).
_PLAIN = 0  # str/int/float/bool/None and unions of them: passed through unchanged
_LITERAL = 1  # a Literal: the generated check_* rejects any other value
_MODEL = 2  # a nested model (not nullable): from_dict errors propagate
_MODEL_OR_RAW = 3  # a nullable nested model: a value that does not parse is kept as is
_MODEL_LIST = 4  # a required list of nested models


@dataclass(frozen=True, slots=True)
class _Field:
    name: str  # the attrs attribute
    key: str  # the JSON key
    required: bool
    kind: int
    arg: Any = None  # the Literal's values, or the nested model class


class _Slow(Exception):
    """Internal: this body is not covered by the plan; use the generated `from_dict`."""


_MISSING = object()  # a required key that is absent
Runner = Callable[[Any], Any]
_runners: dict[type[Any], Runner] = {}


def build(cls: type[M], data: Any) -> M:
    """``cls.from_dict(data)``: the same result (or the same exception), faster for plannable models."""
    result: M = _runner(cls)(data)
    return result


def builder(cls: type[M]) -> Callable[[Any], M]:
    """`build` bound to one class: ``builder(Batch)(json)``.

    The plan is made on the first call, not here: resource modules call this at import
    time, and planning imports and inspects the generated models.
    """
    run: Runner | None = None

    def build_cls(data: Any) -> M:
        nonlocal run
        if run is None:
            run = _runner(cls)
        result: M = run(data)
        return result

    return build_cls


def _runner(cls: type[Any]) -> Runner:
    """The function giving ``cls.from_dict(data)`` for `cls`: its fast builder with the fallback."""
    try:
        return _runners[cls]
    except KeyError:
        pass
    # Until the plan below is made, a model nesting itself reaches it through this table.
    _runners[cls] = lambda data: _runners[cls](data)
    from_dict: Runner = cast(Any, cls).from_dict
    try:
        fast = _compile(cls)
    except BaseException:
        del _runners[cls]
        raise
    if fast is None:
        run = from_dict
    else:

        def run(data: Any) -> Any:
            if type(data) is dict:
                try:
                    return fast(data)
                except _Slow:
                    pass
            return from_dict(data)

    _runners[cls] = run
    return run


# --- compiling a plan -------------------------------------------------------------------------


def _compile(cls: type[Any]) -> Callable[[dict[str, Any]], Any] | None:
    """A function building `cls` from a dict, raising `_Slow` on anything its plan does not cover.

    Written as source and compiled once, as attrs and dataclasses do for ``__init__``: one
    straight-line function per model costs a fraction of a loop over field descriptions.
    Only attribute names (checked identifiers) become code; JSON keys are repr() literals.
    """
    fields = _derive(cls)
    if fields is None:
        return None
    namespace: dict[str, Any] = {
        "cls": cls,
        "UNSET": UNSET,
        "MISSING": _MISSING,
        "Slow": _Slow,
        "NESTED_ERRORS": _NESTED_ERRORS,
        "KEYS": frozenset(f.key for f in fields),
    }
    lines = ["def fast(d):"]
    arguments = []
    for i, f in enumerate(fields):
        key, var, arg = repr(f.key), f"v{i}", f"a{i}"
        # A nested model's argument is its runner, called directly (no lookup per value).
        namespace[arg] = _runner(f.arg) if f.kind in (_MODEL, _MODEL_OR_RAW, _MODEL_LIST) else f.arg
        absent = "MISSING" if f.required else "UNSET"
        if f.kind == _PLAIN:
            arguments.append(f"{f.name}=d[{key}]" if f.required else f"{f.name}=d.get({key}, UNSET)")
            continue
        arguments.append(f"{f.name}={var}")
        lines.append(f"    {var} = d.get({key}, {absent})")
        if f.required:
            lines.append(f"    if {var} is MISSING: raise Slow")
        guard = "" if f.required else f"{var} is not UNSET and "
        if f.kind == _LITERAL:
            lines.append(f"    if {guard}(type({var}) is not str or {var} not in {arg}): raise Slow")
        elif f.kind == _MODEL:
            # A nested failure that from_dict would raise: the parent's from_dict raises it,
            # so the error is the one the generated code gives for the whole body.
            lines.append(f"    if {guard}type({var}) is not dict: raise Slow")
            lines.append(f"    if {var} is not UNSET:")
            lines.append("        try:")
            lines.append(f"            {var} = {arg}({var})")
            lines.append("        except Exception:")
            lines.append("            raise Slow from None")
        elif f.kind == _MODEL_LIST:
            lines.append(f"    if type({var}) is not list: raise Slow")
            lines.append("    try:")
            lines.append(f"        {var} = [{arg}(item) for item in {var}]")
            lines.append("    except Exception:")
            lines.append("        raise Slow from None")
        else:  # _MODEL_OR_RAW: as the generated code, keep a value that does not parse
            lines.append(f"    if isinstance({var}, dict):")
            lines.append("        try:")
            lines.append(f"            {var} = {arg}({var})")
            lines.append("        except NESTED_ERRORS:")
            lines.append("            pass")
    lines += [
        "    try:",
        f"        instance = cls({', '.join(arguments)})",
        "    except KeyError:",  # a required plain key is absent
        "        raise Slow from None",
        "    instance.additional_properties = "
        + ("{} if KEYS.issuperset(d) else {k: v for k, v in d.items() if k not in KEYS}" if fields else "dict(d)"),
        "    return instance",
    ]
    exec(compile("\n".join(lines), f"<fast builder of {cls.__qualname__}>", "exec"), namespace)
    return cast(Callable[[dict[str, Any]], Any], namespace["fast"])


# --- deriving a plan --------------------------------------------------------------------------


def _derive(cls: type[Any]) -> list[_Field] | None:
    """The fields of `cls` with their JSON keys and kinds, or None when any is of a kind not covered."""
    if not (attrs.has(cls) and callable(getattr(cls, "from_dict", None))):
        return None
    try:
        hints = typing.get_type_hints(cls, globalns=_namespace(cls))
    except Exception:
        return None
    everything = attrs.fields(cls)
    if [a.name for a in everything if not a.init] != ["additional_properties"]:
        return None
    attributes = [a for a in everything if a.init]
    if not all(a.name.isidentifier() and not keyword.iskeyword(a.name) for a in attributes):
        return None
    if any(a.validator is not None or a.converter is not None for a in attributes):
        return None
    keys = _json_keys(cls, [a.name for a in attributes])
    if keys is None:
        return None
    fields = []
    for a in attributes:
        planned = _classify(hints.get(a.name))
        if planned is None:
            return None
        kind, arg, optional = planned
        required = a.default is attrs.NOTHING
        if required == optional or (kind == _MODEL_LIST and optional):
            return None
        fields.append(_Field(a.name, keys[a.name], required, kind, arg))
    return fields


def _namespace(cls: type[Any]) -> dict[str, Any]:
    # The generated modules import nested models only under TYPE_CHECKING, and the models
    # package imports each model's module on first use of its name (PEP 562), so its
    # ``vars`` lack the models not used yet: the names the class's annotations mention are
    # looked up on the package, which imports them.
    module = sys.modules[cls.__module__]
    package = importlib.import_module(cls.__module__.rpartition(".")[0])
    namespace = {**vars(package), **vars(module)}
    for annotation in getattr(cls, "__annotations__", {}).values():
        for name in _IDENTIFIER.findall(annotation if isinstance(annotation, str) else ""):
            if name not in namespace and hasattr(package, name):
                namespace[name] = getattr(package, name)
    return namespace


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _classify(hint: Any) -> tuple[int, Any, bool] | None:
    """(kind, argument, optional) for a field's type hint, or None when not covered."""
    if hint is None:
        return None
    members = get_args(hint) if get_origin(hint) in (typing.Union, types.UnionType) else (hint,)
    optional = Unset in members
    rest = [m for m in members if m is not Unset]
    if str in rest:
        # An open enum (`KnownBatchStatus | str`): from_dict keeps any value as it is, so the
        # Literal of known values changes nothing at run time.
        rest = [m for m in rest if not (get_origin(m) is Literal and all(type(v) is str for v in get_args(m)))]
    if all(m in _SCALARS for m in rest):
        return _PLAIN, None, optional
    models = [m for m in rest if _is_model(m)]
    if len(rest) == 1 and get_origin(rest[0]) is Literal:
        return _LITERAL, frozenset(get_args(rest[0])), optional
    if len(rest) == 1 and models:
        return _MODEL, models[0], optional
    if len(rest) == 2 and len(models) == 1 and type(None) in rest:
        return _MODEL_OR_RAW, models[0], optional
    if len(rest) == 1 and get_origin(rest[0]) is list:
        (item,) = get_args(rest[0]) or (None,)
        if _is_model(item):
            return _MODEL_LIST, item, optional
    return None


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and attrs.has(tp) and callable(getattr(tp, "from_dict", None))


class _Marker:
    """Stands in for every field value while finding the JSON keys through `to_dict`."""

    def to_dict(self) -> _Marker:
        return self

    def __iter__(self) -> typing.Iterator[_Marker]:
        yield self  # a list field serialises as [marker]


def _json_keys(cls: type[Any], names: list[str]) -> dict[str, str] | None:
    """attribute name -> JSON key, as the generated `to_dict` writes them."""
    markers = {name: _Marker() for name in names}
    try:
        serialised: Mapping[str, Any] = cls(**markers).to_dict()
    except Exception:
        return None
    owner = {id(marker): name for name, marker in markers.items()}
    keys: dict[str, str] = {}
    for key, value in serialised.items():
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        name = owner.get(id(value))
        if name is None or name in keys:
            return None
        keys[name] = key
    return keys if len(keys) == len(names) else None
