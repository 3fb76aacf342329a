"""The parts of BatchClient / AsyncBatchClient the workflow uses, as structural types.

Typing against these (rather than the concrete classes) keeps the workflow testable with
small fakes and keeps it from depending on the client's private layout.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal, Protocol

from openai_batch_api.models import Batch, OpenAIFile

from .._polling import AsyncBatchRetriever, AsyncWaitClient, BatchRetriever, WaitClient

__all__ = [
    "AsyncBatchAPI",
    "AsyncBatchRetriever",
    "AsyncClientLike",
    "AsyncContentClient",
    "AsyncFileContentLike",
    "AsyncFilesAPI",
    "AsyncJobClient",
    "AsyncWaitClient",
    "BatchAPI",
    "BatchRetriever",
    "ClientLike",
    "FileContentLike",
    "FilesAPI",
    "WaitClient",
]


class FileContentLike(Protocol):
    def iter_lines(self) -> Iterator[str]: ...

    def iter_bytes(self) -> Iterator[bytes]: ...


class BatchAPI(Protocol):
    def create(
        self,
        *,
        input_file_id: str,
        endpoint: str,
        completion_window: str = ...,
        metadata: Mapping[str, str] | None = ...,
        output_expires_after: Mapping[str, Any] | None = ...,
    ) -> Batch: ...

    def retrieve(self, batch_id: str) -> Batch: ...

    def cancel(self, batch_id: str) -> Batch: ...

    def list(self, *, limit: int | None = ...) -> Iterable[Batch]: ...


class FilesAPI(Protocol):
    def create(self, *, file: Path | IO[bytes], purpose: str, filename: str | None = ...) -> OpenAIFile: ...

    def list(
        self, *, purpose: str | None = ..., limit: int | None = ..., order: Literal["asc", "desc"] | None = ...
    ) -> Iterable[OpenAIFile]: ...

    def retrieve(self, file_id: str) -> OpenAIFile: ...

    def delete(self, file_id: str) -> Any: ...

    def content(self, file_id: str) -> FileContentLike: ...


class ClientLike(Protocol):
    """What a :class:`~openai_batch.BatchClient` offers a job."""

    @property
    def batches(self) -> BatchAPI: ...

    @property
    def files(self) -> FilesAPI: ...


class AsyncFileContentLike(Protocol):
    def iter_lines(self) -> AsyncIterator[str]: ...

    def iter_bytes(self) -> AsyncIterator[bytes]: ...


class AsyncFilesContentAPI(Protocol):
    """An async ``client.files`` as far as downloading results needs it."""

    def content(self, file_id: str) -> AsyncFileContentLike: ...


class AsyncContentClient(Protocol):
    @property
    def files(self) -> AsyncFilesContentAPI: ...


class AsyncBatchAPI(Protocol):
    """An async ``client.batches`` as a job uses it."""

    async def create(
        self,
        *,
        input_file_id: str,
        endpoint: str,
        completion_window: str = ...,
        metadata: Mapping[str, str] | None = ...,
        output_expires_after: Mapping[str, Any] | None = ...,
    ) -> Batch: ...

    async def retrieve(self, batch_id: str) -> Batch: ...

    async def cancel(self, batch_id: str) -> Batch: ...

    def list(self, *, limit: int | None = ...) -> AsyncIterable[Batch]: ...


class AsyncFilesAPI(AsyncFilesContentAPI, Protocol):
    """An async ``client.files`` as a job uses it."""

    async def create(self, *, file: Path | IO[bytes], purpose: str, filename: str | None = ...) -> OpenAIFile: ...

    def list(
        self, *, purpose: str | None = ..., limit: int | None = ..., order: Literal["asc", "desc"] | None = ...
    ) -> AsyncIterable[OpenAIFile]: ...

    async def delete(self, file_id: str) -> Any: ...


class AsyncClientLike(Protocol):
    """What an :class:`~openai_batch.AsyncBatchClient` offers an :class:`~openai_batch.AsyncJob`."""

    @property
    def batches(self) -> AsyncBatchAPI: ...

    @property
    def files(self) -> AsyncFilesAPI: ...


class AsyncJobClient(Protocol):
    """What an :class:`~openai_batch.AsyncBatchClient` offers ``Job.wait_async``: polling and downloads."""

    @property
    def batches(self) -> AsyncBatchRetriever: ...

    @property
    def files(self) -> AsyncFilesContentAPI: ...


if TYPE_CHECKING:
    # Static proof (mypy only) that the real clients satisfy these protocols.
    from .._client import AsyncBatchClient, BatchClient

    def _sync_client_fits(client: BatchClient) -> ClientLike:
        return client

    def _sync_client_waits(client: BatchClient) -> WaitClient:
        return client

    def _async_client_waits(client: AsyncBatchClient) -> AsyncWaitClient:
        return client

    def _async_client_runs_jobs(client: AsyncBatchClient) -> AsyncJobClient:
        return client

    def _async_client_fits(client: AsyncBatchClient) -> AsyncClientLike:
        return client
