"""Provider profiles applied by the client: URL, path style, api-version, auth, normalisation, budget, key safety."""

from __future__ import annotations

import logging
import pickle
import traceback
from pathlib import Path
from typing import Any

import httpx
import pytest
from openai_batch import APIStatusError, BatchClient, ConfigurationError
from openai_batch.providers import get_profile, load_profiles

from tests.behaviour.client_fakes import NOW, batch_json, file_json, harness

AZURE_KEY = "azure-key-SECRET-7d1e3f9a0b"
TOKEN = "entra-token-SECRET-c0ffee1234"
ENDPOINT = "https://res.openai.azure.com"
ENV = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "AZURE_OPENAI_ENDPOINT",
    "AZURE_OPENAI_API_KEY",
    "OPENAI_API_VERSION",
    "GROQ_API_KEY",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def azure_env(monkeypatch: pytest.MonkeyPatch, version: str | None = "2024-10-21") -> None:
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", ENDPOINT)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", AZURE_KEY)
    if version is not None:
        monkeypatch.setenv("OPENAI_API_VERSION", version)


def quirky_batch(**fields: Any) -> dict[str, Any]:
    """A batch as Azure sends it: capitalised status, ISO stamps, empty file ids, null counts."""
    data = batch_json(
        status="Validating",
        created_at="2023-11-14T22:13:20Z",
        output_file_id="",
        error_file_id="",
        request_counts=None,
        endpoint=None,
    )
    data.update(fields)
    return data


class Recorder:
    def __init__(self, answer: Any) -> None:
        self.seen: list[httpx.Request] = []
        self.answer = answer

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        return self.answer(request) if callable(self.answer) else self.answer


@pytest.mark.anyio
async def test_azure_legacy_path_carries_the_api_version_and_the_api_key_header(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    azure_env(monkeypatch)
    rec = Recorder(httpx.Response(200, json=batch_json()))
    async with harness(mode, rec, api_key=None, provider="azure") as h:
        await h.call(h.client.batches.retrieve("batch_1"))
    request = rec.seen[0]
    assert str(request.url) == f"{ENDPOINT}/openai/batches/batch_1?api-version=2024-10-21"
    assert request.headers["api-key"] == AZURE_KEY
    assert "authorization" not in request.headers


@pytest.mark.anyio
async def test_azure_v1_path_has_no_api_version(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    azure_env(monkeypatch, version=None)
    rec = Recorder(httpx.Response(200, json=batch_json()))
    async with harness(mode, rec, api_key=None, provider="azure") as h:
        await h.call(h.client.batches.retrieve("batch_1"))
    assert str(rec.seen[0].url) == f"{ENDPOINT}/openai/v1/batches/batch_1"


def test_the_api_version_is_sent_exactly_as_given_and_the_style_is_kept() -> None:
    rec = Recorder(httpx.Response(200, json=batch_json()))
    with BatchClient(
        AZURE_KEY,
        provider="azure",
        endpoint=ENDPOINT,
        api_version="2025-04-01-preview",
        transport=httpx.MockTransport(rec),
    ) as client:
        client.batches.retrieve("batch_1")
        assert client.api_version == "2025-04-01-preview"
    assert rec.seen[0].url.params["api-version"] == "2025-04-01-preview"
    assert rec.seen[0].url.path == "/openai/batches/batch_1"


def test_a_base_url_names_its_path_style() -> None:
    rec = Recorder(httpx.Response(200, json=batch_json()))
    with BatchClient(
        AZURE_KEY, provider="azure", base_url=f"{ENDPOINT}/openai/v1/", transport=httpx.MockTransport(rec)
    ) as client:
        client.batches.retrieve("batch_1")
    assert str(rec.seen[0].url) == f"{ENDPOINT}/openai/v1/batches/batch_1"


def test_style_and_version_that_disagree_are_refused_never_switched(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError, match=r"no dated api-version.*2024-10-21"):
        BatchClient(AZURE_KEY, provider="azure", endpoint=ENDPOINT, path_style="v1", api_version="2024-10-21")
    with pytest.raises(ConfigurationError, match=r"needs an api-version.*OPENAI_API_VERSION"):
        BatchClient(AZURE_KEY, provider="azure", endpoint=ENDPOINT, path_style="legacy")
    with pytest.raises(ConfigurationError, match=r"no path style 'v2'.*legacy, v1"):
        BatchClient(AZURE_KEY, provider="azure", endpoint=ENDPOINT, path_style="v2")
    with pytest.raises(ConfigurationError, match=r"No endpoint.*AZURE_OPENAI_ENDPOINT"):
        BatchClient(AZURE_KEY, provider="azure")
    with pytest.raises(ConfigurationError, match="AZURE_OPENAI_API_KEY"):
        BatchClient(provider="azure", endpoint=ENDPOINT)


@pytest.mark.parametrize("provider", ["azure", "groq", "openai"])
def test_plain_http_is_refused_for_every_provider(provider: str) -> None:
    options: dict[str, Any] = {"base_url": "http://llm.example.com/openai/v1"}
    with pytest.raises(ConfigurationError, match="plain http") as caught:
        BatchClient(AZURE_KEY, provider=provider, **options)
    assert AZURE_KEY not in str(caught.value)


@pytest.mark.anyio
async def test_azure_quirks_are_normalised_before_the_models_parse(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    azure_env(monkeypatch)
    listed = {"object": "list", "data": [quirky_batch(status="InProgress")], "has_more": False}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/batches"):
            return httpx.Response(200, json=listed)
        return httpx.Response(200, json=quirky_batch())

    async with harness(mode, Recorder(answer), api_key=None, provider="azure") as h:
        batch = await h.call(h.client.batches.retrieve("batch_1"))
        items = await h.collect(h.client.batches.list())
    assert batch.status == "validating"
    assert batch.created_at == int(NOW)
    assert batch.output_file_id is None and batch.error_file_id is None
    assert batch.endpoint == ""
    assert not hasattr(batch.request_counts, "total")  # not stated: absent, never zeros
    assert [item.status for item in items] == ["in_progress"]


def test_openai_answers_are_not_loosened() -> None:
    # The same quirky body from OpenAI passes through untouched: the models stay strict there.
    rec = Recorder(httpx.Response(200, json=quirky_batch()))
    with BatchClient("sk-test-key-123456", transport=httpx.MockTransport(rec)) as client:
        batch = client.batches.retrieve("batch_1")
    assert batch.status == "Validating"
    assert batch.created_at == "2023-11-14T22:13:20Z"


@pytest.mark.anyio
async def test_legacy_creates_answer_201_with_a_location_and_state_the_queue_budget(
    mode: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    azure_env(monkeypatch)
    source = tmp_path / "in.jsonl"
    source.write_text('{"custom_id": "a"}\n')

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/openai/files":
            return httpx.Response(
                201,
                json=file_json("file-9", status="pending", created_at="2023-11-14T22:13:20+00:00"),
                headers={"Location": f"{ENDPOINT}/openai/files/file-9?api-version=2024-10-21"},
            )
        return httpx.Response(
            201,
            json=quirky_batch(id="batch_9", model="gpt-4o-batch"),
            headers={"deployment-enqueued-tokens": "1200", "deployment-maximum-enqueued-tokens": "50000"},
        )

    rec = Recorder(answer)
    async with harness(mode, rec, api_key=None, provider="azure") as h:
        uploaded = await h.call(h.client.files.create(file=source, purpose="batch"))
        batch = await h.call(
            h.client.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h")
        )
        budget = h.client.stated_queue_budget(batch_id="batch_9")
        by_model = h.client.stated_queue_budget(model="gpt-4o-batch")
        latest = h.client.stated_queue_budget()
    assert uploaded.id == "file-9" and uploaded.created_at == int(NOW)
    assert batch.id == "batch_9" and batch.status == "validating"
    assert budget is not None and budget == by_model == latest
    assert (budget.enqueued_tokens, budget.maximum_enqueued_tokens, budget.available_tokens) == (1200, 50000, 48800)
    assert [r.url.params["api-version"] for r in rec.seen] == ["2024-10-21", "2024-10-21"]


def test_no_budget_stated_is_none_and_a_model_can_be_named_later(monkeypatch: pytest.MonkeyPatch) -> None:
    azure_env(monkeypatch)

    def answer(request: httpx.Request) -> httpx.Response:
        headers = {"deployment-maximum-enqueued-tokens": "9000"} if request.method == "POST" else {}
        return httpx.Response(201 if request.method == "POST" else 200, json=batch_json("batch_2"), headers=headers)

    with BatchClient(provider="azure", transport=httpx.MockTransport(answer)) as client:
        assert client.stated_queue_budget() is None
        client.batches.create(input_file_id="file-1", endpoint="/v1/chat/completions", completion_window="24h")
        client.note_batch_model("batch_2", "dep-a")
        budget = client.stated_queue_budget(model="dep-a")
    assert budget is not None and budget.maximum_enqueued_tokens == 9000 and budget.enqueued_tokens is None
    assert budget.available_tokens is None  # half a statement is not a budget


def test_legacy_file_content_is_streamed_untouched(monkeypatch: pytest.MonkeyPatch) -> None:
    azure_env(monkeypatch)
    body = b'{"custom_id": "a", "response": {"status_code": 200}}\n'
    rec = Recorder(httpx.Response(200, content=body, headers={"content-type": "application/octet-stream"}))
    with BatchClient(provider="azure", transport=httpx.MockTransport(rec)) as client:
        data = client.files.content("file-1").read()
    assert data == body
    assert str(rec.seen[0].url) == f"{ENDPOINT}/openai/files/file-1/content?api-version=2024-10-21"


@pytest.mark.anyio
async def test_a_token_provider_is_asked_per_request_and_its_token_never_leaks(
    mode: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", ENDPOINT)
    issued: list[str] = []

    def provider() -> str:
        issued.append(f"{TOKEN}-{len(issued)}")
        return issued[-1]

    def answer(request: httpx.Request) -> httpx.Response:
        if len(issued) == 1:
            return httpx.Response(200, json=batch_json())
        # A proxy that echoes the credential back in its error body.
        return httpx.Response(403, json={"error": {"message": f"bad token {request.headers['authorization']}"}})

    rec = Recorder(answer)
    caplog.set_level(logging.DEBUG, logger="openai_batch")
    async with harness(mode, rec, api_key=None, provider="azure", azure_ad_token_provider=provider) as h:
        await h.call(h.client.batches.retrieve("batch_1"))
        with pytest.raises(APIStatusError) as caught:
            await h.call(h.client.batches.retrieve("batch_1"))
        shown = repr(h.client)
    assert [r.headers["authorization"] for r in rec.seen] == [f"Bearer {issued[0]}", f"Bearer {issued[1]}"]
    assert all("api-key" not in r.headers for r in rec.seen)
    error = caught.value
    texts = [
        str(error),
        repr(error),
        "".join(traceback.format_exception(error)),
        pickle.dumps(error).decode("latin-1"),
        shown,
        caplog.text,
        str(error.response.request.headers) if error.response is not None else "",
        error.response.text if error.response is not None else "",
    ]
    for text in texts:
        assert TOKEN not in text


@pytest.mark.anyio
async def test_the_async_client_awaits_an_async_token_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", ENDPOINT)

    async def provider() -> str:
        return TOKEN

    rec = Recorder(httpx.Response(200, json=batch_json()))
    async with harness("async", rec, api_key=None, provider="azure", azure_ad_token_provider=provider) as h:
        await h.call(h.client.batches.retrieve("batch_1"))
    assert rec.seen[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_a_key_and_a_token_provider_together_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="either an API key or a token provider"):
        BatchClient(AZURE_KEY, provider="azure", endpoint=ENDPOINT, azure_ad_token_provider=lambda: TOKEN)
    with pytest.raises(ConfigurationError, match="takes no token provider"):
        BatchClient(provider="groq", azure_ad_token_provider=lambda: TOKEN)


@pytest.mark.anyio
async def test_the_api_key_header_never_leaks(
    mode: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    azure_env(monkeypatch)
    rec = Recorder(
        lambda request: httpx.Response(401, json={"error": {"message": f"key {request.headers['api-key']} denied"}})
    )
    caplog.set_level(logging.DEBUG, logger="openai_batch")
    async with harness(mode, rec, api_key=None, provider="azure", max_retries=0) as h:
        with pytest.raises(APIStatusError) as caught:
            await h.call(h.client.batches.retrieve("batch_1"))
        shown = repr(h.client)
    error = caught.value
    assert rec.seen[0].headers["api-key"] == AZURE_KEY
    for text in (
        str(error),
        repr(error),
        "".join(traceback.format_exception(error)),
        pickle.dumps(error).decode("latin-1"),
        shown,
        caplog.text,
    ):
        assert AZURE_KEY not in text
    assert "provider='azure'" in shown


def test_groq_uses_its_prefix_and_its_key_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GROQ_API_KEY", "gsk-test-SECRET-123456")
    rec = Recorder(httpx.Response(200, json=batch_json()))
    with BatchClient(provider="groq", transport=httpx.MockTransport(rec)) as client:
        client.batches.retrieve("batch_1")
        assert client.provider is not None and client.provider.name == "groq"
    assert str(rec.seen[0].url) == "https://api.groq.com/openai/v1/batches/batch_1"
    assert rec.seen[0].headers["authorization"] == "Bearer gsk-test-SECRET-123456"


def test_a_user_profile_file_adds_a_provider(tmp_path: Path) -> None:
    path = tmp_path / "providers.toml"
    path.write_text(
        '[proxy]\ntitle = "Internal gateway"\nendpoint = "https://llm.internal"\nkey_env = ["PROXY_KEY"]\n'
        'completion_windows = ["24h", "48h"]\n[proxy.auth]\nheader = "x-api-key"\nformat = "{token}"\n'
        '[proxy.limits]\nmax_requests = 10\n[proxy.path_styles.v1]\nbase_path = "/batch/v1"\n'
    )
    profiles = load_profiles(path)
    assert "azure" in profiles  # the shipped ones stay
    proxy = profiles["proxy"]
    assert (proxy.limits.max_requests, proxy.limits.max_bytes) == (10, 209_715_200)
    rec = Recorder(httpx.Response(200, json=batch_json()))
    with BatchClient("proxy-key-123456789", provider=proxy, transport=httpx.MockTransport(rec)) as client:
        client.batches.retrieve("batch_1")
    assert str(rec.seen[0].url) == "https://llm.internal/batch/v1/batches/batch_1"
    assert rec.seen[0].headers["x-api-key"] == "proxy-key-123456789"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[bad\n", "not valid TOML"),
        ("name = 1\n", "'name' must be a table"),
        ('[p]\ndefault_path_style = "x"\n[p.path_styles.v1]\nbase_path = "/v1"\n', r"\[p\]: .*default_path_style 'x'"),
        ('[p]\nnormalise = ["guess"]\n[p.path_styles.v1]\nbase_path = "/v1"\n', r"\[p\]: .*unknown normalise rule"),
        ('[p]\n[p.limits]\nmax_requests = 0\n[p.path_styles.v1]\nbase_path = "/v1"\n', r"\[p\]: .*max_requests"),
        ('[p]\n[p.path_styles.v1]\nbase_path = "/v1"\napi_version = "maybe"\n', r"\[p\]: .*api_version must be"),
        ('[p]\n[p.auth]\nheadr = "x"\n[p.path_styles.v1]\nbase_path = "/v1"\n', r"\[p\]: .*headr"),
    ],
)
def test_a_bad_profile_file_names_the_file_and_the_provider(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigurationError, match=message) as caught:
        load_profiles(path)
    assert str(path) in str(caught.value)


def test_an_unknown_provider_names_the_known_ones() -> None:
    with pytest.raises(ConfigurationError, match=r"unknown provider 'nope'.*azure.*groq"):
        get_profile("nope")
