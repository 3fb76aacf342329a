"""The API key never appears in a repr, str, log line, exception message or formatted traceback.

Pickles, chained causes, stack locals and echoing servers are checked on every error path in
`test_error_paths.py`.
"""

from __future__ import annotations

import io
import logging
import pickle
import traceback

import httpx
import pytest
from openai_batch import APIConnectionError, AsyncBatchClient, AuthenticationError, BatchClient, ConfigurationError
from openai_batch._auth import PLACEHOLDER_TOKEN, BearerAuth
from openai_batch._secret import Secret

from tests.behaviour.client_fakes import KEY, FakeAPI, batch_json, harness


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def everything_printed(exc: BaseException) -> str:
    """All a crash dump would show: str, repr, and the full formatted traceback with causes."""
    return "\n".join([str(exc), repr(exc), *traceback.format_exception(exc), repr(vars(exc))])


@pytest.mark.parametrize("cls", [BatchClient, AsyncBatchClient])
def test_reprs_never_show_the_key(cls: type[BatchClient]) -> None:
    client = cls(KEY, transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    runtime = client._runtime
    texts = [
        repr(client),
        str(client),
        repr(client._config),
        repr(runtime.generated),  # the generated attrs client holds only the placeholder token
        repr(runtime.http.auth),
        repr(vars(client)),
        repr(runtime.http.headers),
    ]
    for text in texts:
        assert KEY not in text
    assert runtime.generated.token == PLACEHOLDER_TOKEN
    assert "redacted" in repr(client._config.api_key)


def test_secret_and_auth_are_opaque() -> None:
    secret = Secret(KEY)
    assert KEY not in repr(secret) and KEY not in str(secret) and KEY not in f"{secret}"
    assert KEY not in repr(BearerAuth(secret))
    assert secret.reveal() == KEY
    assert secret.scrub(f"x {KEY} y {KEY}") == "x <redacted> y <redacted>"
    with pytest.raises(TypeError):
        pickle.dumps(secret)


@pytest.mark.anyio
async def test_httpx_error_quoting_the_key_is_scrubbed(mode: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(
            f"cannot connect to {request.url} with headers Authorization: Bearer {KEY}", request=request
        )

    async with harness(mode, handler) as h:
        with pytest.raises(APIConnectionError) as caught:
            await h.call(h.client.batches.retrieve("batch_1"))
    printed = everything_printed(caught.value)
    assert KEY not in printed
    assert "<redacted>" in str(caught.value)
    assert "api.openai.com" in str(caught.value)  # the useful part of the message survives
    assert caught.value.__cause__ is None and caught.value.__context__ is None  # nothing chained at all


@pytest.mark.anyio
async def test_server_echoing_the_key_is_scrubbed(mode: str) -> None:
    body = {"error": {"message": f"Incorrect API key provided: {KEY}", "code": KEY, "param": None, "type": "auth"}}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json=body)

    async with harness(mode, handler) as h:
        with pytest.raises(AuthenticationError) as caught:
            await h.call(h.client.batches.retrieve("batch_1"))
    error = caught.value
    assert KEY not in everything_printed(error)
    assert KEY not in repr(error.body)
    assert error.code == "<redacted>"
    assert error.message == "retrieveBatch: HTTP 401: Incorrect API key provided: <redacted>"


@pytest.mark.anyio
async def test_unknown_outcome_errors_are_scrubbed(mode: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout(f"read timed out; sent Bearer {KEY}", request=request)

    async with harness(mode, handler, max_retries=0) as h:
        with pytest.raises(APIConnectionError, match="outcome unknown") as caught:
            await h.call(h.client.batches.create(input_file_id="file-1", endpoint="/v1/embeddings"))
    assert KEY not in everything_printed(caught.value)


@pytest.mark.anyio
async def test_download_errors_are_scrubbed(mode: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"boom {KEY}", request=request)

    async with harness(mode, handler, max_retries=0) as h:
        with pytest.raises(APIConnectionError) as caught:
            await h.lines(h.client.files.content("file-1"))
    assert KEY not in everything_printed(caught.value)


@pytest.mark.anyio
async def test_debug_logs_redact_authorization(mode: str, caplog: pytest.LogCaptureFixture) -> None:
    api = FakeAPI()
    api.batches.append(batch_json("batch_1"))
    failed: list[bool] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if not failed:  # the first attempt fails with an error that quotes the header
            failed.append(True)
            raise httpx.ConnectError(f"refused; Authorization: Bearer {KEY}", request=request)
        return api.handler(request)

    with caplog.at_level(logging.DEBUG):
        async with harness(mode, handler) as h:
            await h.call(h.client.batches.retrieve("batch_1"))
            await h.call(h.client.files.create(file=io.BytesIO(b"{}\n"), purpose="batch"))
            await h.lines(h.client.files.content(api.files[0]["id"]))
    ours = [r for r in caplog.records if r.name == "openai_batch"]
    assert any("authorization" in r.getMessage().lower() for r in ours)  # the header is logged, redacted
    assert any("Retrying GET" in r.getMessage() for r in ours)
    assert any("<redacted>" in r.getMessage() for r in ours)
    assert KEY not in caplog.text
    for record in caplog.records:  # every logger, httpx's included
        assert KEY not in record.getMessage()


def test_configuration_errors_never_quote_the_key() -> None:
    with pytest.raises(ConfigurationError) as caught:
        BatchClient(KEY, base_url=f"http://remote.example/{KEY}")
    assert KEY not in everything_printed(caught.value)
