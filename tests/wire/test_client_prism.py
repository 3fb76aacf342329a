"""Every public client method against Prism (the spec-driven mock) on 127.0.0.1.

Prism answers with example values, so these tests check what the wire can check: Prism
accepted each request as valid for the spec (it runs with `--errors`: an invalid request
gets a 4xx, which the client would raise), and the answer parsed into the right model.
Prism serves the spec's paths at the root, so the base URL has no `/v1`.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from openai_batch import AsyncBatchClient, AsyncPage, BatchClient, SyncPage
from openai_batch_api.models import Batch, DeleteFileResponse, OpenAIFile

pytestmark = pytest.mark.wire


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def client(prism_base_url: str) -> Iterator[BatchClient]:
    with BatchClient("sk-prism-test", base_url=prism_base_url, max_retries=0) as client:
        yield client


@pytest.fixture
async def aclient(prism_base_url: str) -> AsyncIterator[AsyncBatchClient]:
    async with AsyncBatchClient("sk-prism-test", base_url=prism_base_url, max_retries=0) as client:
        yield client


@pytest.fixture
def jsonl(tmp_path: Path) -> Path:
    path = tmp_path / "requests.jsonl"
    path.write_bytes(b'{"custom_id": "1", "method": "POST", "url": "/v1/embeddings", "body": {"input": "x"}}\n')
    return path


def test_batches(client: BatchClient) -> None:
    created = client.batches.create(
        input_file_id="file-abc",
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"job": "wire"},
    )
    assert isinstance(created, Batch)
    assert isinstance(client.batches.retrieve("batch_abc"), Batch)
    assert isinstance(client.batches.cancel("batch_abc"), Batch)
    pager = client.batches.list(limit=2)
    assert isinstance(pager, SyncPage)
    first_page = pager.data
    assert len(first_page) > 0
    assert all(isinstance(b, Batch) for b in first_page)


def test_files(client: BatchClient, jsonl: Path, tmp_path: Path) -> None:
    uploaded = client.files.create(file=jsonl, purpose="batch", expires_after={"anchor": "created_at", "seconds": 3600})
    assert isinstance(uploaded, OpenAIFile)
    assert isinstance(client.files.create(file=io.BytesIO(b"{}\n"), purpose="batch"), OpenAIFile)
    assert isinstance(client.files.retrieve("file-abc"), OpenAIFile)
    pager = client.files.list(purpose="batch", limit=5, order="desc")
    assert len(pager.data) > 0
    assert all(isinstance(f, OpenAIFile) for f in pager.data)
    assert isinstance(client.files.delete("file-abc"), DeleteFileResponse)
    content = client.files.content("file-abc")
    data = content.read()
    assert isinstance(data, bytes)
    assert content.write_to(tmp_path / "out.jsonl").read_bytes() == data
    assert b"".join(content.iter_byte_lines()) == data.replace(b"\r", b"").replace(b"\n", b"")


@pytest.mark.anyio
async def test_batches_async(aclient: AsyncBatchClient) -> None:
    created = await aclient.batches.create(input_file_id="file-abc", endpoint="/v1/embeddings", completion_window="24h")
    assert isinstance(created, Batch)
    assert isinstance(await aclient.batches.retrieve("batch_abc"), Batch)
    assert isinstance(await aclient.batches.cancel("batch_abc"), Batch)
    page = await aclient.batches.list(limit=2)
    assert isinstance(page, AsyncPage)
    assert len(page.data) > 0
    assert all(isinstance(b, Batch) for b in page.data)


@pytest.mark.anyio
async def test_files_async(aclient: AsyncBatchClient, jsonl: Path, tmp_path: Path) -> None:
    uploaded = await aclient.files.create(file=jsonl, purpose="batch")
    assert isinstance(uploaded, OpenAIFile)
    assert isinstance(await aclient.files.retrieve("file-abc"), OpenAIFile)
    page = await aclient.files.list(purpose="batch")
    assert len(page.data) > 0
    assert all(isinstance(f, OpenAIFile) for f in page.data)
    assert isinstance(await aclient.files.delete("file-abc"), DeleteFileResponse)
    content = aclient.files.content("file-abc")
    data = await content.read()
    assert isinstance(data, bytes)
    assert (await content.write_to(tmp_path / "out.jsonl")).read_bytes() == data
    assert [line async for line in content.iter_byte_lines()] == data.splitlines()
