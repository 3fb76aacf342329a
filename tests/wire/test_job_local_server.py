"""Jobs against the local Batch API server with the real BatchClient: sharding, expiry, cancel,
batch-level failure and retry, and faults on the wire."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from openai_batch import AsyncBatchClient, BatchClient
from openai_batch.server import LocalServer, ManualClock
from openai_batch.workflow import JOB_METADATA_KEY, BatchLimits, Job, Outcome, async_wait_for_batch, wait_for_batch

from tests.fixtures.local_server import ROOMY_QUEUE, input_file

pytestmark = pytest.mark.wire

FAST_POLL: dict[str, Any] = {"poll_interval": 0.02, "max_interval": 0.05, "deadline": 60}


@pytest.fixture
def make_client() -> Iterator[Callable[..., BatchClient]]:
    clients: list[BatchClient] = []

    def make(server: LocalServer, max_retries: int = 4) -> BatchClient:
        client = BatchClient(api_key="sk-local-test", base_url=server.base_url, max_retries=max_retries)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def write_input(path: Path, n: int, *, prefix: str = "r") -> Path:
    path.write_bytes(input_file(f"{prefix}{i:05d}" for i in range(n)))
    return path


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def test_job_shards_into_three_batches_and_joins_every_result(
    local_server_factory: Callable[..., LocalServer], make_client: Callable[..., BatchClient], tmp_path: Path
) -> None:
    server = local_server_factory(throughput=1000.0, fail_custom_id_pattern=r"7$")
    client = make_client(server)
    src = write_input(tmp_path / "in.jsonl", 25)
    with Job.submit(client, src, state=tmp_path / "jobs.sqlite", limits=BatchLimits(max_requests=10)) as job:
        status = job.wait(**FAST_POLL)
        assert status.done
        assert [s.request_count for s in status.shards] == [10, 10, 5]
        summary = job.write_results(tmp_path / "out.jsonl")
        job_id = job.job_id
    results = rows(tmp_path / "out.jsonl")
    assert [r["custom_id"] for r in results] == [f"r{i:05d}" for i in range(25)]
    failing = {f"r{i:05d}" for i in range(25) if str(i).endswith("7")}
    assert {r["custom_id"] for r in results if r["outcome"] == "failed"} == failing
    assert summary.counts == {"succeeded": 25 - len(failing), "failed": len(failing)}
    ok = next(r for r in results if r["outcome"] == "succeeded")
    assert ok["status_code"] == 200 and ok["body"]["object"] == "chat.completion"
    batches = list(client.batches.list(limit=100))
    assert sorted(b.metadata[JOB_METADATA_KEY] for b in batches) == [f"{job_id}:{i}:1" for i in range(3)]  # type: ignore[index]
    assert len(list(client.files.list(purpose="batch"))) == 3


def test_expired_batches_keep_finished_results_and_the_rest_is_resubmitted(
    local_server_factory: Callable[..., LocalServer], make_client: Callable[..., BatchClient], tmp_path: Path
) -> None:
    clock = ManualClock(1_800_000_000)
    server = local_server_factory(clock=clock, validating_seconds=1, finalizing_seconds=0, throughput=1.0)
    client = make_client(server)
    engine = server.state.engine
    src = write_input(tmp_path / "in.jsonl", 10)
    # One attempt: the expired requests are resubmitted by hand here (automatic retries: test_job_queue).
    with Job.submit(
        client,
        src,
        state=tmp_path / "jobs.sqlite",
        limits=BatchLimits(max_requests=4),
        queue=ROOMY_QUEUE,
        max_attempts=1,
    ) as job:
        first, second, third = job.status().batch_ids
        clock.advance(1)
        engine.tick()  # validating -> in_progress
        clock.advance(1)
        engine.tick()  # one request done in each batch
        engine.expire_now(second)
        engine.expire_now(third)
        clock.advance(100)
        engine.tick()
        status = job.wait(**FAST_POLL)
        assert [s.status for s in status.shards] == ["completed", "expired", "expired"]
        summary = job.write_results(tmp_path / "first.jsonl")
        assert summary.counts == {"succeeded": 6, "expired": 4}
        expired = [r["custom_id"] for r in rows(tmp_path / "first.jsonl") if r["outcome"] == "expired"]
        assert job.resubmit_unfinished() == 4
        clock.advance(100)
        engine.tick()
        clock.advance(100)
        engine.tick()
        job.wait(**FAST_POLL)
        final = job.write_results(tmp_path / "final.jsonl")
    assert final.counts == {"succeeded": 10}
    resent = client.batches.list(limit=100)
    newest = next(iter(resent))
    sent_again = [json.loads(line)["custom_id"] for line in client.files.content(newest.input_file_id).iter_lines()]
    assert sent_again == expired
    assert first != newest.id


def test_cancel_harvests_what_finished(
    local_server_factory: Callable[..., LocalServer], make_client: Callable[..., BatchClient], tmp_path: Path
) -> None:
    clock = ManualClock(1_800_000_000)
    server = local_server_factory(clock=clock, validating_seconds=1, cancelling_seconds=1, throughput=1.0)
    client = make_client(server)
    src = write_input(tmp_path / "in.jsonl", 6)
    with Job.submit(
        client, src, state=tmp_path / "jobs.sqlite", limits=BatchLimits(max_requests=3), queue=ROOMY_QUEUE
    ) as job:
        clock.advance(1)
        server.state.engine.tick()
        clock.advance(1)
        server.state.engine.tick()
        cancelling = job.cancel()
        assert {s.status for s in cancelling.shards} == {"cancelling"}
        clock.advance(10)
        server.state.engine.tick()
        status = job.wait(**FAST_POLL)
        assert {s.status for s in status.shards} == {"cancelled"}
        outcomes = [r.outcome for r in job.results()]
    assert outcomes.count(Outcome.SUCCEEDED) == 2
    assert outcomes.count(Outcome.CANCELLED) == 4


def test_a_token_limit_failure_is_queued_again_and_succeeds(
    local_server_factory: Callable[..., LocalServer], make_client: Callable[..., BatchClient], tmp_path: Path
) -> None:
    server = local_server_factory(throughput=1000.0, token_limit_batches=1)
    client = make_client(server)
    src = write_input(tmp_path / "in.jsonl", 4)
    with Job.submit(client, src, state=tmp_path / "jobs.sqlite") as job:
        final = job.wait(**FAST_POLL)
        (shard,) = final.shards
        assert final.succeeded and shard.status == "completed" and shard.attempt == 2
        history = job.store.attempts(job.job_id)
        assert [(attempt, status) for _, attempt, _, status, _ in history] == [(1, "failed"), (2, "completed")]
        assert history[0][4][0]["code"] == "token_limit_exceeded"
        assert job.write_results(tmp_path / "out.jsonl").counts == {"succeeded": 4}
    assert len(list(client.files.list(purpose="batch"))) == 1  # the upload was reused


def test_job_completes_through_server_faults(
    local_server_factory: Callable[..., LocalServer], make_client: Callable[..., BatchClient], tmp_path: Path
) -> None:
    faults = [
        {"kind": "error", "status": 503, "rate": 0.5, "match": "^GET /v1/batches/"},
        {"kind": "error", "status": 429, "retry_after": 0, "count": 2, "match": "^GET /v1/batches/"},
        {"kind": "drop", "count": 1, "match": "^GET /v1/files/.*/content$"},
    ]
    server = local_server_factory(throughput=1000.0, faults=faults)
    # No client retries: every fault reaches the job, which must keep polling and re-download.
    client = make_client(server, max_retries=0)
    src = write_input(tmp_path / "in.jsonl", 12)
    with Job.submit(client, src, state=tmp_path / "jobs.sqlite", limits=BatchLimits(max_requests=4)) as job:
        assert job.wait(**FAST_POLL).done
        summary = job.write_results(tmp_path / "out.jsonl")
    assert summary.counts == {"succeeded": 12}
    fired = {(rule["kind"], rule["status"]): rule["fired"] for rule in server.state.faults.snapshot()["rules"]}
    assert fired[("error", 503)] > 0
    assert fired[("drop", 500)] == 1  # one result download was cut off, and retried


def test_wait_for_batch_against_the_server(
    local_server_factory: Callable[..., LocalServer], make_client: Callable[..., BatchClient], tmp_path: Path
) -> None:
    server = local_server_factory(throughput=1000.0)
    client = make_client(server)
    uploaded = client.files.create(file=write_input(tmp_path / "in.jsonl", 5), purpose="batch")
    batch = client.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions")
    statuses: list[str] = []
    done = wait_for_batch(client, batch.id, on_progress=lambda p: statuses.append(p.status), **FAST_POLL)
    assert done.status == "completed"
    assert statuses[-1] == "completed"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_async_wait_for_batch_against_the_server(
    local_server_factory: Callable[..., LocalServer], tmp_path: Path
) -> None:
    server = local_server_factory(throughput=1000.0)
    async with AsyncBatchClient(api_key="sk-local-test", base_url=server.base_url) as client:
        uploaded = await client.files.create(file=write_input(tmp_path / "in.jsonl", 5), purpose="batch")
        batch = await client.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions")
        seen: list[int] = []
        done = await async_wait_for_batch(client, batch.id, on_progress=lambda p: seen.append(p.done), **FAST_POLL)
    assert done.status == "completed"
    assert seen[-1] == 5
