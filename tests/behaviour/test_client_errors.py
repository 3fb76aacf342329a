"""Errors: status -> class, the OpenAI error body, request ids, and never a silent None."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import httpx
import openai_batch
import pytest
from openai_batch import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    OpenAIBatchError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from openai_batch._exceptions import status_error_class

from tests.behaviour.client_fakes import Harness, batch_json, error_json, harness


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def answer(response: httpx.Response) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: response


STATUS_CLASSES = [
    (400, BadRequestError),
    (401, AuthenticationError),
    (403, PermissionDeniedError),
    (404, NotFoundError),
    (409, ConflictError),
    (422, UnprocessableEntityError),
    (429, RateLimitError),
    (500, InternalServerError),
    (503, InternalServerError),
    (402, APIStatusError),
    (418, APIStatusError),
]


@pytest.mark.parametrize(("code", "cls"), STATUS_CLASSES)
def test_status_error_class(code: int, cls: type[APIStatusError]) -> None:
    assert status_error_class(code) is cls


@pytest.mark.anyio
@pytest.mark.parametrize(("code", "cls"), STATUS_CLASSES)
async def test_each_status_raises_its_class_with_the_error_body(
    mode: str, code: int, cls: type[APIStatusError]
) -> None:
    body = {"error": {"message": "Bad thing", "type": "invalid_request_error", "param": "batch_id", "code": "bad"}}
    response = httpx.Response(code, json=body, headers={"x-request-id": "req_123"})
    async with harness(mode, answer(response), max_retries=0) as h:
        with pytest.raises(cls) as caught:
            await h.call(h.client.batches.retrieve("batch_1"))
    error = caught.value
    assert type(error) is cls
    assert error.status_code == code
    assert error.request_id == "req_123"
    assert error.body == body
    assert (error.code, error.param, error.type) == ("bad", "batch_id", "invalid_request_error")
    assert error.operation == "retrieveBatch"
    assert error.response.status_code == code
    assert str(error) == f"retrieveBatch: HTTP {code}: Bad thing (request id req_123)"
    assert error.message == str(error)


@pytest.mark.anyio
async def test_error_body_that_is_not_json_is_kept_as_text(mode: str) -> None:
    response = httpx.Response(502, text="<html>Bad Gateway</html>")
    async with harness(mode, answer(response), max_retries=0) as h:
        with pytest.raises(InternalServerError) as caught:
            await h.call(h.client.files.retrieve("file-1"))
    assert caught.value.body == "<html>Bad Gateway</html>"
    assert caught.value.code is None
    assert caught.value.request_id is None
    assert "<html>Bad Gateway</html>" in str(caught.value)


@pytest.mark.anyio
async def test_empty_error_body_uses_the_reason_phrase(mode: str) -> None:
    async with harness(mode, answer(httpx.Response(404)), max_retries=0) as h:
        with pytest.raises(NotFoundError, match="HTTP 404: Not Found"):
            await h.call(h.client.files.delete("file-1"))


@pytest.mark.anyio
async def test_nonstandard_5xx_status_maps_to_internal_server_error(mode: str) -> None:
    # The generated code fails on HTTPStatus(520) before it can report the status.
    response = httpx.Response(520, json=error_json("origin error"))
    async with harness(mode, answer(response), max_retries=0) as h:
        with pytest.raises(InternalServerError) as caught:
            await h.call(h.client.batches.retrieve("batch_1"))
    assert caught.value.status_code == 520


def _ops(h: Harness) -> dict[str, Callable[[], Any]]:
    c = h.client
    return {
        "retrieveBatch": lambda: c.batches.retrieve("batch_1"),
        "cancelBatch": lambda: c.batches.cancel("batch_1"),
        "createBatch": lambda: c.batches.create(input_file_id="file-1", endpoint="/v1/embeddings"),
        "listBatches": lambda: h.collect(c.batches.list()) if h.mode == "async" else list(c.batches.list()),
        "retrieveFile": lambda: c.files.retrieve("file-1"),
        "deleteFile": lambda: c.files.delete("file-1"),
        "listFiles": lambda: h.collect(c.files.list()) if h.mode == "async" else list(c.files.list()),
        "createFile": lambda: c.files.create(file=io.BytesIO(b"{}\n"), purpose="batch"),
    }


OPERATIONS = [
    "retrieveBatch",
    "cancelBatch",
    "createBatch",
    "listBatches",
    "retrieveFile",
    "deleteFile",
    "listFiles",
    "createFile",
]
BAD_BODIES = [b'{"id": "x"}', b"<html>oops</html>", b"null", b'{"object": "something", "data": 3}']


@pytest.mark.anyio
@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("body", BAD_BODIES, ids=["missing-fields", "not-json", "null", "wrong-shape"])
async def test_unparseable_200_raises_validation_error_naming_the_operation(
    mode: str, operation: str, body: bytes
) -> None:
    response = httpx.Response(200, content=body, headers={"x-request-id": "req_v"})
    async with harness(mode, answer(response)) as h:
        with pytest.raises(APIResponseValidationError) as caught:
            await h.call(_ops(h)[operation]())
    error = caught.value
    assert error.operation == operation
    assert error.body == body
    assert error.status_code == 200
    assert str(error).startswith(f"{operation}: ")
    assert error.request_id == "req_v"
    assert h.sleeps == []  # a parse failure is not retried


@pytest.mark.anyio
@pytest.mark.parametrize("code", [201, 202, 204])
async def test_unexpected_success_status_is_an_error_not_none(mode: str, code: int) -> None:
    response = httpx.Response(code, json=batch_json())
    async with harness(mode, answer(response)) as h:
        with pytest.raises(APIResponseValidationError, match=f"got HTTP {code}") as caught:
            await h.call(h.client.batches.retrieve("batch_1"))
    assert caught.value.status_code == code


@pytest.mark.anyio
async def test_status_errors_of_hand_written_calls(mode: str) -> None:
    response = httpx.Response(403, json=error_json("no access", "forbidden"), headers={"x-request-id": "r9"})
    async with harness(mode, answer(response)) as h:
        with pytest.raises(PermissionDeniedError) as caught:
            await h.lines(h.client.files.content("file-1"))
        assert caught.value.operation == "downloadFile"
        assert caught.value.request_id == "r9"
        with pytest.raises(PermissionDeniedError) as caught:
            await h.call(h.client.files.create(file=io.BytesIO(b"{}\n"), purpose="batch"))
        assert caught.value.operation == "createFile"


def test_hierarchy() -> None:
    assert issubclass(APIError, OpenAIBatchError)
    assert issubclass(ConfigurationError, OpenAIBatchError)
    assert not issubclass(ConfigurationError, APIError)
    assert issubclass(APITimeoutError, APIConnectionError)
    assert issubclass(APIConnectionError, APIError)
    assert issubclass(APIResponseValidationError, APIError)
    assert not issubclass(APIResponseValidationError, APIStatusError)
    for _, cls in STATUS_CLASSES:
        assert issubclass(cls, APIStatusError)


def test_module_docstring_draws_every_exported_exception() -> None:
    exported = [
        name
        for name in openai_batch.__all__
        if isinstance(getattr(openai_batch, name), type) and issubclass(getattr(openai_batch, name), Exception)
    ]
    assert len(exported) == 22  # with WorkflowError, JobNotFoundError, JobConflictError and BudgetExceededError
    doc = openai_batch._exceptions.__doc__ or ""
    missing = [name for name in exported if name not in doc]
    assert missing == []
