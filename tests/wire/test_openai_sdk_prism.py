"""The official `openai` package against Prism serving openapi.yaml, in strict response validation.

Spec-driven tools must keep working on the project's openapi.yaml, not only our own client:
the SDK's calls for every Batches and Files operation go to Prism (the spec-driven mock,
127.0.0.1, `--errors`: a request the spec does not allow gets a 4xx), and the SDK built with
`_strict_response_validation=True` rejects any answer that does not fit its own models.
This is what breaks when an open enum loses its known values (Prism would answer
`"status": "string"`) or the download declares a media type the SDK does not ask for
(Prism answers 406).
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import openai
import pytest
from openai_batch_api import known_values

pytestmark = pytest.mark.wire


@pytest.fixture
def sdk(prism_base_url: str) -> Iterator[openai.OpenAI]:
    client = openai.OpenAI(
        api_key="sk-prism-test", base_url=prism_base_url, max_retries=0, _strict_response_validation=True
    )
    with client:
        yield client


@pytest.fixture
async def async_sdk(prism_base_url: str) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(
        api_key="sk-prism-test", base_url=prism_base_url, max_retries=0, _strict_response_validation=True
    )


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_batches_create(sdk: openai.OpenAI) -> None:
    batch = sdk.batches.create(
        input_file_id="file-abc", endpoint="/v1/chat/completions", completion_window="24h", metadata={"k": "v"}
    )
    assert batch.object == "batch"
    # A known value, not the "string" placeholder Prism invents for a schema with no values.
    assert batch.status in known_values.BATCH_STATUSES


def test_batches_retrieve(sdk: openai.OpenAI) -> None:
    batch = sdk.batches.retrieve("batch_abc")
    assert batch.object == "batch" and isinstance(batch.id, str)


def test_batches_cancel(sdk: openai.OpenAI) -> None:
    assert sdk.batches.cancel("batch_abc").object == "batch"


def test_batches_list(sdk: openai.OpenAI) -> None:
    page = sdk.batches.list(limit=2, after="batch_abc")
    assert page.data, "Prism must answer a non-empty page"
    assert all(batch.object == "batch" for batch in page.data)


def test_files_create(sdk: openai.OpenAI) -> None:
    upload = sdk.files.create(file=("in.jsonl", io.BytesIO(b'{"custom_id": "1"}\n')), purpose="batch")
    assert upload.object == "file" and isinstance(upload.purpose, str)


def test_files_retrieve(sdk: openai.OpenAI) -> None:
    file = sdk.files.retrieve("file-abc")
    assert file.object == "file" and isinstance(file.bytes, int)
    assert file.purpose in known_values.FILE_PURPOSES


def test_files_list(sdk: openai.OpenAI) -> None:
    page = sdk.files.list(purpose="batch", limit=2, order="asc", after="file-abc")
    assert page.data, "Prism must answer a non-empty page"
    assert all(file.object == "file" for file in page.data)


def test_files_delete(sdk: openai.OpenAI) -> None:
    deleted = sdk.files.delete("file-abc")
    assert deleted.object == "file" and isinstance(deleted.deleted, bool)


def test_files_content(sdk: openai.OpenAI) -> None:
    response = sdk.files.content("file-abc")
    assert isinstance(response.read(), bytes)


@pytest.mark.parametrize("accept", ["application/json", "application/octet-stream", "application/binary", "*/*"])
def test_files_content_answers_every_accept_clients_send(sdk: openai.OpenAI, accept: str) -> None:
    response = sdk.files.with_raw_response.content("file-abc", extra_headers={"Accept": accept})
    assert response.status_code == 200, (accept, response.status_code)


@pytest.mark.anyio
async def test_async_batches_and_files(async_sdk: openai.AsyncOpenAI) -> None:
    async with async_sdk:
        assert (await async_sdk.batches.retrieve("batch_abc")).object == "batch"
        page = await async_sdk.files.list(limit=1)
        assert all(file.object == "file" for file in page.data)
