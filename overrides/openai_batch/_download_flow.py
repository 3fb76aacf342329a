"""Every decision of a file download, written once as flows (sans-IO, like `_core`).

A flow is a generator that yields I/O steps and receives their results; `FileContent`
and `AsyncFileContent` in `_files_content` each run them with a small driver that only
performs the steps (blocking or awaited). A failed step is thrown back into the flow,
so error mapping, cleanup and the restart of a cut download live here and only here:

- the request (``GET /files/{id}/content``, streamed, with the call's transport retries);
- a non-200 answer: read its body for the error, close it, raise the `APIStatusError`;
- httpx errors, before or during the body, become `APIConnectionError` with the key scrubbed;
- line splitting;
- `write_to`: a hidden temporary file beside the target, renamed over it only when
  complete (`os.replace` is atomic on POSIX and Windows), removed on any failure; a
  download cut off after the 200 arrived restarts from the start, after a backoff,
  up to `max_retries` times (failures before the body were already retried by the transport).
  The target is classified first (`_output_path`): a symlink is followed to its target,
  and ``-``, a FIFO or a device is written in place (never replaced, never restarted:
  bytes already written cannot be taken back).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Generator, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeAlias
from urllib.parse import quote

import httpx

from ._core import Sleep, boundary_error
from ._exceptions import APIConnectionError, make_status_error
from ._output_path import OutputTarget

if TYPE_CHECKING:
    from ._options import CallContext
    from ._retry import RetryPolicy
    from ._secret import Secret

OPERATION: Final = "downloadFile"
CHUNK_SIZE: Final = 64 * 1024


# --- steps (what the drivers do) -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Send:
    """Send ``GET url`` streamed, under the call's options; the result is the unread response."""

    url: str


@dataclass(frozen=True, slots=True)
class Drain:
    """Read a response's whole body (an error body, for the exception)."""

    response: httpx.Response


@dataclass(frozen=True, slots=True)
class Close:
    """Close a response (idempotent)."""

    response: httpx.Response


@dataclass(frozen=True, slots=True)
class Stream:
    """Start iterating a response's body in chunks; the result is the (async) iterator."""

    response: httpx.Response
    chunk_size: int


@dataclass(frozen=True, slots=True)
class Next:
    """The next item of an (async) iterator, or None when it is exhausted."""

    source: Any


@dataclass(frozen=True, slots=True)
class Emit:
    """Hand these items to whoever iterates the driver (a list per chunk: one step, not one per line)."""

    items: list[bytes]


@dataclass(frozen=True, slots=True)
class Resolve:
    """Classify an output path (see `_output_path.output_target`); the result is an `OutputTarget`."""

    target: Path


@dataclass(frozen=True, slots=True)
class OpenInPlace:
    """Open an in-place target for writing (see `_output_path.open_in_place`); the result is a descriptor."""

    target: OutputTarget


@dataclass(frozen=True, slots=True)
class MakeTemp:
    """Create the temporary file for `target` (see `temp_path_for`); the result is ``(fd, path)``."""

    target: Path


@dataclass(frozen=True, slots=True)
class OpenFile:
    """Wrap a descriptor as a binary file for writing; the result is the file."""

    fd: int


@dataclass(frozen=True, slots=True)
class Write:
    file: Any
    data: bytes


@dataclass(frozen=True, slots=True)
class Persist:
    """Flush and fsync a file, so the rename never publishes data still in a buffer."""

    file: Any


@dataclass(frozen=True, slots=True)
class CloseFile:
    file: Any


@dataclass(frozen=True, slots=True)
class Replace:
    """``os.replace(source, target)``."""

    source: Path
    target: Path


Step: TypeAlias = (
    Send
    | Drain
    | Close
    | Stream
    | Next
    | Emit
    | Resolve
    | OpenInPlace
    | MakeTemp
    | OpenFile
    | Write
    | Persist
    | CloseFile
    | Replace
    | Sleep
)
DownloadFlow: TypeAlias = Generator[Step, Any, None]
ChunkReader: TypeAlias = Callable[[], Generator[Step, Any, "bytes | None"]]


# --- pure helpers ----------------------------------------------------------------------------


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

    Same directory, so the final `os.replace` is a rename on one filesystem (atomic). The
    file is created with mode 0o666 less the umask, like any file a program writes
    (`tempfile.mkstemp` would make every result file 0600 whatever the user's umask).
    """
    import os
    import secrets

    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        path = target.parent / f".{target.name}.{secrets.token_hex(6)}.part"
        try:
            return os.open(path, flags, 0o666), path
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file next to {target}")


def unlink_quietly(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


# --- flows -----------------------------------------------------------------------------------


class Download:
    """The flows of one `files.content(file_id)`: its id, its call options and the key to scrub."""

    __slots__ = ("context", "file_id", "policy", "secret")

    def __init__(self, file_id: str, context: CallContext, secret: Secret, policy: RetryPolicy) -> None:
        self.file_id = file_id
        self.context = context
        self.secret = secret
        self.policy = policy

    def chunks(self, chunk_size: int = CHUNK_SIZE) -> DownloadFlow:
        """Emits the body's chunks, one request."""
        response = yield from self._open()
        try:
            source = yield Stream(response, chunk_size)
            while (chunk := (yield from self._next_chunk(source))) is not None:
                yield Emit([chunk])
        finally:
            yield Close(response)

    def lines(self) -> DownloadFlow:
        """Emits the body's lines, without their line endings, one request."""
        splitter = LineSplitter()
        response = yield from self._open()
        try:
            source = yield Stream(response, CHUNK_SIZE)
            while (chunk := (yield from self._next_chunk(source))) is not None:
                if lines := splitter.feed(chunk):
                    yield Emit(lines)
        finally:
            yield Close(response)
        last = splitter.end()
        if last is not None:
            yield Emit([last])

    def write_to(self, target: Path) -> DownloadFlow:
        """Downloads atomically to `target`, restarting a download cut off midway."""
        attempt = 0
        where: OutputTarget = yield Resolve(target)
        while True:
            response = yield from self._open()  # failures before the body were already retried by the transport
            try:
                source = yield Stream(response, CHUNK_SIZE)
                yield from write_output(where, partial(self._next_chunk, source))
                return
            except APIConnectionError:
                if where.in_place or attempt >= self.context.max_retries:
                    raise
            finally:
                yield Close(response)
            yield Sleep(self.policy.backoff(attempt))
            attempt += 1

    def _open(self) -> Generator[Step, Any, httpx.Response]:
        # Errors are raised after the `except` block, never inside it (see `_core`).
        self.context.transport_retries = self.context.max_retries
        try:
            response: httpx.Response = yield Send(content_url(self.file_id))
            if response.status_code != 200:
                try:
                    yield Drain(response)
                finally:
                    yield Close(response)
                raise make_status_error(OPERATION, response, self.secret)
        except Exception as exc:
            error = boundary_error(OPERATION, exc, self.secret)
        else:
            return response
        raise error

    def _next_chunk(self, source: Any) -> Generator[Step, Any, bytes | None]:
        # Errors while the body streams (a reset mid-download) get the same wrapping as the rest.
        try:
            chunk: bytes | None = yield Next(source)
        except httpx.HTTPError as exc:
            error = boundary_error(OPERATION, exc, self.secret)
        else:
            return chunk
        raise error


def atomic_write(target: Path, read: ChunkReader) -> DownloadFlow:
    """Write the chunks `read` returns to `target` as `write_output` does, once the target is classified."""
    where: OutputTarget = yield Resolve(target)
    yield from write_output(where, read)


def write_output(where: OutputTarget, read: ChunkReader) -> DownloadFlow:
    """Write the chunks `read` returns: in place, or to a temporary file renamed over the target (removed on failure)."""
    if where.in_place:
        out = yield OpenFile((yield OpenInPlace(where)))
        try:
            while (chunk := (yield from read())) is not None:
                yield Write(out, chunk)
        finally:
            yield CloseFile(out)  # flushes: a reader that left (a closed pipe) is seen here at the latest
        return
    fd, temp = yield MakeTemp(where.path)
    try:
        out = yield OpenFile(fd)
        try:
            while (chunk := (yield from read())) is not None:
                yield Write(out, chunk)
            yield Persist(out)
        finally:
            yield CloseFile(out)
        yield Replace(temp, where.path)
    except BaseException:
        unlink_quietly(temp)  # synchronous on purpose: it must run even in a cancelled task
        raise


def next_of(source: Iterator[bytes] | AsyncIterator[bytes]) -> Generator[Step, Any, bytes | None]:
    """The chunk reader of a plain (async) iterator: its errors are the caller's, not wrapped."""
    chunk: bytes | None = yield Next(source)
    return chunk
