"""Any valid upstream loads (YAML with redefined anchors, JSON); a malformed one fails in one line.

Upstream YAML from 2024 redefines anchors in places (legal YAML: an alias refers to the
latest definition before it, as js-yaml reads it), and from 2026-07 upstream also ships
openapi.json. A file that really is malformed must end `make spec` with one line naming
the file, line and column, not a parser traceback.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.contract import pipeline, surface
from tests.contract.conftest import OLD, Build


def load_spec_loader() -> Any:
    spec = importlib.util.spec_from_file_location("_codegen_spec_loader", surface.CODEGEN / "spec_loader.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


loader = load_spec_loader()


def test_a_redefined_anchor_means_its_latest_definition() -> None:
    text = "a: &x 1\nb: *x\nc: &x {k: [2]}\nd: *x\n"
    assert loader.parse_document(text, "t.yaml") == {"a": 1, "b": 1, "c": {"k": [2]}, "d": {"k": [2]}}


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("flow.yaml", "paths:\n  a: [1, 2\n  b: 3\n", ":3:4: invalid YAML: "),
        ("indent.yaml", "paths:\n  - b\n c: d\n", ":3:2: invalid YAML: "),
        ("alias.yaml", "paths: *nowhere\n", ":1:8: invalid YAML: found undefined alias"),
        ("redefined-then-broken.yaml", "a: &x 1\nb: &x 2\nc: [\n", ":4:1: invalid YAML: "),
        ("spec.json", '{"paths": {\n  "a": }\n}', ":2:8: invalid JSON: Expecting value"),
    ],
)
def test_a_malformed_upstream_fails_in_one_line_naming_file_line_and_column(
    tmp_path: Path, name: str, text: str, where: str
) -> None:
    upstream = tmp_path / name
    upstream.write_text(text, encoding="utf-8")
    output = tmp_path / "openapi.yaml"
    result = pipeline.build_spec(upstream, output, allow_missing=True)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"build_spec: {upstream}{where}"), result.stderr
    assert not output.exists()


def test_a_document_that_is_not_openapi_fails_in_one_line(tmp_path: Path) -> None:
    upstream = tmp_path / "list.yaml"
    upstream.write_text("- just\n- a list\n", encoding="utf-8")
    result = pipeline.build_spec(upstream, tmp_path / "openapi.yaml")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"build_spec: {upstream}: not an OpenAPI document (no `paths` object)"]


@pytest.mark.slow
def test_the_json_form_of_an_upstream_builds_the_same_spec(regenerated: Callable[[str], Build], tmp_path: Path) -> None:
    old = regenerated(OLD)
    upstream = tmp_path / "openapi.json"
    # default=str: YAML reads some upstream values as dates, which upstream's JSON writes as strings.
    upstream.write_text(json.dumps(surface.load_yaml(old.upstream), default=str), encoding="utf-8")
    output = tmp_path / "openapi.yaml"
    result = pipeline.build_spec(upstream, output, allow_missing=True)
    assert result.returncode == 0, result.stderr
    assert output.read_bytes() == old.spec.read_bytes()


@pytest.mark.slow
def test_an_upstream_with_a_redefined_anchor_builds_with_the_latest_definition(
    regenerated: Callable[[str], Build], tmp_path: Path
) -> None:
    old = regenerated(OLD)
    text = old.upstream.read_text(encoding="utf-8")
    # 2024's Batch.metadata says `description: *metadata_description`: define it again just before.
    marker = "\n        Batch:\n"
    assert text.count(marker) == 1 and "&metadata_description" in text
    redefined = "\n        Redefined:\n            description: &metadata_description Redefined here.\n"
    upstream = tmp_path / "redefined.yaml"
    upstream.write_text(text.replace(marker, redefined + marker[1:]), encoding="utf-8")
    output = tmp_path / "openapi.yaml"
    result = pipeline.build_spec(upstream, output, allow_missing=True)
    assert result.returncode == 0, result.stderr
    batch = surface.load_yaml(output)["components"]["schemas"]["Batch"]
    assert batch["properties"]["metadata"]["description"] == "Redefined here."
    assert "Redefined" not in surface.load_yaml(output)["components"]["schemas"], "only referenced schemas are kept"
