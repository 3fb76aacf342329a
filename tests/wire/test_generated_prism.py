"""Every operation of the generated package, called through its own functions, against Prism.

Prism serves openapi.yaml with `--errors`, so a request that does not conform to the spec
(a wrong content type, a missing field, a bad multipart part) comes back 4xx instead of a
best-effort 200. Each call therefore checks both directions: our requests are what the
spec describes, and the spec's responses parse into the generated models.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from openai_batch_api.api.batch import cancel_batch, create_batch, list_batches, retrieve_batch
from openai_batch_api.api.files import create_file, delete_file, download_file, list_files, retrieve_file
from openai_batch_api.client import AuthenticatedClient
from openai_batch_api.models import (
    Batch,
    CreateBatchRequest,
    CreateFileRequest,
    DeleteFileResponse,
    ListBatchesResponse,
    ListFilesResponse,
    Metadata,
    OpenAIFile,
)
from openai_batch_api.types import File, Response

pytestmark = pytest.mark.wire

SPEC = Path(__file__).resolve().parents[2] / "openapi.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
INPUT_JSONL = (
    b'{"custom_id": "req-1", "method": "POST", "url": "/v1/chat/completions", '
    b'"body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello"}]}}\n'
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def client(prism_base_url: str) -> Iterator[AuthenticatedClient]:
    with AuthenticatedClient(base_url=prism_base_url, token="sk-test") as opened:
        yield opened


def batch_request() -> CreateBatchRequest:
    return CreateBatchRequest(
        input_file_id="file-abc123",
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata=Metadata.from_dict({"job": "wire-test"}),
    )


def file_request() -> CreateFileRequest:
    upload = File(payload=io.BytesIO(INPUT_JSONL), file_name="input.jsonl", mime_type="application/jsonl")
    return CreateFileRequest(file=upload, purpose="batch")


Call = Callable[[AuthenticatedClient], Response[Any]]

# operationId -> (a sync_detailed call with every parameter the operation takes, the parsed type)
SYNC_CALLS: dict[str, tuple[Call, type]] = {
    "createBatch": (lambda c: create_batch.sync_detailed(client=c, body=batch_request()), Batch),
    "retrieveBatch": (lambda c: retrieve_batch.sync_detailed("batch_abc123", client=c), Batch),
    "listBatches": (lambda c: list_batches.sync_detailed(client=c, after="batch_abc123", limit=5), ListBatchesResponse),
    "cancelBatch": (lambda c: cancel_batch.sync_detailed("batch_abc123", client=c), Batch),
    "createFile": (lambda c: create_file.sync_detailed(client=c, body=file_request()), OpenAIFile),
    "listFiles": (
        lambda c: list_files.sync_detailed(client=c, purpose="batch", limit=10, order="asc", after="file-abc123"),
        ListFilesResponse,
    ),
    "retrieveFile": (lambda c: retrieve_file.sync_detailed("file-abc123", client=c), OpenAIFile),
    "deleteFile": (lambda c: delete_file.sync_detailed("file-abc123", client=c), DeleteFileResponse),
    "downloadFile": (lambda c: download_file.sync_detailed("file-abc123", client=c), File),
}


def assert_accepted(operation_id: str, response: Response[Any], expected: type) -> None:
    body = response.content.decode(errors="replace")
    assert response.status_code == 200, f"{operation_id}: Prism answered {response.status_code}:\n{body}"
    assert isinstance(response.parsed, expected), (
        f"{operation_id}: parsed {type(response.parsed).__name__}, expected {expected.__name__}, from:\n{body}"
    )


def test_every_operation_in_the_spec_has_a_wire_call() -> None:
    spec = yaml.load(SPEC.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    operation_ids = {
        op["operationId"] for item in spec["paths"].values() for method, op in item.items() if method in HTTP_METHODS
    }
    assert operation_ids == set(SYNC_CALLS)


@pytest.mark.parametrize("operation_id", sorted(SYNC_CALLS))
def test_sync_detailed_is_accepted_and_parses(client: AuthenticatedClient, operation_id: str) -> None:
    call, expected = SYNC_CALLS[operation_id]
    assert_accepted(operation_id, call(client), expected)


def test_prism_rejects_a_request_the_spec_forbids(client: AuthenticatedClient) -> None:
    # Shows the 200s above mean "valid": the same call with a completion_window outside
    # the spec's enum is refused, and nothing is parsed from the refusal.
    # The constructor does not check Literal values at run time (from_dict would refuse "48h").
    body = CreateBatchRequest(input_file_id="file-abc123", endpoint="/v1/chat/completions", completion_window="48h")  # type: ignore[arg-type]
    response = create_batch.sync_detailed(client=client, body=body)
    assert response.status_code == 422, response.content.decode(errors="replace")
    assert b"completion_window" in response.content
    assert response.parsed is None


def test_downloaded_file_content_is_the_raw_body(client: AuthenticatedClient) -> None:
    response = download_file.sync_detailed("file-abc123", client=client)
    assert_accepted("downloadFile", response, File)
    assert isinstance(response.parsed, File)
    assert response.parsed.payload.read() == response.content


@pytest.mark.anyio
async def test_asyncio_detailed_retrieve_batch(prism_base_url: str) -> None:
    async with AuthenticatedClient(base_url=prism_base_url, token="sk-test") as client:
        response = await retrieve_batch.asyncio_detailed("batch_abc123", client=client)
    assert_accepted("retrieveBatch", response, Batch)


@pytest.mark.anyio
async def test_asyncio_detailed_create_file_multipart(prism_base_url: str) -> None:
    async with AuthenticatedClient(base_url=prism_base_url, token="sk-test") as client:
        response = await create_file.asyncio_detailed(client=client, body=file_request())
    assert_accepted("createFile", response, OpenAIFile)


@pytest.mark.anyio
async def test_asyncio_detailed_create_batch(prism_base_url: str) -> None:
    async with AuthenticatedClient(base_url=prism_base_url, token="sk-test") as client:
        response = await create_batch.asyncio_detailed(client=client, body=batch_request())
    assert_accepted("createBatch", response, Batch)
