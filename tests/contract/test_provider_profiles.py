"""Each shipped provider profile is well formed, and Azure's against Azure's own spec.

The Azure Files slice (tests/fixtures/azure/azure-v1-files-slice.yaml, from Azure/azure-rest-api-specs)
fixes what the profile claims: the v1 path, the key header, the Entra scope, an api-version that is
never a date on v1. Answers with Azure's quirks, once the profile's normalisation ran, must match
Azure's file schema and OpenAI's batch schema (openapi.yaml), and parse with the generated models,
while the raw answers must not (so the check bites).
"""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from openai_batch.providers import RULES, get_profile, is_dated_version, normalise_body, shipped_profiles
from openai_batch.workflow._limits import BATCH_ENDPOINTS
from openai_batch_api.models import Batch, OpenAIFile
from openapi_schema_validator import OAS30Validator, OAS31Validator

ROOT = Path(__file__).resolve().parents[2]
AZURE = ROOT / "tests" / "fixtures" / "azure"
SHIPPED_NAMES = sorted(shipped_profiles())


def load_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def azure_spec() -> dict[str, Any]:
    return load_yaml(AZURE / "azure-v1-files-slice.yaml")


@pytest.fixture(scope="module")
def openai_spec() -> dict[str, Any]:
    return load_yaml(ROOT / "openapi.yaml")


@pytest.fixture(scope="module")
def answers() -> dict[str, Any]:
    data = json.loads((AZURE / "quirky-answers.json").read_text())
    assert isinstance(data, dict)
    return data


def errors(spec: dict[str, Any], name: str, instance: Any, validator: type[jsonschema.Validator]) -> list[str]:
    schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    return [error.message for error in validator(schema).iter_errors(instance)]


# Azure answers ``status_details: null`` (its batch how-to shows it) although its own schema says
# string; the generated models accept null. The only mismatch tolerated, and named.
KNOWN_AZURE_MISMATCH = ("None for not nullable", "None is not of type 'string'")


def azure_file_errors(spec: dict[str, Any], name: str, instance: Any) -> list[str]:
    return [e for e in errors(spec, name, instance, OAS30Validator) if e not in KNOWN_AZURE_MISMATCH]


def azure_normalised(body: Any) -> Any:
    return normalise_body(copy.deepcopy(body), get_profile("azure").normalise)


@pytest.mark.parametrize("name", SHIPPED_NAMES)
def test_every_shipped_profile_is_well_formed(name: str) -> None:
    profile = get_profile(name)
    assert profile.name == name and profile.title and profile.docs and profile.docs.startswith("https://")
    assert profile.default_path_style in profile.path_styles
    for style in profile.path_styles.values():
        assert style.base_path.startswith("/") and not style.base_path.endswith("/")
        assert style.created_status in (200, 201)
    assert profile.completion_windows and all(re.fullmatch(r"[1-9][0-9]*[hd]", w) for w in profile.completion_windows)
    assert profile.endpoints is None or profile.endpoints <= BATCH_ENDPOINTS
    assert min(profile.limits.max_requests, profile.limits.max_bytes, profile.limits.max_embedding_inputs) > 0
    assert set(profile.normalise) <= set(RULES)
    assert profile.key_env, "a profile names where its key comes from"
    assert profile.endpoint is not None or profile.endpoint_env is not None
    if profile.endpoint is not None:
        assert profile.endpoint.startswith("https://") and profile.endpoint.count("/") == 2


def test_the_azure_profile_says_what_azures_spec_says(azure_spec: dict[str, Any]) -> None:
    azure = get_profile("azure")
    [server] = azure_spec["servers"]
    assert server["url"] == "{endpoint}" + azure.path_styles["v1"].base_path
    schemes = azure_spec["components"]["securitySchemes"]
    assert schemes["ApiKeyAuth"]["name"] == azure.auth.header
    assert schemes["ApiKeyAuth_"]["name"].lower() == (azure.auth.token_header or "").lower()
    assert list(schemes["OAuth2Auth"]["flows"]["implicit"]["scopes"]) == [azure.auth.token_scope]
    versions = azure_spec["components"]["schemas"]["AzureAIFoundryModelsApiVersion"]["enum"]
    assert azure.path_styles["v1"].api_version == "undated"
    assert not any(is_dated_version(v) for v in versions)
    assert azure.path_styles["legacy"].api_version == "required"


def test_azure_file_answers_match_azures_schema_only_once_normalised(
    azure_spec: dict[str, Any], answers: dict[str, Any]
) -> None:
    for raw in answers["files"]:
        assert azure_file_errors(azure_spec, "AzureOpenAIFile", raw), "the quirky sample must fail as sent"
        fixed = azure_normalised(raw)
        assert azure_file_errors(azure_spec, "AzureOpenAIFile", fixed) == []
        parsed = OpenAIFile.from_dict(fixed)
        assert isinstance(parsed.created_at, int)
    listed = azure_normalised(answers["file_list"])
    assert azure_file_errors(azure_spec, "AzureListFilesResponse", answers["file_list"])
    assert azure_file_errors(azure_spec, "AzureListFilesResponse", listed) == []


def test_every_azure_file_status_passes_through_unchanged(azure_spec: dict[str, Any]) -> None:
    statuses = azure_spec["components"]["schemas"]["AzureOpenAIFile"]["properties"]["status"]["enum"]
    for status in statuses:
        body = {"object": "file", "id": "f", "status": status, "created_at": 1}
        assert azure_normalised(body)["status"] == status


def test_azure_batch_answers_match_openais_batch_schema_once_normalised(
    openai_spec: dict[str, Any], answers: dict[str, Any]
) -> None:
    for raw in answers["batches"]:
        assert errors(openai_spec, "Batch", raw, OAS31Validator), "the quirky sample must fail as sent"
        fixed = azure_normalised(raw)
        assert errors(openai_spec, "Batch", fixed, OAS31Validator) == []
        parsed = Batch.from_dict(fixed)
        assert isinstance(parsed.created_at, int)
        assert parsed.status in ("validating", "in_progress")


def test_blob_storage_batches_keep_their_blob_fields(answers: dict[str, Any]) -> None:
    blob = Batch.from_dict(azure_normalised(answers["batches"][1]))
    extra = blob.additional_properties
    assert extra["input_blob"].endswith("requests.jsonl")
    assert extra["output_folder"]["url"].endswith("/out/")
    assert {"output_blob", "error_blob"} <= set(extra)
    assert blob.in_progress_at == int(datetime(2024, 10, 21, 13, 55, tzinfo=UTC).timestamp())


def test_openai_profile_normalises_nothing(answers: dict[str, Any]) -> None:
    raw = answers["batches"][0]
    assert normalise_body(copy.deepcopy(raw), get_profile("openai").normalise) == raw
