"""Apply an OpenAPI Overlay 1.0 document (https://spec.openapis.org/overlay/v1.0.0).

Targets are RFC 9535 JSONPath queries, evaluated by the jsonpath-rfc9535 library.
Supported actions are the standard `update` (deep merge into each target) and
`remove: true` (delete each target from its parent).

Strictness is the point of this module: upstream renames silently turn a patch into
a no-op, and a no-op patch is how a null-typed field starts crashing users again.
So an action whose target matches nothing raises OverlayError naming the action,
and so does a union of names (`['a','b']`) in which any one name is absent.
Each action carries `x-name`, the short name used in those messages.
"""

from __future__ import annotations

import copy
from typing import Any

import jsonpath_rfc9535
from jsonpath_rfc9535.selectors import NameSelector


class OverlayError(Exception):
    pass


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


def _expected_names(query: Any) -> list[str] | None:
    """For a target ending in a union of plain names, the names that must all exist."""
    selectors = query.segments[-1].selectors if query.segments else ()
    if len(selectors) > 1 and all(isinstance(s, NameSelector) for s in selectors):
        return [s.name for s in selectors]
    return None


def apply_overlay(document: dict[str, Any], overlay: dict[str, Any], *, allow_missing: bool = False) -> list[str]:
    """Apply every action in order, in place. Returns the names of actions skipped
    (only possible with allow_missing=True)."""
    if not str(overlay.get("overlay", "")).startswith("1."):
        raise OverlayError("overlay document must declare `overlay: 1.x`")
    skipped: list[str] = []
    for index, action in enumerate(overlay.get("actions", [])):
        name = action.get("x-name") or f"action #{index + 1}"
        target = action["target"]
        try:
            query = jsonpath_rfc9535.compile(target)
        except jsonpath_rfc9535.JSONPathError as exc:
            raise OverlayError(f"overlay action {name}: bad target {target!r}: {exc}") from exc
        nodes = list(query.finditer(document))
        expected = _expected_names(query)
        found = {node.location[-1] for node in nodes}
        absent = [n for n in expected if n not in found] if expected else []
        if not nodes or absent:
            what = f"names {absent} are absent" if nodes else "it matches nothing"
            if allow_missing:
                skipped.append(f"{name} ({what})")
                if not nodes:
                    continue
            else:
                raise OverlayError(f"overlay action {name}: target {target} no longer matches upstream: {what}")
        if action.get("remove"):
            # Remove from the deepest/highest index first so sibling indexes stay valid.
            for node in sorted(nodes, key=lambda n: n.location, reverse=True):
                parent = node.parent.value if node.parent else None
                if parent is None:
                    raise OverlayError(f"overlay action {name}: cannot remove the document root")
                del parent[node.location[-1]]
        elif "update" in action:
            for node in nodes:
                if node.parent is None:
                    _merge(document, copy.deepcopy(action["update"]))
                else:
                    parent = node.parent.value
                    parent[node.location[-1]] = _merge(node.value, copy.deepcopy(action["update"]))
        else:
            raise OverlayError(f"overlay action {name}: needs `update` or `remove: true`")
    return skipped
