"""A poll round of a job with 200 running batches, on an account holding 10,000 other batches.

The round reads the batch list's pages (100 batches a call), newest first, and stops once it
has seen every running batch of the job: a few calls, not 200 retrieves. The server runs in
real time, so the batches are still validating while they are polled. Requests are counted
at the transport.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openai_batch import BatchClient
from openai_batch.server import LocalServer
from openai_batch.server.seeding import seed_batches
from openai_batch.workflow import BatchLimits, Job

from tests.fixtures.local_server import ROOMY_QUEUE, input_file

pytestmark = pytest.mark.wire

BATCHES = 200
OTHERS = 10_000
_ONE_BATCH = re.compile(r"^/v1/batches/batch_[^/]+$")


class CountingTransport(httpx.HTTPTransport):
    """Counts requests by (method, path) on their way out."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append((request.method, request.url.path))
        return super().handle_request(request)


@pytest.fixture
def slow_server(tmp_path: Path) -> Iterator[LocalServer]:
    data_dir = tmp_path / "server"
    seed_batches(data_dir, OTHERS)
    # Real time: a batch validates for about 20 s, so all 200 are running when polled.
    server = LocalServer(data_dir, speed=1.0, tick_interval=0.05)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_a_poll_round_of_200_running_batches_reads_list_pages_not_200_retrieves(
    slow_server: LocalServer, tmp_path: Path
) -> None:
    transport = CountingTransport()
    src = tmp_path / "in.jsonl"
    src.write_bytes(input_file(f"r{i:05d}" for i in range(BATCHES)))
    with BatchClient(api_key="sk-local-test", base_url=slow_server.base_url, transport=transport) as client:
        job = Job.submit(
            client, src, state=tmp_path / "state" / "jobs.sqlite", limits=BatchLimits(max_requests=1), queue=ROOMY_QUEUE
        )
        with job:
            status = job.status()
            assert len(status.batch_ids) == BATCHES
            transport.calls.clear()
            status = job.refresh()  # one poll round
            rounds = list(transport.calls)
            transport.calls.clear()
            job.refresh()  # and another: the same few calls
            again = list(transport.calls)
            job.cancel()
    assert sum(1 for shard in status.shards if shard.status in ("validating", "in_progress")) == BATCHES
    for calls in (rounds, again):
        assert calls.count(("GET", "/v1/batches")) <= 10
        assert not [path for _, path in calls if _ONE_BATCH.match(path)]  # no batch retrieved on its own
        assert len(calls) <= 10
    # The job's 200 batches are the newest: three pages at most, not the 101 that hold the account.
    assert rounds.count(("GET", "/v1/batches")) <= 3
