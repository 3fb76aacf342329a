"""overrides/codegen/result_schemas.py: the cut rules that keep the result-body models small."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from tests.contract import pipeline, surface


def load_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_codegen_result_schemas", surface.CODEGEN / "result_schemas.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


result_schemas = load_module()


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


UPSTREAM: dict[str, Any] = {
    "components": {
        "schemas": {
            "Root": {"allOf": [ref("Base"), {"properties": {"item": ref("Item"), "kept": ref("Kept")}}]},
            "Base": {"title": "Shared title", "properties": {"deep": ref("Level1")}, "required": ["deep"]},
            "Item": {"oneOf": [ref("A"), ref("B"), ref("C"), {"type": "null"}]},
            "A": {"type": "object"},
            "B": {"type": "object"},
            "C": {"type": "object"},
            "Kept": {"properties": {"n": {"type": "integer", "default": 0}}, "required": ["n"]},
            "Level1": {"properties": {"next": ref("Level2")}},
            "Level2": {"properties": {"next": ref("Level3")}},
            "Level3": {"description": "too deep", "properties": {"next": ref("Leaf")}},
            "Leaf": {"type": "string", "enum": ["x"]},
        }
    }
}


def test_wide_unions_and_deep_schemas_become_free_form_values() -> None:
    schemas: dict[str, Any] = {}
    rules = result_schemas.CutRules(depth=2, union_width=2)
    missing = result_schemas.add_result_schemas(schemas, UPSTREAM, ("Root", "Absent"), rules, lambda node: node)
    assert missing == ["Absent"]
    mark = result_schemas.CUT_MARK
    assert schemas["Item"] == {mark: "a union of 3 schemas (more than 2)"}
    assert not {"A", "B", "C"} & set(schemas)  # a cut union's members are not followed
    # allOf members cost no hop: Base is depth 0, Level1 depth 1, Level2 depth 2, Level3 depth 3.
    assert "properties" in schemas["Level2"]
    assert schemas["Level3"] == {"description": "too deep", mark: "3 references from a result schema (more than 2)"}
    assert "Leaf" not in schemas
    assert "title" not in schemas["Base"]  # titles repeat across upstream; keys do not
    assert "default" not in schemas["Kept"]["properties"]["n"]  # required with a default would read as optional


def test_schemas_the_batch_operations_reference_are_never_cut() -> None:
    schemas: dict[str, Any] = {"Item": {"type": "string"}}
    rules = result_schemas.CutRules(depth=2, union_width=2)
    result_schemas.add_result_schemas(schemas, UPSTREAM, ("Root",), rules, lambda node: node)
    assert schemas["Item"] == {"type": "string"}


def test_the_committed_spec_marks_what_it_cut() -> None:
    spec = surface.load_yaml(surface.SPEC)["components"]["schemas"]
    cut = {name for name, schema in spec.items() if result_schemas.CUT_MARK in schema}
    assert {"OutputItem", "Tool"} <= cut
    for name in ("CreateChatCompletionResponse", "Response", "CreateEmbeddingResponse", "ResponseUsage"):
        assert name in spec and name not in cut


@pytest.mark.slow
def test_an_upstream_without_a_result_schema_fails_strictly_and_is_listed_with_allow_missing(tmp_path: Path) -> None:
    upstream = surface.load_yaml(pipeline.require_upstream(pipeline.makefile_upstream()))
    del upstream["components"]["schemas"]["CreateModerationResponse"]
    source = tmp_path / "upstream.yaml"
    source.write_text(yaml.dump(upstream, Dumper=yaml.CSafeDumper, sort_keys=False), encoding="utf-8")
    strict = pipeline.build_spec(source, tmp_path / "strict.yaml")
    assert strict.returncode == 1
    assert "has no result schema(s) CreateModerationResponse" in strict.stderr, strict.stderr
    assert not (tmp_path / "strict.yaml").exists()
    lenient = pipeline.build_spec(source, tmp_path / "lenient.yaml", allow_missing=True)
    assert lenient.returncode == 0, lenient.stderr
    assert "skipped result schema CreateModerationResponse (absent upstream)" in lenient.stderr
    built = surface.load_yaml(tmp_path / "lenient.yaml")["components"]["schemas"]
    assert "CreateModerationResponse" not in built and "Response" in built
