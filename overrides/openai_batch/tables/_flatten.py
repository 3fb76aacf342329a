"""A structured answer's fields as table columns, from a pydantic model or a JSON schema.

Objects are flattened into dotted names (``address.city``); a field holding one kind of
scalar (an ``anyOf`` with ``null`` counts as that kind) becomes a typed column, an array of
scalars a list column, and anything else (an array of objects, a union of kinds, an object
without declared properties) the JSON text of its value, so every answer fits one schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs
import orjson

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["FieldColumn", "flatten_schema", "schema_of"]

_SCALARS = ("string", "integer", "number", "boolean")


@attrs.frozen
class FieldColumn:
    """One column of the parsed answer: its ``name``, the ``path`` to it and its ``kind``.

    ``kind`` is a scalar (``string``, ``integer``, ``number``, ``boolean``), ``list:<scalar>``
    or ``json`` (the value's JSON text).

    Example::

        FieldColumn("address.city", ("address", "city"), "string").value({"address": {"city": "Oslo"}})
    """

    name: str
    path: tuple[str, ...]
    kind: str

    def arrow_type(self, pa: Any) -> Any:
        if self.kind.startswith("list:"):
            return pa.list_(_arrow_scalar(pa, self.kind[5:]))
        return pa.string() if self.kind == "json" else _arrow_scalar(pa, self.kind)

    def value(self, data: Any) -> Any:
        """This field's value in ``data`` (None when absent); raises ValueError when it is not of its kind."""
        for key in self.path:
            if not isinstance(data, Mapping):
                return None
            data = data.get(key)
        if data is None:
            return None
        if self.kind == "json":
            return orjson.dumps(data).decode()
        if self.kind.startswith("list:"):
            if not isinstance(data, list):
                raise ValueError(f"{self.name}: expected an array, got {_short(data)}")
            for item in data:
                if item is not None and not _fits(item, self.kind[5:]):
                    raise ValueError(f"{self.name}: expected {self.kind[5:]} items, got {_short(item)}")
            return data
        if not _fits(data, self.kind):
            raise ValueError(f"{self.name}: expected {self.kind}, got {_short(data)}")
        return float(data) if self.kind == "number" else data


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _fits(value: Any, kind: str) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, int | float) and not isinstance(value, bool)


def _arrow_scalar(pa: Any, kind: str) -> Any:
    return {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_()}[kind]


def schema_of(parse: type[BaseModel] | Mapping[str, Any]) -> dict[str, Any]:
    """The JSON schema of a pydantic model class, or the schema given (a whole response_format is unwrapped)."""
    if isinstance(parse, type):
        return parse.model_json_schema()
    schema = dict(parse)
    if schema.get("type") == "json_schema" and isinstance(schema.get("json_schema"), Mapping):
        schema = dict(schema["json_schema"].get("schema") or {})
    return schema


def _resolve(node: Any, root: Mapping[str, Any], depth: int = 0) -> Any:
    """``node`` with a local ``$ref`` followed, and a nullable ``anyOf`` reduced to its one other member."""
    while isinstance(node, Mapping) and depth < 32:
        depth += 1
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target: Any = root
            for part in ref[2:].split("/"):
                target = target.get(part) if isinstance(target, Mapping) else None
            node = {**(target or {}), **{k: v for k, v in node.items() if k != "$ref"}}
            continue
        for key in ("anyOf", "oneOf"):
            members = node.get(key)
            if isinstance(members, list):
                others = [m for m in members if not (isinstance(m, Mapping) and m.get("type") == "null")]
                if len(others) == 1:
                    node = {**{k: v for k, v in node.items() if k != key}, **others[0]}
                    break
                return {"type": "__union__"}
        else:
            return node
    return node


def _kind(node: Any, root: Mapping[str, Any]) -> str:
    """The column kind of a non-object schema node."""
    node = _resolve(node, root)
    if not isinstance(node, Mapping):
        return "json"
    kind = node.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        kind = kinds[0] if len(kinds) == 1 else None
    if kind is None and isinstance(node.get("enum"), list):
        values = [v for v in node["enum"] if v is not None]
        kind = "string" if values and all(isinstance(v, str) for v in values) else None
    if kind is None and "const" in node:
        value = node["const"]
        kind = next((k for k in ("boolean", "integer", "number", "string") if _fits(value, k)), None)
    if kind in _SCALARS:
        return str(kind)
    if kind == "array":
        item = _kind(node.get("items"), root)
        return f"list:{item}" if item in _SCALARS else "json"
    return "json"


def flatten_schema(schema: Mapping[str, Any]) -> list[FieldColumn]:
    """The columns of an answer in ``schema``: one per scalar leaf, objects flattened into dotted names.

    Example::

        flatten_schema({"type": "object", "properties": {"label": {"type": "string"},
                        "scores": {"type": "array", "items": {"type": "number"}}}})
        # [FieldColumn("label", ("label",), "string"), FieldColumn("scores", ("scores",), "list:number")]
    """
    columns: list[FieldColumn] = []

    def walk(node: Any, path: tuple[str, ...], depth: int) -> None:
        node = _resolve(node, schema)
        properties = node.get("properties") if isinstance(node, Mapping) else None
        if isinstance(properties, Mapping) and properties and depth < 8:
            for name, sub in properties.items():
                walk(sub, (*path, str(name)), depth + 1)
            return
        columns.append(FieldColumn(".".join(path) or "parsed", path, _kind(node, schema)))

    walk(schema, (), 0)
    return columns
