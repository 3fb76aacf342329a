"""The validator reads the provider's rules: endpoints, one deployment per file, limits (overridable), and refuses a BOM."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from openai_batch import BatchClient
from openai_batch.providers import get_profile
from openai_batch.workflow import BatchLimits, InputValidationError, limits_for, upload_batch_file, validate_input_file


def write(path: Path, models: list[str], url: str = "/v1/chat/completions", bom: bool = False) -> Path:
    # An embeddings line carries its input, a chat line its messages (each is refused without).
    extra: dict[str, object] = {"input": "text"} if url.endswith("/embeddings") else {"messages": []}
    lines = [
        json.dumps({"custom_id": f"r{i}", "method": "POST", "url": url, "body": {"model": model, **extra}})
        for i, model in enumerate(models)
    ]
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def codes(report: object) -> list[tuple[int, str]]:
    return [(p.line, p.code) for p in report.problems]  # type: ignore[attr-defined]


def test_azure_refuses_two_deployments_in_one_file_and_names_the_line(tmp_path: Path) -> None:
    src = write(tmp_path / "in.jsonl", ["gpt-4o-batch", "gpt-4o-batch", "gpt-4.1-batch"])
    report = validate_input_file(src, profile=get_profile("azure"))
    assert codes(report) == [(3, "model_mismatch")]
    assert "one deployment" in report.problems[0].message and "line 1" in report.problems[0].message


def test_a_service_that_mixes_models_accepts_them(tmp_path: Path) -> None:
    src = write(tmp_path / "in.jsonl", ["llama-3-8b", "qwen-72b"])
    assert validate_input_file(src, profile=get_profile("parasail")).ok
    assert codes(validate_input_file(src)) == [(2, "model_mismatch")]  # OpenAI: one model


def test_a_utf8_bom_is_refused_with_a_clear_message_and_the_rest_still_checked(tmp_path: Path) -> None:
    src = write(tmp_path / "in.jsonl", ["gpt-4o-batch", "other"], bom=True)
    report = validate_input_file(src, profile=get_profile("azure"))
    assert codes(report) == [(1, "utf8_bom"), (2, "model_mismatch")]
    assert "byte order mark" in report.problems[0].message
    assert codes(validate_input_file(write(tmp_path / "b.jsonl", ["m"], bom=True))) == [(1, "utf8_bom")]


def test_endpoints_come_from_the_profile(tmp_path: Path) -> None:
    src = write(tmp_path / "in.jsonl", ["text-embedding-3-small"], url="/v1/embeddings")
    report = validate_input_file(src, profile=get_profile("groq"))
    assert codes(report) == [(1, "invalid_url")]
    assert "Groq" in report.problems[0].message
    bad = validate_input_file(src, endpoint="/v1/embeddings", profile=get_profile("groq"))
    assert (0, "invalid_endpoint") in codes(bad)
    assert validate_input_file(src, profile=get_profile("azure")).ok


def test_limits_come_from_the_profile_and_an_explicit_limit_wins(tmp_path: Path) -> None:
    src = write(tmp_path / "in.jsonl", ["m"] * 3)
    groq = get_profile("groq")
    assert limits_for(groq).max_bytes == 100 * 1024 * 1024
    assert limits_for(get_profile("nebius")).max_requests == 5_000_000
    assert limits_for(groq, max_requests=2, max_bytes=None) == BatchLimits(
        max_requests=2, max_bytes=groq.limits.max_bytes, max_embedding_inputs=groq.limits.max_embedding_inputs
    )
    report = validate_input_file(src, profile=groq, limits=limits_for(groq, max_requests=2))
    assert codes(report) == [(3, "too_many_requests")]
    assert validate_input_file(src, profile=groq).ok


def test_upload_batch_file_applies_the_clients_provider_and_sends_nothing_bad(tmp_path: Path) -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500)

    src = write(tmp_path / "in.jsonl", ["dep-a", "dep-b"], bom=True)
    options = {"endpoint": "https://res.openai.azure.com", "api_version": "2024-10-21"}
    with BatchClient("azure-key-0123456789", provider="azure", transport=httpx.MockTransport(handler), **options) as c:
        with pytest.raises(InputValidationError) as caught:
            upload_batch_file(c, src)
    assert [(p.line, p.code) for p in caught.value.report.problems] == [(1, "utf8_bom"), (2, "model_mismatch")]
    assert sent == []
