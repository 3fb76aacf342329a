"""Add the response bodies of the batch endpoints to the slice, cut to a size worth generating.

A result line's `response.body` is the endpoint's own response (a chat completion, a
Response, ...). build_spec.py keeps these schemas so that the generated package has one
model per endpoint (openai_batch.workflow reads result lines into them), following the spec
on every regeneration.

The reference graph behind some of them is large: `Response` reaches about 240 schemas
(every tool, input item and output item type), which the generator cannot even model
(duplicate titles, unions of unions) and which would add ~450 files. So the walk is cut by
two declarative rules, and each schema it cuts is kept under its own name as a free-form
value (no type: any JSON value, read as the service sent it) marked `x-openai-batch-cut`
with the reason:

- a *wide union*: a schema that is a `oneOf`/`anyOf` of more than `union_width` alternatives
  (not counting null), such as `OutputItem` (28 item types) or `Tool`; its value reads as
  plain JSON (dicts and lists), the way the service sent it;
- *depth*: a schema more than `depth` `$ref` hops from its root (the walk is breadth
  first, so a schema reachable by a short path is kept whole). `allOf` members are part of
  the schema that lists them and cost no hop.

Two rewrites keep the generated models true to the spec: titles are dropped (the generator
names classes by title, and titles repeat across this graph: "JSON schema" names two
formats), and so is the `default` of a required property (the generator would make the
property optional); an OpenAPI 3.0 enum marked `nullable` (the 2024 spec) lists null among
its values, the only form in which the generator lets it hold None.

Schemas the batch operations themselves reference are never cut (build_spec.py slices
those first). A root absent upstream (the 2024 spec has no `Response`) is reported back,
so the build can fail or skip it.
"""

from __future__ import annotations

import copy
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

PREFIX = "#/components/schemas/"
CUT_MARK = "x-openai-batch-cut"


@dataclass(frozen=True)
class CutRules:
    """Where a result schema's graph is cut to untyped JSON: past ``depth`` reference hops, or at a
    union of more than ``union_width`` alternatives.

    Example::

        missing = add_result_schemas(schemas, upstream, ("Response",), CutRules(depth=2, union_width=4), strip)
    """

    depth: int
    union_width: int


def _refs(node: Any, *, in_all_of: bool = False) -> Iterator[tuple[str, bool]]:
    """(ref, costs_a_hop) for each $ref in a schema; allOf members cost no hop."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value, not in_all_of
            elif key == "allOf" and isinstance(value, list):
                for member in value:
                    if isinstance(member, dict) and "$ref" in member:
                        yield member["$ref"], False
                    else:
                        yield from _refs(member)
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _union_width(schema: dict[str, Any]) -> int:
    width = 0
    for key in ("oneOf", "anyOf"):
        members = schema.get(key)
        if isinstance(members, list):
            width = max(width, sum(1 for m in members if m != {"type": "null"}))
    return width


def _drop_required_defaults(node: Any) -> None:
    """A required property's `default` is documentation only; the generator would make it optional."""
    if isinstance(node, dict):
        properties, required = node.get("properties"), node.get("required")
        if isinstance(properties, dict) and isinstance(required, list):
            for name in required:
                if isinstance(properties.get(name), dict):
                    properties[name].pop("default", None)
        for value in node.values():
            _drop_required_defaults(value)
    elif isinstance(node, list):
        for value in node:
            _drop_required_defaults(value)


def _null_in_nullable_enums(node: Any) -> None:
    """OpenAPI 3.0 `nullable: true` on an enum: the generator reads it only as a listed null value."""
    if isinstance(node, dict):
        values = node.get("enum")
        if node.get("nullable") is True and isinstance(values, list) and None not in values:
            values.append(None)
        for value in node.values():
            _null_in_nullable_enums(value)
    elif isinstance(node, list):
        for value in node:
            _null_in_nullable_enums(value)


def free_form(schema: dict[str, Any], reason: str) -> dict[str, Any]:
    # No `type`: a cut union may hold strings as well as objects (ToolChoiceParam does), so
    # the value is any JSON value, which the generator passes through untouched.
    cut: dict[str, Any] = {}
    if "description" in schema:
        cut["description"] = schema["description"]
    cut[CUT_MARK] = reason
    return cut


def add_result_schemas(
    schemas: dict[str, Any], upstream: dict[str, Any], roots: tuple[str, ...], rules: CutRules, strip: Any
) -> list[str]:
    """Add each root and its cut closure to `schemas` (in place); return the roots upstream lacks.

    `strip` removes documentation keys (build_spec's x-oaiMeta stripper) from a copied schema.
    """
    available = upstream.get("components", {}).get("schemas", {})
    missing = [root for root in roots if root not in available]
    kept_before = set(schemas)
    depth_of: dict[str, int] = {}
    queue: deque[tuple[str, int]] = deque((root, 0) for root in roots if root in available)
    while queue:
        name, depth = queue.popleft()
        if name in depth_of or name in kept_before:
            continue
        depth_of[name] = depth
        original = strip(copy.deepcopy(available[name]))
        original.pop("title", None)  # schema keys are unique, titles are not
        width = _union_width(original)
        if depth > 0 and width > rules.union_width:
            schemas[name] = free_form(original, f"a union of {width} schemas (more than {rules.union_width})")
            continue
        if depth > rules.depth and any(True for _ in _refs(original)):
            # A leaf (an enum, a string) costs one small model at most: cutting it saves nothing.
            schemas[name] = free_form(original, f"{depth} references from a result schema (more than {rules.depth})")
            continue
        _drop_required_defaults(original)
        _null_in_nullable_enums(original)
        schemas[name] = original
        for ref, hop in _refs(original):
            if not ref.startswith(PREFIX):
                raise SystemExit(f"build_spec: unsupported $ref {ref!r} in schema {name}")
            # 0-1 breadth first: a hop-free allOf member goes to the front, at its parent's depth.
            if hop:
                queue.append((ref.removeprefix(PREFIX), depth + 1))
            else:
                queue.appendleft((ref.removeprefix(PREFIX), depth))
    return missing
