"""Streaming a file's content: bytes, lines, or an atomic write to disk.

`files.content(file_id)` returns a `FileContent` (or `AsyncFileContent`) and sends
nothing; each `iter_bytes()` / `iter_lines()` / `write_to()` opens one streamed GET of
``/files/{id}/content`` through the shared client (same auth, transport retries and
timeout). Memory stays bounded by one chunk (plus the longest line, for lines).

Why not the generated `download_file`: it reads the whole body into memory
(`File(payload=BytesIO(response.content))`), and an output file can be 200 MB.

Shared by both twins: the request, the status check, the line splitter, and the
temp-file helpers. `write_to` downloads into a temporary file beside the target and
renames it over the target only when complete (`os.replace` is atomic on POSIX and
Windows), so a reader never sees half a file and a failure leaves nothing behind. A
download cut off midway (after the 200 arrived) is restarted from the start, up to `max_retries` times.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote

import httpx

from ._core import raise_boundary
from ._exceptions import APIConnectionError, make_status_error
from ._ids import require_id
from ._options import CallContext, call_scope

if TYPE_CHECKING:
    from collections.abc import Generator

    from ._core import AsyncRuntime, SyncRuntime
    from ._secret import Secret

OPERATION: Final = "downloadFile"
CHUNK_SIZE: Final = 64 * 1024


class LineSplitter:
    """Splits a byte stream into lines without the line ending (``\\n`` or ``\\r\\n``).

    A final line without a newline is returned by `end()`; a trailing newline does not
    produce an empty last line. Blank lines in the middle are kept.
    """

    __slots__ = ("_pending",)

    def __init__(self) -> None:
        self._pending = bytearray()

    def feed(self, chunk: bytes) -> list[bytes]:
        if b"\n" not in chunk:
            self._pending += chunk
            return []
        lines = chunk.split(b"\n")
        if self._pending:
            self._pending += lines[0]
            lines[0] = bytes(self._pending)
        self._pending = bytearray(lines.pop())
        return [line[:-1] if line.endswith(b"\r") else line for line in lines]

    def end(self) -> bytes | None:
        if not self._pending:
            return None
        line = bytes(self._pending)
        self._pending.clear()
        return line[:-1] if line.endswith(b"\r") else line


def content_url(file_id: str) -> str:
    return f"/files/{quote(file_id, safe='')}/content"


def temp_path_for(target: Path) -> tuple[int, Path]:
    """An open descriptor and path of a new hidden temporary file in the target's directory.

    Same directory, so the final `os.replace` is a rename on one filesystem (atomic).
    """
    import tempfile

    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    return fd, Path(name)


def unlink_quietly(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def write_atomically(target: Path, chunks: Iterator[bytes]) -> Path:
    """Write `chunks` to a temporary file, then rename it over `target`; on any failure remove it."""
    fd, temp = temp_path_for(target)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        unlink_quietly(temp)
        raise
    return target


async def awrite_atomically(target: Path, chunks: AsyncIterator[bytes]) -> Path:
    """`write_atomically` for an async stream; disk calls run in anyio worker threads."""
    import anyio
    import anyio.to_thread

    fd, temp = await anyio.to_thread.run_sync(temp_path_for, target)
    try:
        async with anyio.wrap_file(os.fdopen(fd, "wb")) as out:
            async for chunk in chunks:
                await out.write(chunk)
            await out.flush()
            await anyio.to_thread.run_sync(os.fsync, out.wrapped.fileno())
        await anyio.to_thread.run_sync(os.replace, temp, target)
    except BaseException:
        unlink_quietly(temp)
        raise
    return target


class _BaseContent:
    def __init__(self, file_id: str, context: CallContext) -> None:
        self.file_id = require_id("file_id", file_id)
        self._context = context

    def __repr__(self) -> str:
        return f"{type(self).__name__}(file_id={self.file_id!r})"


class FileContent(_BaseContent):
    """The content of an uploaded or output file, streamed on demand.

    >>> content = client.files.content(batch.output_file_id)   # nothing fetched yet
    >>> for line in content.iter_lines():                      # bytes, one JSONL record each
    ...     record = json.loads(line)
    >>> content.write_to("results.jsonl")                       # atomic: temp file + rename
    """

    def __init__(self, runtime: SyncRuntime, file_id: str, context: CallContext) -> None:
        super().__init__(file_id, context)
        self._runtime = runtime

    def _open(self) -> httpx.Response:
        runtime = self._runtime
        self._context.transport_retries = self._context.max_retries
        try:
            with call_scope(self._context):
                response = runtime.http.send(runtime.http.build_request("GET", content_url(self.file_id)), stream=True)
            if response.status_code != 200:
                try:
                    response.read()
                finally:
                    response.close()
                raise make_status_error(OPERATION, response)
        except Exception as exc:
            raise_boundary(OPERATION, exc, runtime.secret)
        return response

    def iter_bytes(self, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """The raw bytes, in chunks of at most `chunk_size` (one request per call)."""
        response = self._open()
        try:
            yield from _guard(response.iter_bytes(chunk_size), self._runtime.secret)
        finally:
            response.close()

    def iter_lines(self) -> Iterator[bytes]:
        """Each line as bytes, without its line ending (one request per call)."""
        splitter = LineSplitter()
        for chunk in self.iter_bytes():
            yield from splitter.feed(chunk)
        last = splitter.end()
        if last is not None:
            yield last

    def read(self) -> bytes:
        """The whole content in memory; for small files only (prefer `write_to`/`iter_lines`)."""
        return b"".join(self.iter_bytes())

    def write_to(self, path: str | os.PathLike[str]) -> Path:
        """Download to `path` atomically and return it; nothing is left behind on failure."""
        target = Path(path)
        attempt = 0
        while True:
            response = self._open()  # failures before the body were already retried by the transport
            try:
                return write_atomically(target, _guard(response.iter_bytes(CHUNK_SIZE), self._runtime.secret))
            except APIConnectionError:
                if attempt >= self._context.max_retries:
                    raise
            finally:
                response.close()
            self._runtime.sleep(self._runtime.policy.backoff(attempt))
            attempt += 1


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
        super().__init__(file_id, context)
        self._runtime = runtime

    def __await__(self) -> Generator[Any, None, AsyncFileContent]:
        return self._itself().__await__()

    async def _itself(self) -> AsyncFileContent:
        return self

    async def _open(self) -> httpx.Response:
        runtime = self._runtime
        self._context.transport_retries = self._context.max_retries
        try:
            with call_scope(self._context):
                request = runtime.http.build_request("GET", content_url(self.file_id))
                response = await runtime.http.send(request, stream=True)
            if response.status_code != 200:
                try:
                    await response.aread()
                finally:
                    await response.aclose()
                raise make_status_error(OPERATION, response)
        except Exception as exc:
            raise_boundary(OPERATION, exc, runtime.secret)
        return response

    async def iter_bytes(self, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        """The raw bytes, in chunks of at most `chunk_size` (one request per call)."""
        response = await self._open()
        try:
            async for chunk in _aguard(response.aiter_bytes(chunk_size), self._runtime.secret):
                yield chunk
        finally:
            await response.aclose()

    async def iter_lines(self) -> AsyncIterator[bytes]:
        """Each line as bytes, without its line ending (one request per call)."""
        splitter = LineSplitter()
        async for chunk in self.iter_bytes():
            for line in splitter.feed(chunk):
                yield line
        last = splitter.end()
        if last is not None:
            yield last

    async def read(self) -> bytes:
        """The whole content in memory; for small files only."""
        return b"".join([chunk async for chunk in self.iter_bytes()])

    async def write_to(self, path: str | os.PathLike[str]) -> Path:
        """Download to `path` atomically and return it; nothing is left behind on failure.

        File writes run in worker threads (anyio), so the event loop never blocks on disk.
        """
        target = Path(path)
        attempt = 0
        while True:
            response = await self._open()  # failures before the body were already retried by the transport
            try:
                chunks = _aguard(response.aiter_bytes(CHUNK_SIZE), self._runtime.secret)
                return await awrite_atomically(target, chunks)
            except APIConnectionError:
                if attempt >= self._context.max_retries:
                    raise
            finally:
                await response.aclose()
            await self._runtime.sleep(self._runtime.policy.backoff(attempt))
            attempt += 1


def _guard(chunks: Iterator[bytes], secret: Secret) -> Iterator[bytes]:
    # Errors while the body streams (a reset mid-download) get the same wrapping as the rest.
    try:
        yield from chunks
    except httpx.HTTPError as exc:
        raise_boundary(OPERATION, exc, secret)


async def _aguard(chunks: AsyncIterator[bytes], secret: Secret) -> AsyncIterator[bytes]:
    try:
        async for chunk in chunks:
            yield chunk
    except httpx.HTTPError as exc:
        raise_boundary(OPERATION, exc, secret)
