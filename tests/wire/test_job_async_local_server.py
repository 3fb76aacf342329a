"""Job.wait_async against the local Batch API server: sent with BatchClient, waited on with AsyncBatchClient."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import pytest
from openai_batch import AsyncBatchClient, BatchClient
from openai_batch.server import LocalServer
from openai_batch.workflow import BatchLimits, BatchProgress, Job

from tests.fixtures.local_server import ROOMY_QUEUE, input_file

pytestmark = pytest.mark.wire


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_sharded_job_sent_sync_is_waited_on_async_and_every_result_joined(
    local_server: LocalServer, tmp_path: Path
) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(input_file(f"r{i:05d}" for i in range(25)))
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        # The server runs 1000x faster than real time; a few ms between polls is plenty.
        slept.append(seconds)
        await anyio.sleep(min(seconds, 0.02))

    progress: list[BatchProgress] = []
    with (
        BatchClient(api_key="sk-local-test", base_url=local_server.base_url) as client,
        Job.submit(
            client, src, state=tmp_path / "jobs.sqlite", limits=BatchLimits(max_requests=10), queue=ROOMY_QUEUE
        ) as job,
    ):
        assert len(job.status().batch_ids) == 3
        async with AsyncBatchClient(api_key="sk-local-test", base_url=local_server.base_url) as aclient:
            status = await job.wait_async(
                aclient, poll_interval=0.02, max_interval=0.05, deadline=60, sleep=sleep, on_progress=progress.append
            )
        assert status.done and status.succeeded
        assert [s.request_count for s in status.shards] == [10, 10, 5]
        assert all(s.results_downloaded for s in status.shards)
        assert job.store.result_count(job.job_id) == 25  # stored by the wait, through the async client
        summary = job.write_results(tmp_path / "out.jsonl")
        # Everything was already stored: writing the results fetched nothing more.
        assert job.download_results() == 0
    results: list[dict[str, Any]] = [json.loads(line) for line in (tmp_path / "out.jsonl").read_bytes().splitlines()]
    assert [r["custom_id"] for r in results] == [f"r{i:05d}" for i in range(25)]
    assert summary.counts == {"succeeded": 25}
    assert all(r["status_code"] == 200 and r["body"]["object"] == "chat.completion" for r in results)
    assert len({r["batch_id"] for r in results}) == 3
    assert progress[-1].batches_done == 3 and progress[-1].done == 25
    assert all(0 < s <= 0.05 for s in slept)
