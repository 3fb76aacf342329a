"""Discovery of a deleted state against the local server holding 10,000 other batches.

The server's store is seeded directly (``openai_batch.server.seeding``), so the account is
large without 10,000 API calls. Requests are counted at the transport.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openai_batch import BatchClient
from openai_batch.server import LocalServer
from openai_batch.server.seeding import seed_batches
from openai_batch.workflow import BatchLimits, Job

from tests.fixtures.local_server import ROOMY_QUEUE, input_file

pytestmark = pytest.mark.wire

FAST_POLL: dict[str, Any] = {"poll_interval": 0.02, "max_interval": 0.05, "deadline": 60}
OTHERS = 10_000


class CountingTransport(httpx.HTTPTransport):
    """Counts requests by (method, path) on their way out."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append((request.method, request.url.path))
        return super().handle_request(request)

    def count(self, method: str, path: str) -> int:
        return sum(1 for m, p in self.calls if m == method and p == path)


@pytest.fixture
def counted_client() -> Iterator[Callable[[LocalServer], tuple[BatchClient, CountingTransport]]]:
    clients: list[BatchClient] = []

    def make(server: LocalServer) -> tuple[BatchClient, CountingTransport]:
        transport = CountingTransport()
        client = BatchClient(api_key="sk-local-test", base_url=server.base_url, transport=transport)
        clients.append(client)
        return client, transport

    yield make
    for client in clients:
        client.close()


def submit(client: BatchClient, src: Path, state: Path) -> Job:
    return Job.submit(client, src, state=state, limits=BatchLimits(max_requests=5), queue=ROOMY_QUEUE)


def reach_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "looked for it on the service" in r.getMessage()]


def test_a_deleted_state_is_found_in_the_first_page_not_by_walking_10000_batches(
    local_server_factory: Callable[..., LocalServer],
    counted_client: Callable[[LocalServer], tuple[BatchClient, CountingTransport]],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    data_dir = tmp_path / "server"
    started = time.perf_counter()
    seed_batches(data_dir, OTHERS)
    assert time.perf_counter() - started < 10  # seeding is direct, not through the API
    server = local_server_factory(data_dir=data_dir)
    client, transport = counted_client(server)
    src = tmp_path / "in.jsonl"
    src.write_bytes(input_file(f"r{i:05d}" for i in range(10)))
    state = tmp_path / "state" / "jobs.sqlite"
    with submit(client, src, state) as job:
        job_id = job.job_id
        job.wait(**FAST_POLL)
    shutil.rmtree(state.parent)  # the state is gone; the service still has both batches

    transport.calls.clear()
    caplog.set_level(logging.INFO, logger="openai_batch.workflow")
    with submit(client, src, state) as job:
        assert job.job_id == job_id and job.resumed
        job.wait(**FAST_POLL)
        summary = job.write_results(tmp_path / "out.jsonl")
    assert summary.counts == {"succeeded": 10}
    assert transport.count("POST", "/v1/batches") == 0 and transport.count("POST", "/v1/files") == 0
    # Its two batches are the newest: one page of 100 holds them both, and the walk stops there.
    assert transport.count("GET", "/v1/batches") == 1
    assert transport.count("GET", "/v1/files") == 0  # each shard's upload came with its batch
    (line,) = reach_lines(caplog)
    assert "batches: read 2 batches, back to" in line
    assert "stopped: every shard was found" in line
    assert "uploads: no upload search needed" in line


def test_a_new_job_walks_back_to_the_window_and_says_so(
    local_server_factory: Callable[..., LocalServer],
    counted_client: Callable[[LocalServer], tuple[BatchClient, CountingTransport]],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # 10,000 batches ten minutes apart: the newest 4,464 are inside the 31-day window.
    data_dir = tmp_path / "server"
    seed_batches(data_dir, OTHERS, spacing=600.0)
    server = local_server_factory(data_dir=data_dir)
    client, transport = counted_client(server)
    src = tmp_path / "in.jsonl"
    src.write_bytes(input_file(f"n{i:05d}" for i in range(10)))
    caplog.set_level(logging.INFO, logger="openai_batch.workflow")
    with submit(client, src, tmp_path / "state" / "jobs.sqlite") as job:
        job.wait(**FAST_POLL)
    (line,) = reach_lines(caplog)
    in_window = 31 * 24 * 3600 // 600
    assert f"batches: read {in_window:,} batches" in line or f"batches: read {in_window - 1:,} batches" in line
    assert "stopped: the next one was older than the look-up window" in line
    assert "uploads: read 0 uploads; stopped: the list ended" in line
    # Discovery walks the batches, then the uploads: up to then it read only the pages that
    # reach the window's edge, not all 100.
    uploads_walk = transport.calls.index(("GET", "/v1/files"))
    pages = [call for call in transport.calls[:uploads_walk] if call == ("GET", "/v1/batches")]
    assert len(pages) == in_window // 100 + 1
