"""Streaming a file's content: bytes, lines, or an atomic write to disk.

`files.content(file_id)` returns a `FileContent` (or `AsyncFileContent`) and sends
nothing; each `iter_bytes()` / `iter_lines()` (str) / `iter_byte_lines()` / `write_to()` opens one streamed GET of
``/files/{id}/content`` through the shared client (same auth, transport retries and
timeout). Memory stays bounded by one chunk (plus the longest line, for lines).

Why not the generated `download_file`: it reads the whole body into memory
(`File(payload=BytesIO(response.content))`), and an output file can be 200 MB.

What to do (the request, status and error handling, line splitting, the atomic temp
file, restarting a download cut off midway) is decided once, by the flows in
`_download_flow`. This module only performs their steps: `_SyncSteps` with blocking
calls, `_AsyncSteps` awaited (disk calls in anyio worker threads, so the event loop
never blocks on disk). A failed step is thrown back into its flow, which decides.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from . import _download_flow as flows
from ._core import Sleep
from ._download_flow import CHUNK_SIZE, OPERATION, Download, LineSplitter, content_url, temp_path_for, unlink_quietly
from ._exceptions import OpenAIBatchError
from ._ids import require_id
from ._options import CallContext, call_scope
from ._output_path import open_in_place, output_target

if TYPE_CHECKING:
    from collections.abc import Generator

    from ._core import AsyncRuntime, SyncRuntime

__all__ = [
    "CHUNK_SIZE",
    "OPERATION",
    "AsyncFileContent",
    "FileContent",
    "LineSplitter",
    "awrite_atomically",
    "content_url",
    "temp_path_for",
    "unlink_quietly",
    "write_atomically",
]


def write_atomically(target: Path, chunks: Iterator[bytes]) -> Path:
    """Write `chunks` to a temporary file, then rename it over `target`; on any failure remove it.

    A symlink is followed (its target is replaced), and ``-`` (stdout), a FIFO or a device is
    written in place, never replaced: see `_output_path`.
    """
    _SyncSteps().complete(flows.atomic_write(target, partial(flows.next_of, iter(chunks))))
    return target


async def awrite_atomically(target: Path, chunks: AsyncIterator[bytes]) -> Path:
    """`write_atomically` for an async stream; disk calls run in anyio worker threads."""
    await _AsyncSteps().complete(flows.atomic_write(target, partial(flows.next_of, chunks)))
    return target


class _SyncSteps:
    """Performs a download flow's steps with blocking I/O; `run` yields what the flow emits."""

    __slots__ = ("context", "http", "sleep")

    def __init__(
        self,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
        context: CallContext | None = None,
    ) -> None:
        self.http = http
        self.sleep = sleep
        self.context = context

    def run(self, flow: flows.DownloadFlow) -> Iterator[bytes]:
        reply: Any = None
        error: BaseException | None = None
        step: flows.Step | None = None
        while True:
            failure: OpenAIBatchError | None = None
            try:
                step = flow.send(reply) if error is None else flow.throw(error)
            except StopIteration:
                return
            except OpenAIBatchError as exc:
                failure = exc
            finally:
                reply = error = None  # also drops the frame -> traceback -> frame cycle when the flow raises
            if failure is not None:
                # Raised from here, without the flow's frames: they held the response as received,
                # whose request carries the key (see `_core.boundary_error`). `step` may hold it too.
                step = None
                raise failure.with_traceback(None)
            assert step is not None  # set by the send above
            try:
                if isinstance(step, flows.Emit):
                    yield from step.items  # an abandoned iteration raises GeneratorExit here: the flow cleans up
                else:
                    reply = self._perform(step)
            except BaseException as exc:  # every failure goes back into the flow, which decides
                error = exc

    def complete(self, flow: flows.DownloadFlow) -> None:
        for _ in self.run(flow):
            raise AssertionError("this flow emits nothing")

    def _perform(self, step: flows.Step) -> Any:
        if isinstance(step, flows.Next):
            return next(step.source, None)
        if isinstance(step, flows.Write):
            return step.file.write(step.data)
        if isinstance(step, flows.Send):
            assert self.http is not None and self.context is not None
            with call_scope(self.context):
                response = self.http.send(self.http.build_request("GET", step.url), stream=True)
            self.context.last_response = None  # kept by the transport for parse errors; it holds the key
            return response
        if isinstance(step, flows.Stream):
            return step.response.iter_bytes(step.chunk_size)
        if isinstance(step, flows.Drain):
            return step.response.read()
        if isinstance(step, flows.Close):
            return step.response.close()
        if isinstance(step, Sleep):
            assert self.sleep is not None
            return self.sleep(step.seconds)
        if isinstance(step, flows.Resolve):
            return output_target(step.target)
        if isinstance(step, flows.OpenInPlace):
            return open_in_place(step.target)
        if isinstance(step, flows.MakeTemp):
            return temp_path_for(step.target)
        if isinstance(step, flows.OpenFile):
            return os.fdopen(step.fd, "wb")
        if isinstance(step, flows.Persist):
            step.file.flush()
            return os.fsync(step.file.fileno())
        if isinstance(step, flows.CloseFile):
            return step.file.close()
        if isinstance(step, flows.Replace):
            return os.replace(step.source, step.target)
        raise TypeError(f"{OPERATION}: unknown step {step!r}")


class _AsyncSteps:
    """The async twin of `_SyncSteps`: the same steps, awaited."""

    __slots__ = ("context", "http", "sleep")

    def __init__(
        self,
        http: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        context: CallContext | None = None,
    ) -> None:
        self.http = http
        self.sleep = sleep
        self.context = context

    async def run(self, flow: flows.DownloadFlow) -> AsyncIterator[bytes]:
        reply: Any = None
        error: BaseException | None = None
        step: flows.Step | None = None
        while True:
            failure: OpenAIBatchError | None = None
            try:
                step = flow.send(reply) if error is None else flow.throw(error)
            except StopIteration:
                return
            except OpenAIBatchError as exc:
                failure = exc
            finally:
                reply = error = None  # also drops the frame -> traceback -> frame cycle when the flow raises
            if failure is not None:
                # Raised from here, without the flow's frames: they held the response as received,
                # whose request carries the key (see `_core.boundary_error`). `step` may hold it too.
                step = None
                raise failure.with_traceback(None)
            assert step is not None  # set by the send above
            try:
                if isinstance(step, flows.Emit):
                    for item in step.items:
                        yield item
                else:
                    reply = await self._perform(step)
            except BaseException as exc:  # every failure goes back into the flow, which decides
                error = exc

    async def complete(self, flow: flows.DownloadFlow) -> None:
        async for _ in self.run(flow):
            raise AssertionError("this flow emits nothing")

    async def _perform(self, step: flows.Step) -> Any:
        import anyio
        import anyio.to_thread

        if isinstance(step, flows.Next):
            return await anext(step.source, None)
        if isinstance(step, flows.Write):
            return await step.file.write(step.data)
        if isinstance(step, flows.Send):
            assert self.http is not None and self.context is not None
            with call_scope(self.context):
                response = await self.http.send(self.http.build_request("GET", step.url), stream=True)
            self.context.last_response = None  # kept by the transport for parse errors; it holds the key
            return response
        if isinstance(step, flows.Stream):
            return step.response.aiter_bytes(step.chunk_size)
        if isinstance(step, flows.Drain):
            return await step.response.aread()
        if isinstance(step, flows.Close):
            return await step.response.aclose()
        if isinstance(step, Sleep):
            assert self.sleep is not None
            return await self.sleep(step.seconds)
        if isinstance(step, flows.Resolve):
            return await anyio.to_thread.run_sync(output_target, step.target)
        if isinstance(step, flows.OpenInPlace):
            # In a worker thread: opening a FIFO waits for its reader.
            return await anyio.to_thread.run_sync(open_in_place, step.target)
        if isinstance(step, flows.MakeTemp):
            return await anyio.to_thread.run_sync(temp_path_for, step.target)
        if isinstance(step, flows.OpenFile):
            return anyio.wrap_file(os.fdopen(step.fd, "wb"))
        if isinstance(step, flows.Persist):
            await step.file.flush()
            return await anyio.to_thread.run_sync(os.fsync, step.file.wrapped.fileno())
        if isinstance(step, flows.CloseFile):
            return await step.file.aclose()
        if isinstance(step, flows.Replace):
            return await anyio.to_thread.run_sync(os.replace, step.source, step.target)
        raise TypeError(f"{OPERATION}: unknown step {step!r}")


class _BaseContent:
    def __init__(self, runtime: SyncRuntime | AsyncRuntime, file_id: str, context: CallContext) -> None:
        self.file_id = require_id("file_id", file_id)
        self._context = context
        self._download = Download(self.file_id, context, runtime.secret, runtime.policy)

    def __repr__(self) -> str:
        # getattr: repr() must work on an object whose __init__ refused the id (a traceback with locals shows it).
        return f"{type(self).__name__}(file_id={getattr(self, 'file_id', None)!r})"


class FileContent(_BaseContent):
    """The content of an uploaded or output file, streamed on demand.

    >>> content = client.files.content(batch.output_file_id)   # nothing fetched yet
    >>> for line in content.iter_lines():                      # str, one JSONL record each (as the SDK)
    ...     record = json.loads(line)
    >>> for raw in content.iter_byte_lines():                  # the same lines as bytes, not decoded
    >>> content.write_to("results.jsonl")                       # atomic: temp file + rename
    """

    def __init__(self, runtime: SyncRuntime, file_id: str, context: CallContext) -> None:
        super().__init__(runtime, file_id, context)
        self._steps = _SyncSteps(runtime.http, runtime.sleep, context)

    def iter_bytes(self, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """The raw bytes, in chunks of at most `chunk_size` (one request per call)."""
        return self._steps.run(self._download.chunks(chunk_size))

    def iter_byte_lines(self) -> Iterator[bytes]:
        """Each line as bytes, without its line ending (one request per call)."""
        return self._steps.run(self._download.lines())

    def iter_lines(self) -> Iterator[str]:
        """Each line as text (UTF-8), without its line ending, as the official SDK's ``iter_lines``."""
        lines = self.iter_byte_lines()
        try:
            for line in lines:
                yield line.decode("utf-8", "replace")
        finally:
            # Leaving the loop early closes the streamed response now, not when collected.
            close = getattr(lines, "close", None)
            if close is not None:
                close()

    def iter_text(self, chunk_size: int = CHUNK_SIZE) -> Iterator[str]:
        """The content as text (UTF-8) in chunks, as the official SDK's ``iter_text``."""
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        for chunk in self.iter_bytes(chunk_size):
            if text := decoder.decode(chunk):
                yield text
        if tail := decoder.decode(b"", final=True):
            yield tail

    def read(self) -> bytes:
        """The whole content in memory; for small files only (prefer `write_to`/`iter_lines`)."""
        return b"".join(self.iter_bytes())

    def write_to(self, path: str | os.PathLike[str]) -> Path:
        """Download to `path` atomically and return it; nothing is left behind on failure."""
        target = Path(path)
        self._steps.complete(self._download.write_to(target))
        return target


class AsyncFileContent(_BaseContent):
    """The async twin of `FileContent`.

    >>> content = client.files.content(batch.output_file_id)
    >>> async for line in content.iter_lines():
    ...     record = json.loads(line)
    >>> await content.write_to("results.jsonl")

    Awaiting the object itself returns it unchanged (nothing is fetched), so both
    ``client.files.content(id)`` and ``await client.files.content(id)`` work.
    """

    def __init__(self, runtime: AsyncRuntime, file_id: str, context: CallContext) -> None:
        super().__init__(runtime, file_id, context)
        self._steps = _AsyncSteps(runtime.http, runtime.sleep, context)

    def __await__(self) -> Generator[Any, None, AsyncFileContent]:
        return self._itself().__await__()

    async def _itself(self) -> AsyncFileContent:
        return self

    def iter_bytes(self, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        """The raw bytes, in chunks of at most `chunk_size` (one request per call)."""
        return self._steps.run(self._download.chunks(chunk_size))

    def iter_byte_lines(self) -> AsyncIterator[bytes]:
        """Each line as bytes, without its line ending (one request per call)."""
        return self._steps.run(self._download.lines())

    async def iter_lines(self) -> AsyncIterator[str]:
        """Each line as text (UTF-8), without its line ending, as the official SDK's ``iter_lines``."""
        lines = self.iter_byte_lines()
        try:
            async for line in lines:
                yield line.decode("utf-8", "replace")
        finally:
            aclose = getattr(lines, "aclose", None)
            if aclose is not None:
                await aclose()

    async def iter_text(self, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[str]:
        """The content as text (UTF-8) in chunks, as the official SDK's ``iter_text``."""
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        async for chunk in self.iter_bytes(chunk_size):
            if text := decoder.decode(chunk):
                yield text
        if tail := decoder.decode(b"", final=True):
            yield tail

    async def read(self) -> bytes:
        """The whole content in memory; for small files only."""
        return b"".join([chunk async for chunk in self.iter_bytes()])

    async def write_to(self, path: str | os.PathLike[str]) -> Path:
        """Download to `path` atomically and return it; nothing is left behind on failure."""
        target = Path(path)
        await self._steps.complete(self._download.write_to(target))
        return target
