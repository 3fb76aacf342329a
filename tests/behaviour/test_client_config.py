"""Configuration and auth: key, base URL and headers from arguments or environment; http refusal."""

from __future__ import annotations

import io

import httpx
import pytest
from openai_batch import AsyncBatchClient, BatchClient, ConfigurationError
from openai_batch._config import is_loopback_host

from tests.behaviour.client_fakes import KEY, FakeAPI, batch_json, harness

ENV = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID")


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


def recording() -> tuple[list[httpx.Request], httpx.MockTransport]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=batch_json())

    return seen, httpx.MockTransport(handler)


CLIENTS = [BatchClient, AsyncBatchClient]


@pytest.mark.parametrize("cls", CLIENTS)
def test_no_key_is_a_configuration_error(cls: type[BatchClient]) -> None:
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY"):
        cls()
    with pytest.raises(ConfigurationError):
        cls("   ")


@pytest.mark.anyio
async def test_key_from_environment_and_argument_wins(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authorization"])
        return httpx.Response(200, json=batch_json())

    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    async with harness(mode, handler, api_key=None) as h:
        await h.call(h.client.batches.retrieve("batch_1"))
    async with harness(mode, handler, api_key="sk-from-arg") as h:
        await h.call(h.client.batches.retrieve("batch_1"))
    assert seen == ["Bearer sk-from-env", "Bearer sk-from-arg"]


@pytest.mark.anyio
async def test_base_url_default_env_and_argument(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json=batch_json())

    async with harness(mode, handler) as h:
        await h.call(h.client.batches.retrieve("batch_1"))
        assert h.client.base_url == "https://api.openai.com/v1"
    monkeypatch.setenv("OPENAI_BASE_URL", "https://proxy.example/openai/v1/")
    async with harness(mode, handler) as h:
        await h.call(h.client.batches.retrieve("batch_1"))
    async with harness(mode, handler, base_url="http://127.0.0.1:8123") as h:
        await h.call(h.client.batches.retrieve("batch_1"))
    assert seen == [
        "https://api.openai.com/v1/batches/batch_1",
        "https://proxy.example/openai/v1/batches/batch_1",
        "http://127.0.0.1:8123/batches/batch_1",
    ]


@pytest.mark.anyio
async def test_organization_and_project_headers(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[httpx.Headers] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        return httpx.Response(200, json=batch_json())

    async with harness(mode, handler) as h:
        await h.call(h.client.batches.retrieve("batch_1"))
    monkeypatch.setenv("OPENAI_ORG_ID", "org-env")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-env")
    async with harness(mode, handler) as h:
        await h.call(h.client.batches.retrieve("batch_1"))
    async with harness(mode, handler, organization="org-arg", project="proj-arg") as h:
        await h.call(h.client.batches.retrieve("batch_1"))
        assert (h.client.organization, h.client.project) == ("org-arg", "proj-arg")
    assert "openai-organization" not in seen[0] and "openai-project" not in seen[0]
    assert (seen[1]["openai-organization"], seen[1]["openai-project"]) == ("org-env", "proj-env")
    assert (seen[2]["openai-organization"], seen[2]["openai-project"]) == ("org-arg", "proj-arg")


@pytest.mark.anyio
async def test_every_route_carries_the_bearer_key(mode: str) -> None:
    # Generated endpoint functions and hand-written calls (upload, download) alike.
    api = FakeAPI()
    async with harness(mode, api.handler) as h:
        c = h.client
        uploaded = await h.call(c.files.create(file=io.BytesIO(b"{}\n"), purpose="batch"))
        await h.call(c.files.retrieve(uploaded.id))
        await h.collect(c.files.list())
        await h.lines(c.files.content(uploaded.id))
        batch = await h.call(c.batches.create(input_file_id=uploaded.id, endpoint="/v1/embeddings"))
        await h.call(c.batches.retrieve(batch.id))
        await h.call(c.batches.cancel(batch.id))
        await h.collect(c.batches.list())
        await h.call(c.files.delete(uploaded.id))
    assert len(api.requests) == 9
    assert {r.headers["authorization"] for r in api.requests} == {f"Bearer {KEY}"}


@pytest.mark.parametrize("cls", CLIENTS)
@pytest.mark.parametrize(
    "url", ["http://api.example.com/v1", "http://10.0.0.5:8000", "http://[2001:db8::1]/v1", "http://127.example.com"]
)
def test_plain_http_to_a_remote_host_is_refused(cls: type[BatchClient], url: str) -> None:
    with pytest.raises(ConfigurationError, match="plain http") as caught:
        cls(KEY, base_url=url)
    assert KEY not in str(caught.value)


@pytest.mark.parametrize("cls", CLIENTS)
def test_plain_http_from_the_environment_is_refused_too(
    cls: type[BatchClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://api.example.com/v1")
    with pytest.raises(ConfigurationError, match="plain http"):
        cls(KEY)


@pytest.mark.anyio
@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9000", "http://127.5.6.7", "http://localhost:8000/v1", "http://[::1]:8000"]
)
async def test_plain_http_to_loopback_is_allowed(mode: str, url: str) -> None:
    seen, transport = recording()
    async with harness(mode, transport.handler, base_url=url) as h:  # type: ignore[arg-type]
        await h.call(h.client.batches.retrieve("batch_1"))
    assert seen[0].url.scheme == "http"


@pytest.mark.anyio
async def test_allow_insecure_http_opts_in(mode: str) -> None:
    seen, transport = recording()
    async with harness(mode, transport.handler, base_url="http://batch.internal", allow_insecure_http=True) as h:  # type: ignore[arg-type]
        await h.call(h.client.batches.retrieve("batch_1"))
    assert str(seen[0].url) == "http://batch.internal/batches/batch_1"


@pytest.mark.parametrize("url", ["ftp://example.com", "not a url", "https://"])
def test_unusable_base_url_is_a_configuration_error(url: str) -> None:
    with pytest.raises(ConfigurationError, match="base_url"):
        BatchClient(KEY, base_url=url)


def test_loopback_detection() -> None:
    assert is_loopback_host("127.0.0.1")
    assert is_loopback_host("127.255.0.9")
    assert is_loopback_host("::1")
    assert is_loopback_host("[::1]")
    assert is_loopback_host("LOCALHOST")
    assert not is_loopback_host("10.0.0.1")
    assert not is_loopback_host("localhost.example.com")
    assert not is_loopback_host("0.0.0.0")


@pytest.mark.parametrize("cls", CLIENTS)
def test_client_exposes_its_settings(cls: type[BatchClient]) -> None:
    _, transport = recording()
    client = cls(KEY, timeout=12.0, max_retries=5, transport=transport)
    assert client.max_retries == 5
    assert client.timeout == httpx.Timeout(12.0, connect=5.0)
    assert repr(client) == (
        f"{cls.__name__}(base_url='https://api.openai.com/v1', organization=None, project=None, max_retries=5)"
    )


def test_sync_context_manager_closes_the_transport() -> None:
    closed: list[bool] = []

    class Transport(httpx.MockTransport):
        def close(self) -> None:
            closed.append(True)

    with BatchClient(KEY, transport=Transport(lambda r: httpx.Response(200, json=batch_json()))) as client:
        assert client.batches.retrieve("batch_1").id == "batch_1"
        assert closed == []
    assert closed == [True]


@pytest.mark.anyio
async def test_async_context_manager_closes_the_transport() -> None:
    closed: list[bool] = []

    class Transport(httpx.MockTransport):
        async def aclose(self) -> None:
            closed.append(True)

    async with AsyncBatchClient(KEY, transport=Transport(lambda r: httpx.Response(200, json=batch_json()))) as client:
        assert (await client.batches.retrieve("batch_1")).id == "batch_1"
        assert closed == []
    assert closed == [True]


def test_one_httpx_client_is_reused_across_calls() -> None:
    connections: set[int] = set()
    seen, transport = recording()
    with BatchClient(KEY, transport=transport) as client:
        http = client._runtime.http
        for _ in range(3):
            client.batches.retrieve("batch_1")
            connections.add(id(client._runtime.http))
    assert connections == {id(http)}
    assert len(seen) == 3
