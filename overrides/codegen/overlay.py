"""Apply an OpenAPI Overlay 1.0 document (https://spec.openapis.org/overlay/v1.0.0).

Targets are RFC 9535 JSONPath queries, evaluated by the jsonpath-rfc9535 library.
Supported actions are the standard `update` (deep merge into each target) and
`remove: true` (delete each target from its parent), plus two project extensions for
patches a plain merge cannot express in every form upstream writes a field in:

- `x-accept-null: true` makes each target schema accept null: `type: T` becomes
  `type: [T, "null"]` (an enum gains `null`), a `$ref` or an untyped schema becomes
  `anyOf: [<it>, {type: "null"}]`, an `anyOf`/`oneOf` gains a `{type: "null"}` member;
- `x-open-enum: true` makes each target string enum accept any string while still
  listing its known values: `{type: string, enum: [...]}` (or a `$ref` to one) becomes
  `anyOf: [<the enum>, {type: string}]`, the form mock servers and SDK generators read.

Both are idempotent: applied to their own output they change nothing.

Every action carries `x-name` (used in messages) and `x-kind`:

- `cosmetic`: a change for the generator or the reader. An action whose target matches
  nothing fails the build naming itself, unless allow_missing is given (regenerating
  against an older upstream), in which case it is listed as skipped.
- `safety`: a patch that keeps the client from crashing on what the service sends.
  `x-field` (default: the target) is the JSONPath of what it protects. If that field is
  absent from this upstream the action does not apply (listed as skipped under
  allow_missing, a failure otherwise); if the field exists but the patch cannot apply to
  it, the build fails naming the field, allow_missing or not. A union of names
  (`['a','b']`) is checked name by name.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import jsonpath_rfc9535
from jsonpath_rfc9535.selectors import NameSelector

KINDS = ("safety", "cosmetic")
# Keys that describe a schema rather than constrain it: they stay on the outside when a
# schema is wrapped into an anyOf, so docs and generated docstrings keep them.
ANNOTATIONS = ("title", "description", "deprecated", "default", "example", "examples", "readOnly", "writeOnly")
NULL = {"type": "null"}


class OverlayError(Exception):
    pass


@dataclass(frozen=True)
class Skipped:
    """An action (or some names of it) that did not apply to this upstream."""

    name: str
    kind: str
    reason: str

    def __str__(self) -> str:
        return f"{self.name} ({self.kind}: {self.reason})"


def _merge(target: Any, update: Any) -> Any:
    """Overlay `update` semantics: objects merge recursively, arrays append, scalars replace.

    Appending skips items the array already holds. Upstream often makes a patched change
    itself (a field becomes `type: [string, "null"]`); a plain append would then produce
    `[string, null, string, null]`, which JSON Schema forbids (type items must be unique).
    An update aimed at an array appends the value as one entry, as Overlay 1.0 specifies,
    instead of replacing the array.
    """
    if isinstance(target, dict) and isinstance(update, dict):
        for key, value in update.items():
            target[key] = _merge(target[key], value) if key in target else value
        return target
    if isinstance(target, list):
        for item in update if isinstance(update, list) else [update]:
            if item not in target:
                target.append(item)
        return target
    return update


def _split(schema: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(annotations, constraints) of a schema."""
    outer = {k: v for k, v in schema.items() if k in ANNOTATIONS}
    inner = {k: v for k, v in schema.items() if k not in ANNOTATIONS}
    return outer, inner


def accept_null(schema: Any) -> dict[str, Any]:
    """`schema` widened to accept null, whatever form it is written in."""
    if not isinstance(schema, dict):
        raise ValueError(f"not a schema object: {schema!r}")
    schema = copy.deepcopy(schema)
    # OpenAPI 3.0's flag says what we want; it is written in the 3.1 form the generator reads.
    schema.pop("nullable", None)
    kind = schema.get("type")
    if "$ref" in schema or "allOf" in schema or (kind is None and "anyOf" not in schema and "oneOf" not in schema):
        outer, inner = _split(schema)
        if not inner:
            return schema  # no constraint at all: it accepts null already
        return {"anyOf": [inner, dict(NULL)], **outer}
    if isinstance(kind, str) and kind != "null":
        schema["type"] = [kind, "null"]
    elif isinstance(kind, list) and "null" not in kind:
        schema["type"] = [*kind, "null"]
    elif kind is None:
        for key in ("anyOf", "oneOf"):
            members = schema.get(key)
            if isinstance(members, list) and not any(isinstance(m, dict) and m.get("type") == "null" for m in members):
                schema[key] = [*members, dict(NULL)]
    if isinstance(schema.get("enum"), list) and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]
    return schema


def _is_open_string(member: Any) -> bool:
    return isinstance(member, dict) and member.get("type") == "string" and not ({"enum", "const", "$ref"} & set(member))


def open_enum(schema: Any) -> dict[str, Any]:
    """A string enum widened to any string, its known values kept as the first anyOf member."""
    if not isinstance(schema, dict):
        raise ValueError(f"not a schema object: {schema!r}")
    members = schema.get("anyOf")
    if isinstance(members, list):
        if any(_is_open_string(m) for m in members):
            return copy.deepcopy(schema)
        return {**copy.deepcopy(schema), "anyOf": [*copy.deepcopy(members), {"type": "string"}]}
    if "$ref" in schema or "enum" in schema:
        if "enum" in schema and schema.get("type") not in ("string", None):
            raise ValueError(f"an enum of type {schema.get('type')!r}, not a string enum")
        outer, inner = _split(copy.deepcopy(schema))
        return {"anyOf": [inner, {"type": "string"}], **outer}
    if _is_open_string(schema):
        return copy.deepcopy(schema)  # already open: upstream made the change itself
    raise ValueError("neither a string enum nor a $ref to one")


VERBS = {"x-accept-null": accept_null, "x-open-enum": open_enum}


def _expected_names(query: Any) -> list[str] | None:
    """For a target ending in a union of plain names, the names that must all exist."""
    selectors = query.segments[-1].selectors if query.segments else ()
    if len(selectors) > 1 and all(isinstance(s, NameSelector) for s in selectors):
        return [s.name for s in selectors]
    return None


def _compile(name: str, path: str) -> Any:
    try:
        return jsonpath_rfc9535.compile(path)
    except jsonpath_rfc9535.JSONPathError as exc:
        raise OverlayError(f"overlay action {name}: bad JSONPath {path!r}: {exc}") from exc


def apply_overlay(document: dict[str, Any], overlay: dict[str, Any], *, allow_missing: bool = False) -> list[Skipped]:
    """Apply every action in order, in place. Returns what was skipped (only possible
    with allow_missing=True for a target absent from this upstream)."""
    if not str(overlay.get("overlay", "")).startswith("1."):
        raise OverlayError("overlay document must declare `overlay: 1.x`")
    skipped: list[Skipped] = []
    for index, action in enumerate(overlay.get("actions", [])):
        name = action.get("x-name") or f"action #{index + 1}"
        kind = action.get("x-kind")
        if kind not in KINDS:
            raise OverlayError(f"overlay action {name}: x-kind must be one of {list(KINDS)}, not {kind!r}")
        target = action["target"]
        query = _compile(name, target)
        nodes = list(query.finditer(document))
        expected = _expected_names(query)
        found = {node.location[-1] for node in nodes if node.location}
        absent = [n for n in expected if n not in found] if expected else []
        if not nodes or absent:
            what = f"names {absent} are absent" if nodes else "it matches nothing"
            field = action.get("x-field", target)
            if kind == "safety" and field != target and list(_compile(name, field).finditer(document)):
                # The field exists although the patch found nothing to change there: the patch
                # no longer protects it (upstream changed its form), so no flag may skip it.
                raise OverlayError(
                    f"overlay action {name}: safety patch cannot apply to the field {field}, which exists "
                    f"upstream: target {target} {what}; fix the target (ALLOW_MISSING does not skip it)"
                )
            if not allow_missing:
                raise OverlayError(
                    f"overlay action {name}: target {target} no longer matches upstream: {what} "
                    f"(a {kind} patch; ALLOW_MISSING=1 lists and skips it)"
                )
            reason = f"{what} in this upstream" if kind == "cosmetic" else f"its field is absent upstream: {what}"
            skipped.append(Skipped(name, kind, reason))
            if not nodes:
                continue
        verbs = [verb for verb in VERBS if action.get(verb)]
        if action.get("remove"):
            # Remove from the deepest/highest index first so sibling indexes stay valid.
            for node in sorted(nodes, key=lambda n: n.location, reverse=True):
                parent = node.parent.value if node.parent else None
                if parent is None:
                    raise OverlayError(f"overlay action {name}: cannot remove the document root")
                del parent[node.location[-1]]
        elif len(verbs) == 1:
            for node in nodes:
                if node.parent is None:
                    raise OverlayError(f"overlay action {name}: {verbs[0]} cannot apply to the document root")
                try:
                    node.parent.value[node.location[-1]] = VERBS[verbs[0]](node.value)
                except ValueError as exc:
                    raise OverlayError(
                        f"overlay action {name}: {verbs[0]} cannot apply to the field {node.path()}: {exc}"
                    ) from exc
        elif "update" in action and not verbs:
            for node in nodes:
                if node.parent is None:
                    _merge(document, copy.deepcopy(action["update"]))
                else:
                    parent = node.parent.value
                    parent[node.location[-1]] = _merge(node.value, copy.deepcopy(action["update"]))
        else:
            raise OverlayError(f"overlay action {name}: needs one of `update`, `remove: true`, {', '.join(VERBS)}")
    return skipped
