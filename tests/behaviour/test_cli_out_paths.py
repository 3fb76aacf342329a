"""`--out` never destroys what is at the path: a symlink is followed, a FIFO or device is written in place,
`-` is stdout, and a regular file (or a new path) is still replaced atomically."""

from __future__ import annotations

import json
import os
import stat
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from openai_batch import APIConnectionError
from openai_batch._download_flow import CHUNK_SIZE
from openai_batch.cli import _commands, main

from tests.behaviour.client_fakes import harness
from tests.behaviour.workflow_fakes import FakeClient, write_chat_input

FAST = ["--poll-interval", "0.001", "--max-interval", "0.001"]


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> FakeClient:
    fake = FakeClient()
    monkeypatch.setattr(_commands, "make_client", lambda args: fake)
    return fake


@pytest.fixture
def job(client: FakeClient, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> tuple[str, str]:
    """A finished job of 3 requests: (job id, state path)."""
    src = write_chat_input(tmp_path / "in.jsonl", 3)
    state = str(tmp_path / "jobs.sqlite")
    assert main(["submit", str(src), "--state", state, "--wait", *FAST, "--json"]) == 0
    return json.loads(capfd.readouterr().out)["job_id"], state


def custom_ids(data: bytes) -> list[str]:
    return [json.loads(line)["custom_id"] for line in data.splitlines()]


class FifoReader:
    """Reads a FIFO to its end on a thread, as `cat fifo` would."""

    def __init__(self, path: Path) -> None:
        os.mkfifo(path)
        self.path = path
        self.data = b""
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        with self.path.open("rb") as fifo:
            self.data = fifo.read()

    def join(self) -> bytes:
        self.thread.join(timeout=30)
        assert not self.thread.is_alive(), "the FIFO was never opened for writing"
        return self.data


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[FifoReader]:
    reader = FifoReader(tmp_path / "fifo")
    yield reader
    if reader.thread.is_alive():  # unblock the reader if the command never opened the FIFO
        with reader.path.open("wb"):
            pass
        reader.thread.join(timeout=5)


@pytest.mark.parametrize("schema", [False, True])
def test_results_out_follows_a_symlink_and_keeps_it(
    job: tuple[str, str], tmp_path: Path, schema: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id, state = job
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "results.jsonl"
    target.write_text("old\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    argv = ["results", job_id, "--state", state, "--out", str(link)]
    if schema:
        (tmp_path / "out_models.py").write_text("from pydantic import BaseModel\n\nclass M(BaseModel):\n    x: int\n")
        monkeypatch.chdir(tmp_path)
        monkeypatch.setattr(sys, "path", list(sys.path))
        monkeypatch.delitem(sys.modules, "out_models", raising=False)
        argv += ["--schema", "out_models:M"]
    main(argv)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert custom_ids(target.read_bytes()) == ["r00000", "r00001", "r00002"]
    # The temporary file was made beside the target and renamed there: nothing is left behind.
    assert sorted(p.name for p in (tmp_path / "real").iterdir()) == ["results.jsonl"]


def test_out_writes_into_a_fifo_without_replacing_it(job: tuple[str, str], fifo: FifoReader) -> None:
    job_id, state = job
    assert main(["results", job_id, "--state", state, "--out", str(fifo.path)]) == 0
    assert custom_ids(fifo.join()) == ["r00000", "r00001", "r00002"]
    assert stat.S_ISFIFO(fifo.path.lstat().st_mode)
    assert [p.name for p in fifo.path.parent.iterdir() if p.name.endswith(".part")] == []


def test_out_writes_to_a_character_device_without_replacing_it(job: tuple[str, str], tmp_path: Path) -> None:
    job_id, state = job
    # Through a link in tmp_path: code that replaces the path replaces only the link, never /dev/null itself.
    link = tmp_path / "null"
    link.symlink_to("/dev/null")
    before = os.stat("/dev/null")
    assert main(["results", job_id, "--state", state, "--out", str(link)]) == 0
    assert link.is_symlink() and os.readlink(link) == "/dev/null"
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_out_dash_streams_to_stdout_and_speaks_on_stderr(
    job: tuple[str, str], tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id, state = job
    capfd.readouterr()
    monkeypatch.chdir(tmp_path)
    assert main(["results", job_id, "--state", state, "--out", "-"]) == 0
    captured = capfd.readouterr()
    assert custom_ids(captured.out.encode()) == ["r00000", "r00001", "r00002"]
    assert "wrote 3 result(s) to stdout" in captured.err
    assert not (tmp_path / "-").exists()


def test_out_dash_with_json_is_refused_before_anything_is_written(
    job: tuple[str, str], capfd: pytest.CaptureFixture[str]
) -> None:
    job_id, state = job
    capfd.readouterr()
    assert main(["results", job_id, "--state", state, "--out", "-", "--json"]) == 2
    document = json.loads(capfd.readouterr().out)
    assert document["error"]["kind"] == "usage" and "--out -" in document["error"]["message"]


def test_out_to_a_regular_file_is_still_atomic(job: tuple[str, str], tmp_path: Path) -> None:
    job_id, state = job
    target = tmp_path / "out.jsonl"
    target.write_text("old\n")
    before = target.stat().st_ino
    assert main(["results", job_id, "--state", state, "--out", str(target)]) == 0
    assert custom_ids(target.read_bytes()) == ["r00000", "r00001", "r00002"]
    assert target.stat().st_ino != before  # a new file renamed over the old one, not rewritten in place


# --- the same opener under the client's own download (files download --out, content.write_to) ---------


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def serving(*bodies: list[bytes], cut: bool = False) -> tuple[list[httpx.Request], object]:
    seen: list[httpx.Request] = []

    class Body(httpx.SyncByteStream, httpx.AsyncByteStream):
        def __init__(self, chunks: list[bytes]) -> None:
            self.chunks = chunks

        def __iter__(self) -> Iterator[bytes]:
            yield from self.chunks
            if cut:
                raise httpx.ReadError("connection reset mid-body")

        async def __aiter__(self) -> AsyncIterator[bytes]:
            for chunk in self.chunks:
                yield chunk
            if cut:
                raise httpx.ReadError("connection reset mid-body")

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, stream=Body(bodies[min(len(seen), len(bodies)) - 1]))

    return seen, handler


@pytest.mark.anyio
async def test_write_to_fills_a_fifo_and_a_symlinks_target(mode: str, tmp_path: Path) -> None:
    _, handler = serving([b"line 1\n", b"line 2\n"])
    reader = FifoReader(tmp_path / "fifo")
    (tmp_path / "real").mkdir()
    link = tmp_path / "link.jsonl"
    link.symlink_to(tmp_path / "real" / "file.jsonl")  # dangling: the file is created where it points
    async with harness(mode, handler) as h:  # type: ignore[arg-type]
        await h.call(h.client.files.content("file-out").write_to(reader.path))
        await h.call(h.client.files.content("file-out").write_to(link))
    assert reader.join() == b"line 1\nline 2\n" and stat.S_ISFIFO(reader.path.lstat().st_mode)
    assert link.is_symlink() and (tmp_path / "real" / "file.jsonl").read_bytes() == b"line 1\nline 2\n"
    assert [p.name for p in tmp_path.rglob("*.part")] == []


@pytest.mark.anyio
async def test_a_cut_download_into_a_fifo_is_not_restarted(mode: str, tmp_path: Path) -> None:
    # Bytes already in a pipe cannot be taken back: a restart would send them twice.
    half = b"x" * CHUNK_SIZE  # one whole chunk: it reaches the pipe before the cut
    seen, handler = serving([half], cut=True)
    reader = FifoReader(tmp_path / "fifo")
    async with harness(mode, handler) as h:  # type: ignore[arg-type]
        with pytest.raises(APIConnectionError, match="ReadError"):
            await h.call(h.client.files.content("file-out").write_to(reader.path))
    assert reader.join() == half and len(seen) == 1
