"""`client.files`: upload (streamed), retrieve, list, delete, and stream content.

Each operation is one flow function (module level, shared); `Files` and `AsyncFiles`
only pick the runner. Every method takes per-call `timeout=` and `max_retries=` overrides.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from openai_batch_api.api.files import delete_file, list_files, retrieve_file
from openai_batch_api.models import ListFilesResponse, OpenAIFile

from .. import _idempotency
from .._core import AsyncRuntime, Flow, GeneratedCall, SyncRuntime, expect_json, generated_request, single, single_json
from .._fast_models import builder
from .._files_content import AsyncFileContent, FileContent
from .._ids import require_id
from .._pagination import AsyncPage, PageData, SyncPage, page_data
from .._types import FileInput, FilePurpose, ListOrder, TimeoutTypes
from .._upload import form_fields, open_source

if TYPE_CHECKING:
    from openai_batch_api.models import DeleteFileResponse

__all__ = ["AsyncFiles", "Files"]

# Bodies built by `_fast_models`: the same generated model objects as their from_dict gives.
_build_file = builder(OpenAIFile)
_build_list = builder(ListFilesResponse)


def _retrieve(file_id: str) -> Flow[OpenAIFile]:
    step = generated_request("retrieveFile", retrieve_file, file_id=require_id("file_id", file_id))
    return single_json(step, _build_file)


def _delete(file_id: str) -> Flow[DeleteFileResponse]:
    kwargs = {"file_id": require_id("file_id", file_id)}
    return single(GeneratedCall("deleteFile", delete_file.sync_detailed, delete_file.asyncio_detailed, kwargs))


def _list_page(
    after: str | None, purpose: str | None, limit: int | None, order: ListOrder | None
) -> Flow[PageData[OpenAIFile]]:
    # Only the arguments given are passed: the generated function of an older spec
    # accepts `purpose` alone, and its default `limit` is the service's default.
    kwargs: dict[str, Any] = {}
    for name, value in (("purpose", purpose), ("limit", limit), ("order", order), ("after", after)):
        if value is not None:
            kwargs[name] = value
    response = yield generated_request("listFiles", list_files, **kwargs)
    return page_data("listFiles", expect_json("listFiles", response, _build_list), after)


def _upload(
    file: FileInput,
    purpose: FilePurpose | str,
    expires_after: Mapping[str, Any] | None,
    filename: str | None,
    max_retries: int,
    runtime: SyncRuntime | AsyncRuntime,
) -> Flow[OpenAIFile]:
    fields = form_fields(purpose, expires_after)  # validate before opening anything
    source = open_source(file, filename, purpose)
    return _idempotency.upload_file(source, fields, max_retries, runtime.policy)


class Files:
    """File operations of a `BatchClient`, reached as ``client.files``.

    >>> with BatchClient() as client:
    ...     f = client.files.create(file="requests.jsonl", purpose="batch")   # streamed from disk
    ...     for line in client.files.content(f.id).iter_lines():
    ...         ...
    """

    def __init__(self, runtime: SyncRuntime) -> None:
        self._runtime = runtime

    def create(
        self,
        *,
        file: FileInput,
        purpose: FilePurpose | str,
        expires_after: Mapping[str, Any] | None = None,
        filename: str | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
    ) -> OpenAIFile:
        """Upload a file from a path or binary file object, streamed in 64 KiB chunks.

        `expires_after` is ``{"anchor": "created_at", "seconds": N}``. `filename` overrides
        the name sent (default: the path's name). A retry after an unknown outcome first
        looks for the upload (see `_idempotency`).
        """
        context = self._runtime.context(timeout, max_retries)
        flow = _upload(file, purpose, expires_after, filename, context.max_retries, self._runtime)
        return self._runtime.run("createFile", flow, context)

    def retrieve(
        self, file_id: str, *, timeout: TimeoutTypes | None = None, max_retries: int | None = None
    ) -> OpenAIFile:
        return self._runtime.run("retrieveFile", _retrieve(file_id), self._runtime.context(timeout, max_retries))

    def delete(
        self, file_id: str, *, timeout: TimeoutTypes | None = None, max_retries: int | None = None
    ) -> DeleteFileResponse:
        return self._runtime.run("deleteFile", _delete(file_id), self._runtime.context(timeout, max_retries))

    def content(
        self, file_id: str, *, timeout: TimeoutTypes | None = None, max_retries: int | None = None
    ) -> FileContent:
        """A lazy handle on the file's bytes; nothing is fetched until you iterate or write it."""
        return FileContent(self._runtime, file_id, self._runtime.context(timeout, max_retries))

    def list(
        self,
        *,
        purpose: FilePurpose | str | None = None,
        limit: int | None = None,
        order: ListOrder | None = None,
        after: str | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
    ) -> SyncPage[OpenAIFile]:
        """All files (optionally of one purpose), fetched `limit` per request as you iterate (first page now)."""
        runtime = self._runtime

        def fetch(cursor: str | None) -> PageData[OpenAIFile]:
            flow = _list_page(cursor, purpose, limit, order)
            return runtime.run("listFiles", flow, runtime.context(timeout, max_retries))

        return SyncPage(fetch, after)


class AsyncFiles:
    """File operations of an `AsyncBatchClient`, reached as ``client.files``.

    >>> async with AsyncBatchClient() as client:
    ...     f = await client.files.create(file="requests.jsonl", purpose="batch")
    ...     await client.files.content(f.id).write_to("copy.jsonl")
    """

    def __init__(self, runtime: AsyncRuntime) -> None:
        self._runtime = runtime

    async def create(
        self,
        *,
        file: FileInput,
        purpose: FilePurpose | str,
        expires_after: Mapping[str, Any] | None = None,
        filename: str | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
    ) -> OpenAIFile:
        """Upload a file, streamed; see `Files.create`."""
        context = self._runtime.context(timeout, max_retries)
        flow = _upload(file, purpose, expires_after, filename, context.max_retries, self._runtime)
        return await self._runtime.run("createFile", flow, context)

    async def retrieve(
        self, file_id: str, *, timeout: TimeoutTypes | None = None, max_retries: int | None = None
    ) -> OpenAIFile:
        return await self._runtime.run("retrieveFile", _retrieve(file_id), self._runtime.context(timeout, max_retries))

    async def delete(
        self, file_id: str, *, timeout: TimeoutTypes | None = None, max_retries: int | None = None
    ) -> DeleteFileResponse:
        return await self._runtime.run("deleteFile", _delete(file_id), self._runtime.context(timeout, max_retries))

    def content(
        self, file_id: str, *, timeout: TimeoutTypes | None = None, max_retries: int | None = None
    ) -> AsyncFileContent:
        """A lazy handle on the file's bytes; `async for` its lines or `await .write_to(path)`."""
        return AsyncFileContent(self._runtime, file_id, self._runtime.context(timeout, max_retries))

    def list(
        self,
        *,
        purpose: FilePurpose | str | None = None,
        limit: int | None = None,
        order: ListOrder | None = None,
        after: str | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
    ) -> AsyncPage[OpenAIFile]:
        """All files; nothing is fetched until you `await` or `async for` the page."""
        runtime = self._runtime

        async def fetch(cursor: str | None) -> PageData[OpenAIFile]:
            flow = _list_page(cursor, purpose, limit, order)
            return await runtime.run("listFiles", flow, runtime.context(timeout, max_retries))

        return AsyncPage(fetch, after)
