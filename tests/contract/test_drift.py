"""The contract check catches drift between a spec and a generated package, both ways.

A copy of openapi.yaml is broken in ways that would hurt the hand-written package (a field
it reads removed, an operation renamed, a nullable field made non-nullable, a required
field made optional, a query parameter dropped) and generated into a temporary folder.
Then:
- the real spec's expectations against the broken package name every fault (the package
  lost something the spec has);
- the broken spec's expectations against the committed package name every fault too (the
  package has something the spec lost);
- the broken spec against its own package passes, so the faults, not noise, are reported.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.contract import pipeline, surface


def break_spec(spec: dict[str, Any]) -> dict[str, Any]:
    schemas = spec["components"]["schemas"]
    batch = schemas["Batch"]
    del batch["properties"]["output_file_id"]
    batch["properties"]["error_file_id"]["type"] = "string"
    batch["required"].remove("status")
    openai_file = schemas["OpenAIFile"]
    del openai_file["properties"]["bytes"]
    openai_file["required"].remove("bytes")
    spec["paths"]["/batches/{batch_id}"]["get"]["operationId"] = "getBatch"
    list_files = spec["paths"]["/files"]["get"]
    list_files["parameters"] = [p for p in list_files["parameters"] if p["name"] != "order"]
    return spec


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(broken spec, folder holding the package generated from it)."""
    folder = tmp_path_factory.mktemp("broken")
    spec_path = folder / "openapi.yaml"
    spec = break_spec(surface.load_yaml(surface.SPEC))
    spec_path.write_text(yaml.dump(spec, Dumper=yaml.CSafeDumper, sort_keys=False), encoding="utf-8")
    return spec_path, pipeline.generate(spec_path, folder / "generated")


def has(problems: list[str], *parts: str) -> bool:
    return any(all(part in p for part in parts) for p in problems)


def test_real_spec_against_broken_package_names_every_fault(broken: tuple[Path, Path]) -> None:
    _, package_root = broken
    problems = surface.check_generated_package(surface.SPEC, package_root, surface.CONFIG)
    text = "\n".join(problems)
    assert has(problems, "operation retrieveBatch", "api/batch/retrieve_batch.py is missing"), text
    assert has(problems, "api/batch/get_batch.py", "no operationId"), text
    assert has(problems, "model Batch ", "property output_file_id", "is missing"), text
    assert has(problems, "model OpenAIFile ", "property bytes", "is missing"), text
    assert has(problems, "model Batch ", "property error_file_id is nullable in the spec", "does not accept None"), text
    assert has(problems, "model Batch ", "property status is required by the spec"), text
    assert has(problems, "operation listFiles", "no parameter `order`"), text
    assert has(problems, "codegen-manifest.json: openapi.yaml_sha256"), text


def test_broken_spec_against_committed_package_names_every_fault(broken: tuple[Path, Path]) -> None:
    spec_path, _ = broken
    problems = surface.check_generated_package(spec_path, surface.GENERATED, surface.CONFIG)
    text = "\n".join(problems)
    assert has(problems, "operation getBatch", "api/batch/get_batch.py is missing"), text
    assert has(problems, "api/batch/retrieve_batch.py", "no operationId"), text
    assert has(problems, "model Batch ", "attribute `output_file_id` has no property in the spec"), text
    assert has(problems, "model OpenAIFile ", "attribute `bytes_` has no property in the spec"), text
    assert has(problems, "model Batch ", "property error_file_id is not nullable in the spec", "accepts None"), text
    assert has(problems, "model Batch ", "property status is optional in the spec"), text
    assert has(problems, "operation listFiles", "takes `order`, a parameter the spec does not define"), text


def test_broken_spec_against_its_own_package_passes(broken: tuple[Path, Path]) -> None:
    spec_path, package_root = broken
    problems = surface.check_generated_package(spec_path, package_root, surface.CONFIG)
    assert not problems, "\n".join(problems)


def test_hand_written_import_of_the_renamed_operation_is_reported(broken: tuple[Path, Path], tmp_path: Path) -> None:
    _, package_root = broken
    hand_written = tmp_path / "openai_batch"
    hand_written.mkdir()
    (hand_written / "_batches.py").write_text(
        textwrap.dedent(
            """\
            from openai_batch_api.api.batch import create_batch, retrieve_batch
            from openai_batch_api.models import Batch, OpenAIFile
            """
        ),
        encoding="utf-8",
    )
    assert surface.check_hand_written_imports(hand_written, surface.GENERATED) == []
    problems = surface.check_hand_written_imports(hand_written, package_root)
    assert len(problems) == 1 and problems[0].endswith("openai_batch_api.api.batch has no retrieve_batch"), problems
