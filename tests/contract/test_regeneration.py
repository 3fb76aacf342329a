"""The spec pipeline end to end, into temporary folders only.

- `make spec` and `make generate` reproduce the committed openapi.yaml and generated/
  byte for byte (check-generated in test form);
- on an older upstream (2024-08-07: fewer Batch fields, listFiles with only `purpose`) the
  strict build fails naming an overlay action, the --allow-missing build lists what it
  skipped, the package generated from it satisfies the contract of that older spec, and
  the hand-written package still imports against it.

The upstream specs live beside the repository (../shared/specs); without them these tests
skip on a developer machine and fail in CI.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.contract import pipeline, surface
from tests.contract.conftest import CURRENT, OLD, Build


def overlay_action_names() -> set[str]:
    return {action["x-name"] for action in surface.load_yaml(surface.OVERLAY)["actions"]}


def test_missing_upstream_skips_on_a_developer_machine_and_fails_in_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    absent = tmp_path / "no-such-spec.yaml"
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=re.escape("no-such-spec.yaml is absent")):
        pipeline.require_upstream(absent)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=re.escape("no-such-spec.yaml is missing")):
        pipeline.require_upstream(absent)
    assert pipeline.require_upstream(surface.SPEC) == surface.SPEC


def test_make_spec_reproduces_the_committed_openapi_yaml(regenerated: Callable[[str], Build]) -> None:
    build = regenerated(CURRENT)
    assert build.spec.read_bytes() == surface.SPEC.read_bytes(), "openapi.yaml differs from `make spec`; run it"
    assert "skipped" not in build.stderr, build.stderr


def test_make_generate_reproduces_the_committed_package(regenerated: Callable[[str], Build]) -> None:
    # Generated from the fresh `make spec` output, which the test above pins to openapi.yaml.
    differences = pipeline.tree_differences(surface.GENERATED, regenerated(CURRENT).package_root)
    assert not differences, "generated/ differs from a fresh generation; run `make generate`:\n" + "\n".join(
        differences
    )


def test_strict_build_on_the_old_spec_fails_naming_an_overlay_action(tmp_path: Path) -> None:
    upstream = pipeline.require_upstream(pipeline.OLD_UPSTREAM)
    output = tmp_path / "openapi.yaml"
    result = pipeline.build_spec(upstream, output)
    assert result.returncode != 0
    match = re.search(r"overlay action (\S+): target .* no longer matches upstream", result.stderr)
    assert match, result.stderr
    assert match.group(1) in overlay_action_names(), result.stderr
    assert not output.exists(), "a failed build must not leave an openapi.yaml behind"


@pytest.fixture
def old_build(regenerated: Callable[[str], Build]) -> Build:
    return regenerated(OLD)


@pytest.mark.slow
def test_allow_missing_lists_each_skipped_action_by_name(old_build: Build) -> None:
    skipped = re.findall(r"^build_spec: skipped overlay action (\S+) \((\w+):", old_build.stderr, re.MULTILINE)
    kinds = {action["x-name"]: action["x-kind"] for action in surface.load_yaml(surface.OVERLAY)["actions"]}
    assert all(kinds[name] == kind for name, kind in skipped), old_build.stderr
    skipped = [name for name, _ in skipped]
    assert set(skipped) <= overlay_action_names(), old_build.stderr
    # The 2024 Batch has neither usage nor model, but does have output_file_id.
    assert {"batch-nullable-usage", "batch-nullable-model"} <= set(skipped), old_build.stderr
    assert "batch-nullable-strings" not in skipped, old_build.stderr
    # request_counts is an inline object there: its nullability patch must still apply.
    assert "batch-request-counts-nullable" not in skipped, old_build.stderr
    skip_lines = [line for line in old_build.stderr.splitlines() if line.startswith("build_spec: skipped")]
    assert all(pipeline.OLD_UPSTREAM.name in line for line in skip_lines), old_build.stderr


@pytest.mark.slow
def test_old_generation_satisfies_the_old_spec(old_build: Build) -> None:
    problems = surface.check_generated_package(old_build.spec, old_build.package_root, surface.CONFIG)
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_hand_written_runtime_imports_exist_in_the_old_generation(old_build: Build) -> None:
    problems = surface.check_hand_written_imports(surface.HAND_WRITTEN, old_build.package_root, runtime_only=True)
    assert not problems, "the hand-written package imports, at import time, names the 2024 spec lacks:\n" + "\n".join(
        problems
    )


IMPORT_EVERYTHING = """
import importlib, json, pkgutil
import openai_batch_api
from openai_batch_api import client, errors, types
from openai_batch_api.api import batch, files
import openai_batch
modules = [openai_batch.__name__]
for info in pkgutil.walk_packages(openai_batch.__path__, "openai_batch."):
    if info.name.rsplit(".", 1)[-1] != "__main__":
        importlib.import_module(info.name)
        modules.append(info.name)
print(json.dumps({"openai_batch_api": openai_batch_api.__file__, "openai_batch": openai_batch.__file__, "modules": modules}))
"""


@pytest.mark.slow
def test_hand_written_package_imports_against_the_old_generation(old_build: Build) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(old_build.package_root), str(surface.HAND_WRITTEN.parent)])}
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", IMPORT_EVERYTHING],
        capture_output=True,
        text=True,
        env=env,
        cwd=old_build.package_root,
        timeout=pipeline.TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert Path(loaded["openai_batch_api"]).is_relative_to(old_build.package_root), loaded
    assert Path(loaded["openai_batch"]).is_relative_to(surface.HAND_WRITTEN), loaded


TYPED_RESPONSES_BODY = """
import json
from openai_batch.workflow import BatchResult, Outcome
from openai_batch.workflow._typed import typed_results
item = next(typed_results([BatchResult("r-1", Outcome.SUCCEEDED, 200, {"id": "resp_1"})], "/v1/responses"))
print(json.dumps({"custom_id": item.problem.custom_id, "kind": item.problem.kind.value}))
"""


@pytest.mark.slow
def test_a_result_schema_the_old_spec_lacks_is_listed_and_its_bodies_reported(old_build: Build) -> None:
    assert re.search(r"^build_spec: skipped result schema Response \(absent upstream\)", old_build.stderr, re.M)
    models = old_build.package_root / "openai_batch_api" / "models"
    assert (models / "create_chat_completion_response.py").exists()
    assert not (models / "response.py").exists()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(old_build.package_root), str(surface.HAND_WRITTEN.parent)])}
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", TYPED_RESPONSES_BODY],
        capture_output=True,
        text=True,
        env=env,
        cwd=old_build.package_root,
        timeout=pipeline.TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"custom_id": "r-1", "kind": "no_model"}
