"""A job's identity names the service: the provider, and on Azure the deployment; OpenAI ids are unchanged."""

from __future__ import annotations

import pytest
from openai_batch import BatchClient
from openai_batch.workflow._identity import JobDefinition, client_origin

AZURE = {"provider": "azure", "endpoint": "https://res.openai.azure.com", "api_version": "2024-10-21"}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID", "OPENAI_API_VERSION"):
        monkeypatch.delenv(name, raising=False)


def definition(origin: dict[str, str | None]) -> JobDefinition:
    return JobDefinition(
        input_sha256="0" * 64,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        origin=origin,
        limits={"max_requests": 10},
        metadata={},
    )


def test_openai_origin_is_what_it_always_was() -> None:
    with BatchClient("sk-test-key-0123456789") as client:
        origin = client_origin(client, deployment="gpt-4o-mini")
    assert origin == {"base_url": "https://api.openai.com/v1", "organization": None, "project": None}


def test_the_provider_and_the_deployment_are_part_of_the_identity() -> None:
    with BatchClient("azure-key-0123456789", **AZURE) as client:
        plain = client_origin(client)
        first = client_origin(client, deployment="gpt-4o-batch")
        second = client_origin(client, deployment="gpt-4.1-batch")
    assert plain["provider"] == "azure" and "deployment" not in plain
    assert first["deployment"] == "gpt-4o-batch"
    ids = {definition(origin).job_id for origin in (plain, first, second)}
    assert len(ids) == 3


def test_two_providers_on_the_same_base_url_are_two_jobs() -> None:
    url = "https://gateway.example.com/openai/v1"
    with (
        BatchClient("key-0123456789", base_url=url) as openai,
        BatchClient("key-0123456789", base_url=url, provider="groq") as groq,
    ):
        assert definition(client_origin(openai)).job_id != definition(client_origin(groq)).job_id
