"""Every field the overlay says must accept null does, on every upstream the project ships.

The list is data: the targets of the overlay's `x-accept-null` actions. For each upstream
(2026-08-21, built strictly; 2024-08-07, built with ALLOW_MISSING) the package regenerated
from it is imported, with the hand-written package, in a subprocess; each field is sent as
null in a response body the spec otherwise allows, through `openai_batch.BatchClient`, and
must come back as None. A field the upstream does not have must be listed as skipped by
that build, naming its action.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonpath_rfc9535
import pytest
import yaml
from jsonpath_rfc9535.selectors import NameSelector

from tests.contract import pipeline, surface
from tests.contract.conftest import OLD, SHIPPED, Build


def accept_null_fields() -> list[tuple[str, str, str]]:
    """(action name, schema, property) for every field an x-accept-null action targets."""
    fields = []
    for action in surface.load_yaml(surface.OVERLAY)["actions"]:
        if not action.get("x-accept-null"):
            continue
        segments = jsonpath_rfc9535.compile(action["target"]).segments
        names = [[s.name for s in segment.selectors if isinstance(s, NameSelector)] for segment in segments]
        # The form every such target has: $.components.schemas.<Schema>.properties.<name or names>
        assert len(names) == 5 and names[:2] == [["components"], ["schemas"]] and names[3] == ["properties"], action
        fields += [(action["x-name"], names[2][0], prop) for prop in names[4]]
    return fields


FIELDS = accept_null_fields()


def run_probe(package_root: Path, spec: Path, fields: list[str]) -> dict[str, Any]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(package_root), str(surface.HAND_WRITTEN.parent), str(surface.ROOT)]),
    }
    result = subprocess.run(
        [sys.executable, "-W", "error", "-m", "tests.contract.null_probe", str(spec), *fields],
        capture_output=True,
        text=True,
        env=env,
        cwd=surface.ROOT,
        timeout=pipeline.TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded: dict[str, Any] = json.loads(result.stdout)
    assert Path(loaded["openai_batch_api"]).is_relative_to(package_root), loaded
    return loaded["results"]


def present(spec: Path, schema: str, prop: str) -> bool:
    schemas = surface.load_yaml(spec)["components"]["schemas"]
    return prop in (schemas.get(schema, {}).get("properties") or {})


@pytest.fixture(scope="module")
def probed(regenerated: Callable[[str], Build]) -> Callable[[str], dict[str, Any]]:
    """`probed(upstream)`: the probe's results for every listed field that upstream has (one subprocess each)."""
    cache: dict[str, dict[str, Any]] = {}

    def results(name: str) -> dict[str, Any]:
        if name not in cache:
            build = regenerated(name)
            fields = [f"{schema}.{prop}" for _, schema, prop in FIELDS if present(build.spec, schema, prop)]
            cache[name] = run_probe(build.package_root, build.spec, fields)
        return cache[name]

    return results


def test_the_list_covers_the_fields_the_issue_was_about() -> None:
    listed = {(schema, prop) for _, schema, prop in FIELDS}
    assert {("Batch", "request_counts"), ("Batch", "output_file_id"), ("OpenAIFile", "expires_at")} <= listed


@pytest.mark.slow
@pytest.mark.parametrize("upstream", SHIPPED)
@pytest.mark.parametrize(("action", "schema", "prop"), FIELDS, ids=[f"{s}.{p}" for _, s, p in FIELDS])
def test_field_accepts_null_in_a_response_body(
    regenerated: Callable[[str], Build],
    probed: Callable[[str], dict[str, Any]],
    upstream: str,
    action: str,
    schema: str,
    prop: str,
) -> None:
    build = regenerated(upstream)
    if not present(build.spec, schema, prop):
        # Nothing to protect on this upstream; the build must say it skipped the action.
        assert f"skipped overlay action {action} (safety:" in build.stderr, build.stderr
        return
    result = probed(upstream)[f"{schema}.{prop}"]
    assert result == {"ok": True, "value": None}, f"{upstream}: {schema}.{prop} with null: {result}"


@pytest.mark.slow
def test_the_probe_fails_on_a_package_whose_field_rejects_null(
    regenerated: Callable[[str], Build], tmp_path: Path
) -> None:
    # The 2024 spec as it was before the inline form was patched: request_counts non-nullable.
    spec = surface.load_yaml(regenerated(OLD).spec)
    counts = spec["components"]["schemas"]["Batch"]["properties"]["request_counts"]
    assert counts["type"] == ["object", "null"], counts
    counts["type"] = "object"
    broken = tmp_path / "openapi.yaml"
    broken.write_text(yaml.dump(spec, Dumper=yaml.CSafeDumper, sort_keys=False), encoding="utf-8")
    package_root = pipeline.generate(broken, tmp_path / "generated")
    result = run_probe(package_root, broken, ["Batch.request_counts"])["Batch.request_counts"]
    assert result["ok"] is False and "APIResponseValidationError" in result["error"], result
