"""JSON schemas for Structured Outputs: a pydantic model's schema made strict-compatible.

`strict: true` accepts a subset of JSON Schema: every object lists all its properties as
required and forbids others. `strict_json_schema` rewrites a schema that way, as the
official SDK's `to_strict_json_schema` does: recursively through `$defs`, properties,
array items, `anyOf` and `allOf` (a lone `allOf` member is merged into its parent), and a
`default: null` is dropped (an optional field stays expressible as `anyOf [T, null]`). A
`$ref` with sibling keywords is inlined, since strict mode rejects the combination.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["chat_response_format", "strict_json_schema", "text_format"]


def _resolve(root: dict[str, Any], ref: str) -> dict[str, Any]:
    if not ref.startswith("#/"):
        raise ValueError(f"strict_json_schema: only local $refs are supported, got {ref!r}")
    node: Any = root
    for part in ref[2:].split("/"):
        node = node[part]
    if not isinstance(node, dict):
        raise ValueError(f"strict_json_schema: {ref!r} does not point at a schema")
    return node


def _strict(node: Any, root: dict[str, Any]) -> Any:
    if not isinstance(node, dict):
        return node
    for key in ("$defs", "definitions"):
        if isinstance(node.get(key), dict):
            node[key] = {name: _strict(schema, root) for name, schema in node[key].items()}
    if node.get("type") == "object" or isinstance(node.get("properties"), dict):
        properties = node.get("properties") or {}
        node["additionalProperties"] = False
        node["properties"] = {name: _strict(schema, root) for name, schema in properties.items()}
        node["required"] = list(properties)
    if isinstance(node.get("items"), dict):
        node["items"] = _strict(node["items"], root)
    if isinstance(node.get("anyOf"), list):
        node["anyOf"] = [_strict(member, root) for member in node["anyOf"]]
    if isinstance(node.get("allOf"), list):
        if len(node["allOf"]) == 1:
            node.update(_strict(node.pop("allOf")[0], root))
        else:
            node["allOf"] = [_strict(member, root) for member in node["allOf"]]
    if "default" in node and node["default"] is None:
        del node["default"]
    ref = node.get("$ref")
    if isinstance(ref, str) and len(node) > 1:
        resolved = copy.deepcopy(_resolve(root, ref))
        del node["$ref"]
        return _strict({**resolved, **node}, root)
    return node


def strict_json_schema(model_or_schema: type[BaseModel] | dict[str, Any]) -> dict[str, Any]:
    """A pydantic model's JSON schema (or a given schema, copied) rewritten for ``strict: true``.

    Example::

        class Answer(BaseModel):
            city: str
            population: int | None = None

        schema = strict_json_schema(Answer)
        assert schema["required"] == ["city", "population"]
        assert schema["additionalProperties"] is False
    """
    schema = (
        copy.deepcopy(model_or_schema) if isinstance(model_or_schema, dict) else model_or_schema.model_json_schema()
    )
    result = _strict(schema, schema)
    assert isinstance(result, dict)
    return result


def _name(model: type[BaseModel]) -> str:
    # The API accepts letters, digits, underscores and dashes, up to 64 characters.
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in model.__name__)[:64]


def chat_response_format(model: type[BaseModel]) -> dict[str, Any]:
    """The chat completions ``response_format`` asking for ``model``'s JSON, strictly."""
    return {
        "type": "json_schema",
        "json_schema": {"name": _name(model), "schema": strict_json_schema(model), "strict": True},
    }


def text_format(model: type[BaseModel]) -> dict[str, Any]:
    """The responses ``text.format`` asking for ``model``'s JSON, strictly."""
    return {"type": "json_schema", "name": _name(model), "schema": strict_json_schema(model), "strict": True}
