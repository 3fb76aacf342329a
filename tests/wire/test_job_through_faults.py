"""One run finishes the job through ~30 % faults on the wire: a 20-shard job through the tests' own
fault-injecting proxy (resets, answers lost after the service acted, 429, 5xx, cut downloads) ends
in one `Job.submit` + `wait` with exactly 20 uploads, 20 batches and one result per input."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from openai_batch import BatchClient
from openai_batch.server import LocalServer
from openai_batch.workflow import BatchLimits, Job

from tests.fixtures.local_server import ROOMY_QUEUE, input_file
from tests.wire.fault_proxy import CONTENT_KIND, FaultProxy

pytestmark = pytest.mark.wire

SHARDS = 20
PER_SHARD = 50


def short_sleep(seconds: float) -> None:
    # Backoff is waited out, but briefly: the test measures outcomes, not patience.
    time.sleep(min(seconds, 0.02))


@pytest.mark.parametrize("seed", [1, 2])
def test_a_20_shard_job_finishes_in_one_run_through_30_percent_faults(
    local_server_factory: Callable[..., LocalServer], tmp_path: Path, seed: int
) -> None:
    server = local_server_factory(throughput=20_000.0)
    src = tmp_path / "in.jsonl"
    ids = [f"req-{i:05d}" for i in range(SHARDS * PER_SHARD)]
    src.write_bytes(input_file(ids))
    with (
        FaultProxy(server.base_url, rate=0.3, seed=seed, retry_after=0.0) as proxy,
        BatchClient(api_key="sk-local-test", base_url=proxy.base_url, max_retries=2, sleep=short_sleep) as client,
    ):
        with Job.submit(
            client,
            src,
            state=tmp_path / "jobs.sqlite",
            limits=BatchLimits(max_requests=PER_SHARD),
            deadline=300,
            sleep=short_sleep,
        ) as job:
            job.wait(poll_interval=0.02, max_interval=0.05, deadline=300, sleep=short_sleep)
            summary = job.write_results(tmp_path / "out.jsonl")
        stats = proxy.stats()
    with BatchClient(api_key="sk-local-test", base_url=server.base_url) as direct:
        uploads = list(direct.files.list(purpose="batch"))
        batches = list(direct.batches.list(limit=100))
    assert len(uploads) == SHARDS and len(batches) == SHARDS
    assert sorted(b.input_file_id for b in batches) == sorted(f.id for f in uploads)
    assert summary.counts == {"succeeded": SHARDS * PER_SHARD}
    lines = (tmp_path / "out.jsonl").read_bytes().splitlines()
    assert len(lines) == len(ids)
    # The faults really happened, of every kind, on the calls that matter.
    assert stats.total_faults >= 0.2 * sum(stats.requests.values())
    assert {"reset", "lost_answer", "429", "5xx"} <= {k for k, n in stats.faults.items() if n}
    assert any(kind == "POST /v1/batches" for kind, _ in stats.faults_by_request)


def test_cut_downloads_are_fetched_again_until_whole(
    local_server_factory: Callable[..., LocalServer], tmp_path: Path
) -> None:
    # Only downloads are faulted, half of them cut short (at a line end or mid-line) with no error.
    server = local_server_factory(throughput=20_000.0)
    src = tmp_path / "in.jsonl"
    ids = [f"req-{i:05d}" for i in range(SHARDS * PER_SHARD)]
    src.write_bytes(input_file(ids))
    with (
        FaultProxy(server.base_url, rate=0.5, seed=3, kinds=("cut_line", "cut_mid"), only=[CONTENT_KIND]) as proxy,
        BatchClient(api_key="sk-local-test", base_url=proxy.base_url, sleep=short_sleep) as client,
    ):
        with Job.submit(
            client,
            src,
            state=tmp_path / "jobs.sqlite",
            limits=BatchLimits(max_requests=PER_SHARD),
            sleep=short_sleep,
            queue=ROOMY_QUEUE,
        ) as job:
            job.wait(poll_interval=0.02, max_interval=0.05, deadline=300, sleep=short_sleep)
            summary = job.write_results(tmp_path / "out.jsonl")
        stats = proxy.stats()
    assert summary.counts == {"succeeded": SHARDS * PER_SHARD}
    assert len(stats.cuts) >= 3 and {c.kind for c in stats.cuts} == {"cut_line", "cut_mid"}
    assert all(c.sent < c.length for c in stats.cuts)
