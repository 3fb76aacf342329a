"""Known values (statuses, purposes, batch endpoints) come from the spec, not from hand-typed lists.

- the committed `openai_batch_api.known_values` is what overrides/codegen/known_values.py
  derives from openapi.yaml, and the hand-written package's public types and endpoint
  set are those values;
- a copy of the upstream spec with a new endpoint, status and purpose added (written as
  JSON, the form upstream also ships) is built strictly and regenerated; with that package
  the builders, the validator and `Job.submit` accept the new endpoint, and the public
  Literal types list the new status and purpose, with no change to hand-written code.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, get_args

import pytest
from openai_batch import BatchStatus, FilePurpose
from openai_batch.workflow import BATCH_ENDPOINTS, DEFAULT_LIMITS
from openai_batch_api import known_values

from tests.contract import pipeline, surface
from tests.contract.conftest import CURRENT, upstream_path


def load_codegen(name: str) -> Any:
    # The codegen scripts import each other by plain name, as when run from their folder.
    sys.path.insert(0, str(surface.CODEGEN))
    try:
        spec = importlib.util.spec_from_file_location(f"_codegen_{name}", surface.CODEGEN / f"{name}.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(surface.CODEGEN))


derivation = load_codegen("known_values")


def test_committed_known_values_are_derived_from_openapi_yaml() -> None:
    derived = derivation.derive(surface.load_yaml(surface.SPEC))
    assert list(known_values.BATCH_STATUSES) == derived["BATCH_STATUSES"]
    assert list(known_values.FILE_PURPOSES) == derived["FILE_PURPOSES"]
    assert list(known_values.BATCH_ENDPOINTS) == derived["BATCH_ENDPOINTS"]
    assert known_values.EMBEDDING_INPUT_LIMITS == derived["EMBEDDING_INPUT_LIMITS"] == {"/v1/embeddings": 50_000}
    assert "cancelled" in derived["BATCH_STATUSES"] and "/v1/chat/completions" in derived["BATCH_ENDPOINTS"]


def test_hand_written_types_and_endpoints_are_the_derived_values() -> None:
    assert get_args(BatchStatus) == known_values.BATCH_STATUSES
    assert get_args(FilePurpose) == known_values.FILE_PURPOSES
    assert frozenset(known_values.BATCH_ENDPOINTS) == BATCH_ENDPOINTS
    assert DEFAULT_LIMITS.max_embedding_inputs == known_values.EMBEDDING_INPUT_LIMITS["/v1/embeddings"]


def test_an_open_enum_is_still_read_through_its_anyof() -> None:
    schema = {"anyOf": [{"type": "string", "enum": ["a", "b"]}, {"type": "string"}]}
    assert derivation.enum_values({}, schema, "x") == ["a", "b"]
    with pytest.raises(derivation.KnownValuesError, match="x lists no known values"):
        derivation.enum_values({}, {"type": "string"}, "x")


NEW_VALUES = NEW_ENDPOINT, NEW_STATUS, NEW_PURPOSE = "/v1/rerank", "paused", "realtime_audio"


def extended_upstream(upstream: Path) -> dict[str, Any]:
    spec = surface.load_yaml(upstream)
    schemas = spec["components"]["schemas"]
    schemas["CreateBatchRequest"]["properties"]["endpoint"]["enum"].append(NEW_ENDPOINT)
    schemas["Batch"]["properties"]["status"]["enum"].append(NEW_STATUS)
    schemas["OpenAIFile"]["properties"]["purpose"]["enum"].append(NEW_PURPOSE)
    return spec


@pytest.mark.slow
def test_a_new_endpoint_status_and_purpose_need_no_hand_written_change(tmp_path: Path) -> None:
    upstream = pipeline.require_upstream(upstream_path(CURRENT))
    extended = tmp_path / "openapi.json"
    # default=str: YAML reads some upstream dates as dates, which JSON writes as strings.
    extended.write_text(json.dumps(extended_upstream(upstream), default=str), encoding="utf-8")
    spec = tmp_path / "openapi.yaml"
    result = pipeline.build_spec(extended, spec)  # strict: every overlay action still applies
    assert result.returncode == 0, result.stderr
    package_root = pipeline.generate(spec, tmp_path / "generated")
    assert NEW_ENDPOINT not in BATCH_ENDPOINTS, "the committed package must not know the new endpoint yet"

    workdir = tmp_path / "work"
    workdir.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(package_root), str(surface.HAND_WRITTEN.parent), str(surface.ROOT)]),
    }
    run = subprocess.run(
        [sys.executable, "-W", "error", "-m", "tests.contract.new_values_probe", str(workdir), *NEW_VALUES],
        capture_output=True,
        text=True,
        env=env,
        cwd=surface.ROOT,
        timeout=pipeline.TIMEOUT,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    probe = json.loads(run.stdout)
    assert Path(probe["openai_batch_api"]).is_relative_to(package_root), probe
    assert probe["written"] == 2, probe
    assert probe["validation_problems"] == [], probe
    assert probe["submitted_endpoints"] == [NEW_ENDPOINT], probe
    assert probe["status_known"] and probe["purpose_known"], probe
