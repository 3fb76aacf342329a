"""overrides/codegen/overlay.py: strict about targets, and safe to re-apply.

Re-applying matters because upstream regularly makes a patched change itself (a field
becomes nullable upstream): the patch must then be a no-op, not a corruption such as
`type: [string, null, string, null]`.
"""

from __future__ import annotations

import copy
import importlib.util
from types import ModuleType
from typing import Any

import pytest

from tests.contract import surface


def load_overlay_module() -> ModuleType:
    # overlay.py is a script beside build_spec.py, not an installed package.
    spec = importlib.util.spec_from_file_location("_codegen_overlay", surface.CODEGEN / "overlay.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


overlay = load_overlay_module()


def document(actions: list[dict[str, Any]]) -> dict[str, Any]:
    return {"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": actions}


def test_applying_the_overlay_to_its_own_output_changes_nothing() -> None:
    # openapi.yaml is the overlay's output: every update is already in it, as if upstream had made it.
    spec = surface.load_yaml(surface.SPEC)
    expected = copy.deepcopy(spec)
    skipped = overlay.apply_overlay(spec, surface.load_yaml(surface.OVERLAY), allow_missing=True)
    assert spec == expected
    assert skipped, "the removals have nothing left to remove, so some actions must report as skipped"


def test_update_of_an_existing_type_list_keeps_items_unique() -> None:
    spec = {"components": {"schemas": {"Batch": {"properties": {"output_file_id": {"type": ["string", "null"]}}}}}}
    actions = [
        {
            "x-name": "n",
            "target": "$.components.schemas.Batch.properties.output_file_id",
            "update": {"type": ["string", "null"]},
        }
    ]
    overlay.apply_overlay(spec, document(actions))
    assert spec["components"]["schemas"]["Batch"]["properties"]["output_file_id"]["type"] == ["string", "null"]


def test_update_aimed_at_an_array_appends_instead_of_replacing() -> None:
    spec = {"schema": {"required": ["id"]}}
    overlay.apply_overlay(spec, document([{"x-name": "one", "target": "$.schema.required", "update": "status"}]))
    overlay.apply_overlay(
        spec, document([{"x-name": "many", "target": "$.schema.required", "update": ["status", "model"]}])
    )
    assert spec["schema"]["required"] == ["id", "status", "model"]


def test_an_action_that_matches_nothing_fails_naming_itself() -> None:
    spec = {"components": {"schemas": {"Batch": {"properties": {"id": {"type": "string"}}}}}}
    gone = {"x-name": "batch-nullable-usage", "target": "$.components.schemas.Batch.properties.usage", "remove": True}
    with pytest.raises(overlay.OverlayError, match=r"overlay action batch-nullable-usage: .* it matches nothing"):
        overlay.apply_overlay(copy.deepcopy(spec), document([gone]))
    assert overlay.apply_overlay(spec, document([gone]), allow_missing=True) == [
        "batch-nullable-usage (it matches nothing)"
    ]


def test_a_union_of_names_fails_when_any_one_is_absent() -> None:
    spec = {"p": {"output_file_id": {"type": "string"}}}
    action = {
        "x-name": "pair",
        "target": "$.p['output_file_id','error_file_id']",
        "update": {"type": ["string", "null"]},
    }
    with pytest.raises(overlay.OverlayError, match=r"overlay action pair: .*\['error_file_id'\] are absent"):
        overlay.apply_overlay(copy.deepcopy(spec), document([action]))
    skipped = overlay.apply_overlay(spec, document([action]), allow_missing=True)
    assert skipped == ["pair (names ['error_file_id'] are absent)"]
    assert spec["p"]["output_file_id"]["type"] == ["string", "null"], "the names present are still patched"
