"""overrides/codegen/overlay.py: strict about targets, and safe to re-apply.

Re-applying matters because upstream regularly makes a patched change itself (a field
becomes nullable upstream): the patch must then be a no-op, not a corruption such as
`type: [string, null, string, null]`.
"""

from __future__ import annotations

import copy
import importlib.util
import sys
from types import ModuleType
from typing import Any

import pytest

from tests.contract import surface


def load_overlay_module() -> ModuleType:
    # overlay.py is a script beside build_spec.py, not an installed package.
    spec = importlib.util.spec_from_file_location("_codegen_overlay", surface.CODEGEN / "overlay.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


overlay = load_overlay_module()


def document(actions: list[dict[str, Any]]) -> dict[str, Any]:
    # Actions in these tests are cosmetic unless they say otherwise.
    actions = [{"x-kind": "cosmetic", **action} for action in actions]
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
    skipped = overlay.apply_overlay(spec, document([gone]), allow_missing=True)
    assert [str(s) for s in skipped] == ["batch-nullable-usage (cosmetic: it matches nothing in this upstream)"]


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
    assert [str(s) for s in skipped] == ["pair (cosmetic: names ['error_file_id'] are absent in this upstream)"]
    assert spec["p"]["output_file_id"]["type"] == ["string", "null"], "the names present are still patched"


# --- kinds ---------------------------------------------------------------------------------


def test_every_action_of_the_project_overlay_has_a_kind() -> None:
    actions = surface.load_yaml(surface.OVERLAY)["actions"]
    kinds = {action["x-name"]: action.get("x-kind") for action in actions}
    assert set(kinds.values()) <= {"safety", "cosmetic"}, kinds
    assert kinds["batch-request-counts-nullable"] == "safety"
    assert kinds["distinct-expiration-titles"] == "cosmetic"


def test_an_action_without_a_kind_is_refused() -> None:
    action = {"x-name": "kindless", "target": "$.a", "update": {"b": 1}}
    bare = {"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": [action]}
    with pytest.raises(overlay.OverlayError, match=r"overlay action kindless: x-kind must be one of"):
        overlay.apply_overlay({"a": {}}, bare)


def test_a_safety_patch_whose_field_exists_in_another_form_fails_even_with_allow_missing() -> None:
    # The download's response exists, but no longer under the `content` key the patch removes.
    spec = {"paths": {"/f": {"get": {"responses": {"200": {"$ref": "#/components/responses/File"}}}}}}
    action = {
        "x-name": "download-file-is-bytes",
        "x-kind": "safety",
        "target": "$.paths['/f'].get.responses['200'].content",
        "x-field": "$.paths['/f'].get.responses['200']",
        "remove": True,
    }
    for allow_missing in (False, True):
        with pytest.raises(
            overlay.OverlayError,
            match=r"download-file-is-bytes: safety patch cannot apply to the field \$\.paths\['/f'\]\.get\.responses\['200'\]",
        ):
            overlay.apply_overlay(copy.deepcopy(spec), document([action]), allow_missing=allow_missing)


def test_a_safety_patch_whose_field_is_absent_is_listed_as_skipped() -> None:
    action = {
        "x-name": "batch-nullable-usage",
        "x-kind": "safety",
        "target": "$.components.schemas.Batch.properties.usage",
        "x-accept-null": True,
    }
    spec = {"components": {"schemas": {"Batch": {"properties": {"id": {"type": "string"}}}}}}
    with pytest.raises(overlay.OverlayError, match=r"batch-nullable-usage: .* it matches nothing"):
        overlay.apply_overlay(copy.deepcopy(spec), document([action]))
    skipped = overlay.apply_overlay(spec, document([action]), allow_missing=True)
    assert [(s.name, s.kind) for s in skipped] == [("batch-nullable-usage", "safety")]


def test_a_safety_verb_that_cannot_apply_names_the_field_even_with_allow_missing() -> None:
    spec = {"components": {"schemas": {"Batch": {"properties": {"status": {"type": "integer", "enum": [1, 2]}}}}}}
    action = {
        "x-name": "open-response-enums",
        "x-kind": "safety",
        "target": "$.components.schemas.Batch.properties.status",
        "x-open-enum": True,
    }
    with pytest.raises(
        overlay.OverlayError, match=r"open-response-enums: x-open-enum cannot apply to the field .*\['status'\]"
    ):
        overlay.apply_overlay(spec, document([action]), allow_missing=True)


# --- x-accept-null -------------------------------------------------------------------------

COUNTS_REF = {"$ref": "#/components/schemas/BatchRequestCounts"}
COUNTS_INLINE = {
    "type": "object",
    "description": "The request counts.",
    "properties": {"total": {"type": "integer"}},
    "required": ["total"],
}


@pytest.mark.parametrize(
    ("form", "before", "after"),
    [
        ("$ref", COUNTS_REF, {"anyOf": [COUNTS_REF, {"type": "null"}]}),
        ("inline object", COUNTS_INLINE, {**COUNTS_INLINE, "type": ["object", "null"]}),
        ("type list", {"type": ["string", "integer"]}, {"type": ["string", "integer", "null"]}),
        ("3.0 nullable", {"type": "integer", "nullable": True}, {"type": ["integer", "null"]}),
        ("enum", {"type": "string", "enum": ["a"]}, {"type": ["string", "null"], "enum": ["a", None]}),
        ("anyOf", {"anyOf": [{"type": "string"}, {"type": "integer"}]}, None),
        (
            "$ref with a description",
            {**COUNTS_REF, "description": "d"},
            {"anyOf": [COUNTS_REF, {"type": "null"}], "description": "d"},
        ),
        ("allOf", {"allOf": [COUNTS_REF]}, {"anyOf": [{"allOf": [COUNTS_REF]}, {"type": "null"}]}),
    ],
)
def test_accept_null_widens_every_form_and_is_idempotent(form: str, before: Any, after: Any) -> None:
    if after is None:
        after = {"anyOf": [*before["anyOf"], {"type": "null"}]}
    once = overlay.accept_null(before)
    assert once == after, form
    assert overlay.accept_null(once) == once, form


def test_accept_null_targets_request_counts_inline_and_as_a_ref() -> None:
    action = {
        "x-name": "batch-request-counts-nullable",
        "x-kind": "safety",
        "target": "$.components.schemas.Batch.properties.request_counts",
        "x-accept-null": True,
    }
    for form in (COUNTS_REF, COUNTS_INLINE):
        spec = {"components": {"schemas": {"Batch": {"properties": {"request_counts": copy.deepcopy(form)}}}}}
        assert overlay.apply_overlay(spec, document([action])) == []
        patched = spec["components"]["schemas"]["Batch"]["properties"]["request_counts"]
        assert patched == overlay.accept_null(form)
        assert patched != form


# --- x-open-enum ---------------------------------------------------------------------------

STATUSES = {"type": "string", "description": "The status.", "enum": ["validating", "failed"]}


@pytest.mark.parametrize(
    ("form", "before", "after"),
    [
        (
            "inline enum",
            STATUSES,
            {
                "anyOf": [{"type": "string", "enum": ["validating", "failed"]}, {"type": "string"}],
                "description": "The status.",
            },
        ),
        ("$ref", {"$ref": "#/components/schemas/BatchStatus"}, None),
        ("already open", {"type": "string", "description": "d"}, {"type": "string", "description": "d"}),
    ],
)
def test_open_enum_keeps_known_values_and_accepts_any_string(form: str, before: Any, after: Any) -> None:
    if after is None:
        after = {"anyOf": [before, {"type": "string"}]}
    once = overlay.open_enum(before)
    assert once == after, form
    assert overlay.open_enum(once) == once, form


def test_open_enum_refuses_a_non_string_enum() -> None:
    with pytest.raises(ValueError, match="not a string enum"):
        overlay.open_enum({"type": "integer", "enum": [1]})
