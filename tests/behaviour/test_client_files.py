"""Files: streamed multipart upload, streamed content (bytes, lines, atomic write), id hygiene."""

from __future__ import annotations

import gc
import io
import tracemalloc
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path

import httpx
import pytest
from openai_batch import (
    APIConnectionError,
    AsyncBatchClient,
    AsyncFileContent,
    BatchClient,
    NotFoundError,
    file_id_or_none,
)
from openai_batch._files_content import LineSplitter

from tests.behaviour.client_fakes import KEY, FakeAPI, file_json, harness, parse_multipart


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def jsonl(tmp_path: Path) -> Path:
    path = tmp_path / "requests.jsonl"
    path.write_bytes(b'{"custom_id": "a"}\n{"custom_id": "b"}\n')
    return path


def uploads(api: FakeAPI) -> list[httpx.Request]:
    return [r for r in api.requests if r.method == "POST" and r.url.path == "/v1/files"]


# --- upload ------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("as_", ["str", "path", "file"])
async def test_upload_sends_file_purpose_and_expiry_as_form_fields(mode: str, jsonl: Path, as_: str) -> None:
    api = FakeAPI()
    handle = jsonl.open("rb") if as_ == "file" else None
    source = {"str": str(jsonl), "path": jsonl, "file": handle}[as_]
    try:
        async with harness(mode, api.handler) as h:
            created = await h.call(
                h.client.files.create(
                    file=source,  # type: ignore[arg-type]
                    purpose="batch",
                    expires_after={"anchor": "created_at", "seconds": 3600},
                )
            )
    finally:
        if handle is not None:
            assert not handle.closed  # the caller's file object stays the caller's to close
            handle.close()
    fields, filename, content = parse_multipart(uploads(api)[0])
    assert fields == {"purpose": "batch", "expires_after[anchor]": "created_at", "expires_after[seconds]": "3600"}
    assert filename == "requests.jsonl"
    assert content == jsonl.read_bytes()
    assert created.id == api.files[0]["id"]
    assert created.bytes_ == len(content)
    assert created.expires_at == created.created_at + 3600


@pytest.mark.anyio
async def test_upload_of_an_in_memory_file_and_filename_override(mode: str) -> None:
    api = FakeAPI()
    async with harness(mode, api.handler) as h:
        await h.call(h.client.files.create(file=io.BytesIO(b"{}\n"), purpose="batch"))
        await h.call(h.client.files.create(file=io.BytesIO(b"{}\n"), purpose="batch", filename="mine.jsonl"))
        await h.call(h.client.files.create(file=io.BytesIO(b"\x89PNG"), purpose="vision"))
    assert [parse_multipart(r)[1] for r in uploads(api)] == ["upload.jsonl", "mine.jsonl", "upload"]


@pytest.mark.anyio
async def test_upload_uses_a_random_boundary_and_a_content_length(mode: str, jsonl: Path) -> None:
    api = FakeAPI()
    async with harness(mode, api.handler) as h:
        for _ in range(2):
            await h.call(h.client.files.create(file=jsonl, purpose="batch"))
    types = [r.headers["content-type"] for r in uploads(api)]
    boundaries = [t.split("boundary=")[1] for t in types]
    assert all(t.startswith("multipart/form-data; boundary=") for t in types)
    assert boundaries[0] != boundaries[1]
    assert all(len(b) == 32 and b != "+++" for b in boundaries)
    assert all(int(r.headers["content-length"]) == len(r.content) for r in uploads(api))
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in uploads(api))


@pytest.mark.anyio
async def test_upload_input_errors_name_the_problem(mode: str, tmp_path: Path) -> None:
    api = FakeAPI()
    async with harness(mode, api.handler) as h:
        with pytest.raises(FileNotFoundError, match=r"missing\.jsonl"):
            await h.call(h.client.files.create(file=tmp_path / "missing.jsonl", purpose="batch"))
        with pytest.raises(TypeError, match="binary file object"):
            await h.call(h.client.files.create(file=io.StringIO("{}"), purpose="batch"))  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="expires_after needs the keys"):
            await h.call(h.client.files.create(file=io.BytesIO(b""), purpose="batch", expires_after={"seconds": 1}))
        with pytest.raises(ValueError, match="purpose"):
            await h.call(h.client.files.create(file=io.BytesIO(b""), purpose=""))
    assert api.requests == []


class StreamingSink(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Consumes a request body chunk by chunk, like a socket would (MockTransport reads it whole)."""

    def __init__(self) -> None:
        self.received = 0
        self.largest_chunk = 0

    def _count(self, chunk: bytes) -> None:
        self.received += len(chunk)
        self.largest_chunk = max(self.largest_chunk, len(chunk))

    def _answer(self) -> httpx.Response:
        return httpx.Response(200, json=file_json("file-big", bytes=self.received, filename="big.jsonl"))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, Iterable)
        for chunk in request.stream:
            self._count(chunk)
        return self._answer()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        async for chunk in request.stream:
            self._count(chunk)
        return self._answer()


@pytest.mark.anyio
async def test_upload_of_20_mb_streams_without_loading_the_file(mode: str, tmp_path: Path) -> None:
    size = 20 * 1024 * 1024
    big = tmp_path / "big.jsonl"
    with big.open("wb") as out:
        line = b'{"custom_id": "x", "method": "POST", "url": "/v1/embeddings", "body": {}}\n'
        for _ in range(size // len(line) + 1):
            out.write(line)
    sink = StreamingSink()
    client = (BatchClient if mode == "sync" else AsyncBatchClient)(KEY, transport=sink)
    gc.collect()
    tracemalloc.start()
    try:
        created = client.files.create(file=big, purpose="batch")
        if mode == "async":
            created = await created  # type: ignore[misc]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        if isinstance(client, AsyncBatchClient):
            await client.close()
        else:
            client.close()
    assert sink.received > big.stat().st_size  # the whole file, plus multipart framing
    assert sink.largest_chunk <= 64 * 1024
    assert created.bytes_ == sink.received
    assert peak < 2 * 1024 * 1024, f"peak {peak} bytes while uploading {big.stat().st_size}"


# --- content -----------------------------------------------------------------------------


class ChunkStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body delivered in the given chunks, then optionally a network error."""

    def __init__(self, chunks: Iterable[bytes], fail: bool = False) -> None:
        self.chunks = chunks
        self.fail = fail

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks
        if self.fail:
            raise httpx.ReadError("connection reset mid-body")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk
        if self.fail:
            raise httpx.ReadError("connection reset mid-body")


def serving(*bodies: ChunkStream) -> tuple[list[httpx.Request], object]:
    seen: list[httpx.Request] = []
    queue = list(bodies)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, stream=queue.pop(0) if len(queue) > 1 else queue[0])

    return seen, handler


@pytest.mark.anyio
async def test_content_is_lazy_and_streams_lines(mode: str) -> None:
    seen, handler = serving(ChunkStream([b'{"a": 1}\r\n{"b"', b": 2}\n\n", b'{"c": 3}']))
    async with harness(mode, handler) as h:  # type: ignore[arg-type]
        content = h.client.files.content("file-out")
        assert seen == []
        assert await h.lines(content) == [b'{"a": 1}', b'{"b": 2}', b"", b'{"c": 3}']
    assert [r.url.path for r in seen] == ["/v1/files/file-out/content"]
    assert seen[0].headers["authorization"] == f"Bearer {KEY}"


@pytest.mark.anyio
async def test_content_iter_bytes_and_read(mode: str) -> None:
    _, handler = serving(ChunkStream([b"abc", b"def"]))
    async with harness(mode, handler) as h:  # type: ignore[arg-type]
        content = h.client.files.content("file-out")
        iterator = content.iter_bytes()
        chunks = [c async for c in iterator] if hasattr(iterator, "__aiter__") else list(iterator)
        assert b"".join(chunks) == b"abcdef"
        assert await h.call(content.read()) == b"abcdef"


@pytest.mark.anyio
async def test_awaiting_async_content_returns_it_unfetched() -> None:
    seen, handler = serving(ChunkStream([b"x"]))
    async with harness("async", handler) as h:  # type: ignore[arg-type]
        content = await h.client.files.content("file-1")  # type: ignore[misc]
        assert isinstance(content, AsyncFileContent)
        assert seen == []


@pytest.mark.anyio
async def test_write_to_is_atomic_and_leaves_no_temp_file(mode: str, tmp_path: Path) -> None:
    _, handler = serving(ChunkStream([b"line 1\n", b"line 2\n"]))
    target = tmp_path / "out.jsonl"
    async with harness(mode, handler) as h:  # type: ignore[arg-type]
        written = await h.call(h.client.files.content("file-out").write_to(target))
    assert written == target
    assert target.read_bytes() == b"line 1\nline 2\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


@pytest.mark.anyio
async def test_write_to_failure_keeps_the_old_file_and_no_temp(mode: str, tmp_path: Path) -> None:
    _, handler = serving(ChunkStream([b"partial"], fail=True))
    target = tmp_path / "out.jsonl"
    target.write_bytes(b"previous results\n")
    async with harness(mode, handler, max_retries=1) as h:  # type: ignore[arg-type]
        with pytest.raises(APIConnectionError, match="ReadError"):
            await h.call(h.client.files.content("file-out").write_to(target))
        assert len(h.sleeps) == 1  # restarted once, failed again
    assert target.read_bytes() == b"previous results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


@pytest.mark.anyio
async def test_write_to_restarts_a_download_cut_midway(mode: str, tmp_path: Path) -> None:
    seen, handler = serving(ChunkStream([b"half"], fail=True), ChunkStream([b"whole\n", b"file\n"]))
    target = tmp_path / "out.jsonl"
    async with harness(mode, handler) as h:  # type: ignore[arg-type]
        await h.call(h.client.files.content("file-out").write_to(target))
    assert target.read_bytes() == b"whole\nfile\n"
    assert len(seen) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


@pytest.mark.anyio
async def test_write_to_a_missing_file_creates_nothing(mode: str, tmp_path: Path) -> None:
    api = FakeAPI()
    target = tmp_path / "out.jsonl"
    async with harness(mode, api.handler) as h:
        with pytest.raises(NotFoundError, match="downloadFile: HTTP 404"):
            await h.call(h.client.files.content("file-missing").write_to(target))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.anyio
async def test_mid_stream_error_while_iterating_is_wrapped(mode: str) -> None:
    _, handler = serving(ChunkStream([b"a\n"], fail=True))
    async with harness(mode, handler) as h:  # type: ignore[arg-type]
        with pytest.raises(APIConnectionError, match="downloadFile: ReadError"):
            await h.lines(h.client.files.content("file-out"))


@pytest.mark.anyio
async def test_download_of_20_mb_holds_one_chunk(mode: str, tmp_path: Path) -> None:
    chunk = b"x" * 65535 + b"\n"
    count = 320  # 20 MiB

    def body() -> Iterator[bytes]:
        for _ in range(count):
            yield chunk

    class Generated(ChunkStream):
        def __iter__(self) -> Iterator[bytes]:
            yield from body()

        async def __aiter__(self) -> AsyncIterator[bytes]:
            for piece in body():
                yield piece

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Generated([]))

    target = tmp_path / "big.jsonl"
    async with harness(mode, handler) as h:
        # Warm up first: one-time costs (lazy imports, anyio's worker thread) are not per-download memory.
        await h.call(h.client.files.content("file-big").write_to(tmp_path / "warm-up.jsonl"))
        gc.collect()
        tracemalloc.start()
        try:
            await h.call(h.client.files.content("file-big").write_to(target))
            lines = 0
            iterator = h.client.files.content("file-big").iter_lines()
            if hasattr(iterator, "__aiter__"):
                async for _ in iterator:
                    lines += 1
            else:
                for _ in iterator:
                    lines += 1
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert target.stat().st_size == count * len(chunk)
    assert lines == count
    assert peak < 2 * 1024 * 1024, f"peak {peak} bytes for a {count * len(chunk)} byte download"


# --- ids ---------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("call", "field"),
    [
        ("files.content", "file_id"),
        ("files.retrieve", "file_id"),
        ("files.delete", "file_id"),
        ("batches.retrieve", "batch_id"),
        ("batches.cancel", "batch_id"),
    ],
)
async def test_empty_id_is_refused_naming_the_field(mode: str, call: str, field: str) -> None:
    api = FakeAPI()
    async with harness(mode, api.handler) as h:
        resource, method = call.split(".")
        with pytest.raises(ValueError, match=rf"^{field} is empty"):
            await h.call(getattr(getattr(h.client, resource), method)(""))
    assert api.requests == []


@pytest.mark.anyio
async def test_empty_input_file_id_is_refused(mode: str) -> None:
    api = FakeAPI()
    async with harness(mode, api.handler) as h:
        with pytest.raises(ValueError, match=r"^input_file_id is empty"):
            await h.call(h.client.batches.create(input_file_id="", endpoint="/v1/embeddings"))
    assert api.requests == []


def test_file_id_or_none() -> None:
    from openai_batch_api.types import UNSET

    assert file_id_or_none("file-abc") == "file-abc"
    assert file_id_or_none("") is None
    assert file_id_or_none("  ") is None
    assert file_id_or_none(None) is None
    assert file_id_or_none(UNSET) is None
    assert file_id_or_none(123) is None


# --- the line splitter -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chunks", "lines"),
    [
        ([b"a\nb\n"], [b"a", b"b"]),
        ([b"a\r\nb"], [b"a", b"b"]),
        ([b"a", b"b", b"c\n"], [b"abc"]),
        ([b"a\r", b"\nb\n"], [b"a", b"b"]),
        ([b"\n\n"], [b"", b""]),
        ([b""], []),
        ([b"no newline"], [b"no newline"]),
        ([b"x" * 10, b"y" * 10 + b"\nz"], [b"x" * 10 + b"y" * 10, b"z"]),
    ],
)
def test_line_splitter(chunks: list[bytes], lines: list[bytes]) -> None:
    splitter = LineSplitter()
    out: list[bytes] = []
    for chunk in chunks:
        out += splitter.feed(chunk)
    last = splitter.end()
    if last is not None:
        out.append(last)
    assert out == lines


class TrackedStream(ChunkStream):
    """A ChunkStream that records whether the client closed it."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        super().__init__(chunks)
        self.closed = False

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


@pytest.mark.anyio
@pytest.mark.parametrize(("method", "expected"), [("iter_lines", "a"), ("iter_byte_lines", b"a")])
async def test_leaving_iter_lines_early_closes_the_response(mode: str, method: str, expected: object) -> None:
    stream = TrackedStream([b"a\n", b"b\n", b"c\n"])
    _, handler = serving(stream)
    async with harness(mode, handler) as h:  # type: ignore[arg-type]
        iterator = getattr(h.client.files.content("file-out"), method)()
        if hasattr(iterator, "__aiter__"):
            first = await iterator.__anext__()
            await iterator.aclose()
        else:
            first = next(iterator)
            iterator.close()
        assert first == expected  # iter_lines gives str, as the official SDK; iter_byte_lines bytes
        assert stream.closed


@pytest.mark.anyio
async def test_text_iteration_yields_str_like_the_sdk(mode: str) -> None:
    data = 'première ligne\n{"k": "é"}\n'.encode()
    # Chunks cut inside a two-byte character: the text still decodes whole.
    _, handler = serving(*(TrackedStream([data[:5], data[5:20], data[20:]]) for _ in range(2)))

    async def collect(iterator: Iterator[str] | AsyncIterator[str]) -> list[str]:
        if isinstance(iterator, AsyncIterator):
            return [item async for item in iterator]
        return list(iterator)

    async with harness(mode, handler) as h:  # type: ignore[arg-type]
        content = h.client.files.content("file-out")
        lines = await collect(content.iter_lines())
        text = await collect(content.iter_text())
    assert lines == ["première ligne", '{"k": "é"}']
    assert "".join(text) == data.decode()


@pytest.mark.anyio
async def test_cancelled_async_write_to_leaves_no_temp_file(tmp_path: Path) -> None:
    import anyio

    target = tmp_path / "out.jsonl"
    midway = anyio.Event()

    class StallingStream(httpx.AsyncByteStream):
        # Sends one chunk, then stalls: the download is cancelled half-written.
        async def __aiter__(self) -> AsyncIterator[bytes]:
            yield b"first half\n"
            midway.set()
            await anyio.sleep(3600)
            yield b"never sent\n"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=StallingStream())

    async with AsyncBatchClient(api_key=KEY, transport=httpx.MockTransport(handler)) as client:
        async with anyio.create_task_group() as tg:

            async def download() -> None:
                await client.files.content("file-out").write_to(target)

            tg.start_soon(download)
            await midway.wait()
            await anyio.sleep(0.05)  # let the first chunk reach the temp file
            assert any(tmp_path.iterdir()), "the half-written temp file should exist before the cancel"
            tg.cancel_scope.cancel()
    assert list(tmp_path.iterdir()) == []
