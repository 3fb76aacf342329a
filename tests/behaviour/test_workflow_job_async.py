"""Job.wait_async: the same polling, records and results as Job.wait, through an async client."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import anyio.lowlevel
import httpx
import pytest
from openai_batch._exceptions import BadRequestError, InternalServerError, RateLimitError
from openai_batch.workflow import BatchLimits, BatchProgress, BatchWaitTimeout, Job, JobStore
from openai_batch.workflow import _download as download_module
from openai_batch.workflow import _harvest as harvest_module
from openai_batch.workflow import _sending as sending_module
from openai_batch.workflow._upload import file_sha256

from tests.behaviour.workflow_fakes import (
    ROOMY,
    FakeClient,
    FakeServer,
    connection_error,
    status_error,
    write_chat_input,
)

CHAT = "/v1/chat/completions"


class SimulatedCrash(BaseException):
    """Stands in for kill -9: a BaseException nothing in the job catches and handles."""


# --- an async client over the same in-memory server ---------------------------------------
class _AsyncContent:
    def __init__(self, server: FakeServer, file_id: str, opened: list[str]) -> None:
        self._server = server
        self._file_id = file_id
        self.opened = opened

    async def iter_lines(self) -> AsyncIterator[bytes]:
        await anyio.lowlevel.checkpoint()
        self.opened.append(self._file_id)
        self._server._fault("files.content")
        self._server.content_reads += 1
        for line in self._server.files[self._file_id][1].splitlines():
            # Hand control back to the loop between lines, as a real stream would.
            await anyio.lowlevel.checkpoint()
            yield line

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        await anyio.lowlevel.checkpoint()
        self.opened.append(self._file_id)
        self._server._fault("files.content")
        self._server.content_reads += 1
        data = self._server.files[self._file_id][1]
        for start in range(0, len(data), 97):
            # Hand control back to the loop between chunks, as a real stream would.
            await anyio.lowlevel.checkpoint()
            yield data[start : start + 97]


class _Awaited:
    """The methods of a sync fake resource, awaited (each after a checkpoint); ``list`` as an async iterator."""

    def __init__(self, sync: Any, threads: set[int]) -> None:
        self._sync = sync
        self._threads = threads

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._sync, name)
        if name == "list":

            async def pages(**kwargs: Any) -> AsyncIterator[Any]:
                for item in method(**kwargs):
                    await anyio.lowlevel.checkpoint()
                    yield item

            return pages

        async def call(*args: Any, **kwargs: Any) -> Any:
            await anyio.lowlevel.checkpoint()
            self._threads.add(threading.get_ident())
            return method(*args, **kwargs)

        return call


class _AsyncFiles(_Awaited):
    def __init__(self, client: FakeClient, threads: set[int]) -> None:
        super().__init__(client.files, threads)
        self._server = client.server
        #: File ids of every download started, including ones that then failed.
        self.opened: list[str] = []

    def content(self, file_id: str) -> _AsyncContent:
        return _AsyncContent(self._server, file_id, self.opened)


class AsyncFakeClient:
    """An AsyncBatchClient's surface as a job uses it, backed by a sync fake's server."""

    def __init__(self, server: FakeServer) -> None:
        self.server = server
        self.threads: set[int] = set()
        sync = FakeClient(server)
        self.base_url = sync.base_url
        self.batches = _Awaited(sync.batches, self.threads)
        self.files = _AsyncFiles(sync, self.threads)


# --- fixtures and helpers ----------------------------------------------------------------
@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def client() -> FakeClient:
    return FakeClient()


@pytest.fixture
def aclient(client: FakeClient) -> AsyncFakeClient:
    return AsyncFakeClient(client.server)


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state" / "jobs.sqlite"


def submit(client: FakeClient, path: Path, state: Path) -> Job:
    return Job.submit(client, path, state=state, limits=BatchLimits(max_requests=4), queue=ROOMY)


def permanent_error() -> BadRequestError:
    request = httpx.Request("POST", "http://127.0.0.1/batches")
    body = {"error": {"message": "refused"}}
    response = httpx.Response(400, request=request, json=body)
    return BadRequestError("refused", operation="createBatch", response=response, body=body)


def no_sleep(seconds: float) -> None:
    pass


async def no_async_sleep(seconds: float) -> None:
    await anyio.lowlevel.checkpoint()


def fixed_clock() -> float:
    return 0.0


# --- tests ----------------------------------------------------------------------------------
@pytest.mark.anyio
async def test_wait_async_records_exactly_what_the_sync_wait_records(tmp_path: Path) -> None:
    # Two identical servers and inputs: one job waited on synchronously, one asynchronously.
    src = write_chat_input(tmp_path / "in.jsonl", 10, bad={3})
    sync_client, async_side = FakeClient(), FakeClient()
    aclient = AsyncFakeClient(async_side.server)
    sync_progress: list[BatchProgress] = []
    async_progress: list[BatchProgress] = []
    with submit(sync_client, src, tmp_path / "sync.sqlite") as job:
        sync_final = job.wait(sleep=no_sleep, clock=fixed_clock, on_progress=sync_progress.append)
        sync_summary = job.write_results(tmp_path / "sync.jsonl")
        sync_attempts = [row[:4] for row in job.store.attempts(job.job_id)]
    with submit(async_side, src, tmp_path / "async.sqlite") as job:
        async_final = await job.wait_async(
            aclient, sleep=no_async_sleep, clock=fixed_clock, on_progress=async_progress.append
        )
        stored_by_wait = job.store.result_count(job.job_id)
        async_summary = job.write_results(tmp_path / "async.jsonl")
        async_attempts = [row[:4] for row in job.store.attempts(job.job_id)]
    assert async_final.done and async_final.status == "completed"
    assert async_final.shards == sync_final.shards
    assert all(s.results_downloaded for s in async_final.shards)
    assert stored_by_wait == 10  # the wait itself downloaded every result file
    assert async_progress == sync_progress
    assert async_progress[-1].batches_done == 3
    assert async_attempts == sync_attempts
    assert async_summary.counts == sync_summary.counts == {"succeeded": 9, "failed": 1}
    assert (tmp_path / "async.jsonl").read_bytes() == (tmp_path / "sync.jsonl").read_bytes()
    assert async_side.server.retrieves == sync_client.server.retrieves
    # The async client did all the polling; the job's own (sync) client only sent the shards.
    assert aclient.threads == {threading.get_ident()}


@pytest.mark.parametrize(
    "make_error",
    [connection_error, lambda: status_error(RateLimitError, 429), lambda: status_error(InternalServerError, 503)],
)
@pytest.mark.anyio
async def test_wait_async_keeps_polling_through_transient_errors(
    client: FakeClient, aclient: AsyncFakeClient, tmp_path: Path, state: Path, make_error: Callable[[], Exception]
) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 3)
    client.server.faults["batches.retrieve"] += [make_error(), make_error()]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    with submit(client, src, state) as job:
        status = await job.wait_async(aclient, sleep=sleep, clock=fixed_clock, poll_interval=2, max_interval=8)
    assert status.succeeded
    assert not client.server.faults["batches.retrieve"]
    assert slept and all(2 <= s <= 8 for s in slept)


@pytest.mark.anyio
async def test_a_failed_download_is_tried_again_at_the_next_poll(
    client: FakeClient, aclient: AsyncFakeClient, tmp_path: Path, state: Path
) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 6)
    client.server.faults["files.content"].append(connection_error())
    with submit(client, src, state) as job:
        status = await job.wait_async(aclient, sleep=no_async_sleep)
        assert all(s.results_downloaded for s in status.shards)
        assert job.store.result_count(job.job_id) == 6
    assert not client.server.faults["files.content"]
    # Two output files; the first download was cut off and started again at the next poll.
    assert len(aclient.files.opened) == 3
    assert aclient.files.opened[0] == aclient.files.opened[1]
    assert client.server.content_reads == 2


@pytest.mark.anyio
async def test_wait_async_deadline_names_the_running_batches(
    client: FakeClient, aclient: AsyncFakeClient, tmp_path: Path, state: Path
) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 6)
    client.server.auto = False
    now = [0.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    with submit(client, src, state) as job:
        ids = job.status().batch_ids
        with pytest.raises(BatchWaitTimeout) as info:
            await job.wait_async(
                aclient, sleep=sleep, clock=lambda: now[0], poll_interval=10, max_interval=40, deadline=100
            )
    assert now[0] == 100
    assert info.value.batch_ids == ids
    assert "validating" in str(info.value)


@pytest.mark.anyio
async def test_without_download_results_wait_for_download_results_async(
    client: FakeClient, aclient: AsyncFakeClient, tmp_path: Path, state: Path
) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 5, bad={2})
    with submit(client, src, state) as job:
        status = await job.wait_async(aclient, sleep=no_async_sleep, download=False)
        assert status.done
        assert job.store.result_count(job.job_id) == 0
        assert client.server.content_reads == 0
        assert await job.download_results_async(aclient) == 5
        assert await job.download_results_async(aclient) == 0  # nothing is fetched twice
        assert client.server.content_reads == 3  # shard 0's output and error files, shard 1's output
        assert job.write_results(tmp_path / "out.jsonl").counts == {"succeeded": 4, "failed": 1}


@pytest.mark.anyio
async def test_wait_async_sends_the_shards_a_refused_start_left_unsent(
    client: FakeClient, aclient: AsyncFakeClient, tmp_path: Path, state: Path
) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 10)
    # A permanent refusal stops the sending (a transient one would be waited out).
    client.server.faults["batches.create"].append(permanent_error())
    with pytest.raises(BadRequestError, match="refused"):
        submit(client, src, state)
    assert len(client.server.batches) == 0
    with JobStore(state) as store:
        (row,) = store.jobs_for_input(file_sha256(src))
        with Job.open(client, row.job_id, state=store) as job:
            job.queue = ROOMY
            # The async wait runs the same flow as the sync one: it sends what is missing itself.
            status = await job.wait_async(aclient, sleep=no_async_sleep)
            assert len(client.server.batches) == 3 and client.server.uploads == 3
        assert status.succeeded


@pytest.mark.anyio
async def test_a_failed_batch_is_recorded_like_the_sync_wait_records_it(
    client: FakeClient, aclient: AsyncFakeClient, tmp_path: Path, state: Path, caplog: pytest.LogCaptureFixture
) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 8)
    client.server.auto = False
    with submit(client, src, state) as job:
        first, second = job.status().batch_ids
        client.server.fail(first)
        client.server.finish(second)
        client.server.auto = True
        status = await job.wait_async(aclient, sleep=no_async_sleep)
        # As the sync wait does: the limit failure is recorded, its shard queued again and sent.
        assert [s.status for s in status.shards] == ["completed", "completed"]
        assert [(shard, attempt, status) for shard, attempt, _, status, _ in job.store.attempts(job.job_id)] == [
            (0, 1, "failed"),
            (0, 2, "completed"),
            (1, 1, "completed"),
        ]
        assert job.write_results(tmp_path / "out.jsonl").counts == {"succeeded": 8}
    assert any(first in r.getMessage() and "token_limit_exceeded" in r.getMessage() for r in caplog.records)


@pytest.mark.anyio
async def test_crash_during_async_download_loses_and_doubles_nothing(
    client: FakeClient, aclient: AsyncFakeClient, tmp_path: Path, state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 10)
    seen = [0]

    def crash_point(name: str, count: int = 1) -> None:
        if name == "during_download":
            seen[0] += count
            if seen[0] >= 5:
                raise SimulatedCrash(name)

    monkeypatch.setattr(download_module, "crash_point", crash_point)
    with submit(client, src, state) as job:
        with pytest.raises(SimulatedCrash):
            await job.wait_async(aclient, sleep=no_async_sleep)
        stored_before = job.store.result_count(job.job_id)
    assert 0 < stored_before < 10
    for module in (sending_module, harvest_module, download_module):
        monkeypatch.setattr(module, "crash_point", lambda name, count=1: None)
    with submit(client, src, state) as job:
        assert job.resumed
        await job.wait_async(aclient, sleep=no_async_sleep)
        assert job.store.result_count(job.job_id) == 10
        summary = job.write_results(tmp_path / "out.jsonl")
    assert summary.counts == {"succeeded": 10}
    assert client.server.creates == 3
