"""The job history the dashboard draws: poll samples (bounded, down-sampled) and each batch's timestamps."""

from __future__ import annotations

import itertools
from pathlib import Path

import anyio.lowlevel
import pytest
from openai_batch.dashboard._views import eta
from openai_batch.workflow import AsyncJob, BatchLimits, Job, QueuePolicy
from openai_batch.workflow import _history as history_module
from openai_batch.workflow._history import batch_times, poll_history, record_poll_sample
from openai_batch.workflow._store import JobRow, JobStore, ShardRow

from .test_workflow_job_async import AsyncFakeClient
from .workflow_fakes import FakeClient, FakeServer


def _store_with_job(path: Path, shards: int = 2) -> JobStore:
    store = JobStore(path)
    store.create_job(JobRow("job_x", "in.jsonl", "d", "/v1/chat/completions", "24h", {}, {}, {}, request_count=20))
    store.add_shards(ShardRow("job_x", i, "in.jsonl", 0, 0, 10, 0, f"t{i}") for i in range(shards))
    return store


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        self.now += 5
        return self.now


def test_a_plateau_keeps_two_samples_and_moves_the_last(tmp_path: Path) -> None:
    clock = Clock()
    with _store_with_job(tmp_path / "s.sqlite") as store:
        record_poll_sample(store, "job_x", clock=clock)
        store.update_shard("job_x", 0, completed=4, failed=1)
        for _ in range(10):
            record_poll_sample(store, "job_x", clock=clock)
        history = poll_history(store, "job_x")
    # The start, the first poll that saw (4, 1), and that plateau's latest poll: 11 polls, 3 rows.
    assert history == [(1005.0, 0, 0), (1010.0, 4, 1), (1055.0, 4, 1)]


def test_history_stays_bounded_and_keeps_its_ends(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bound = 40  # the rule at a small bound: a few thinnings in a hundred-odd polls
    monkeypatch.setattr(history_module, "MAX_POLL_SAMPLES", bound)
    clock = Clock()
    with _store_with_job(tmp_path / "s.sqlite") as store:
        polls = 4 * bound
        for done in range(polls):
            store.update_shard("job_x", 0, completed=done)
            record_poll_sample(store, "job_x", clock=clock)
        history = poll_history(store, "job_x")
    assert bound // 4 <= len(history) <= bound
    assert history[0] == (1005.0, 0, 0)
    assert history[-1] == (1000.0 + 5 * polls, polls - 1, 0)
    times = [t for t, _, _ in history]
    assert times == sorted(times)
    # Thinned evenly in time: no gap is wider than two even steps over the whole span (plus one poll).
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert max(gaps) <= 2 * (times[-1] - times[0]) / (bound // 2) + 5


def test_a_job_wait_records_polls_and_every_batch_timestamps(tmp_path: Path) -> None:
    server = FakeServer()
    src = tmp_path / "in.jsonl"
    src.write_text(
        "".join(
            f'{{"custom_id": "r{i}", "method": "POST", "url": "/v1/chat/completions", '
            f'"body": {{"model": "gpt-4o-mini", "messages": []}}}}\n'
            for i in range(6)
        )
    )
    with Job.submit(
        FakeClient(server),
        src,
        state=tmp_path / "jobs.sqlite",
        limits=BatchLimits(max_requests=3),
        queue=QueuePolicy(max_enqueued_tokens={"gpt-4o-mini": 10**9}),
    ) as job:
        job.wait(poll_interval=0.01, max_interval=0.01, sleep=lambda _: None)
        history = poll_history(job.store, job.job_id)
        rows = batch_times(job.store, job.job_id)
    assert history[-1][1:] == (6, 0)
    assert len(history) >= 2
    assert [(shard, attempt, status) for _, shard, attempt, status, _ in rows] == [
        (0, 1, "completed"),
        (1, 1, "completed"),
    ]
    # The fake stamps creation and the end (the local server's full set: tests/wire/test_dashboard_*).
    for _, _, _, _, (created, _, _, ended) in rows:
        assert created is not None and ended is not None and created <= ended


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _write_six(path: Path) -> Path:
    path.write_text(
        "".join(
            f'{{"custom_id": "r{i}", "method": "POST", "url": "/v1/chat/completions", '
            f'"body": {{"model": "gpt-4o-mini", "messages": []}}}}\n'
            for i in range(6)
        )
    )
    return path


@pytest.mark.anyio
async def test_an_async_job_records_the_same_history_as_a_sync_one(tmp_path: Path) -> None:
    # Twin servers, one input: one job waited on by Job, the other by AsyncJob (the same poll flow).
    src = _write_six(tmp_path / "in.jsonl")
    options = {"limits": BatchLimits(max_requests=2), "queue": QueuePolicy(max_enqueued_tokens={"gpt-4o-mini": 10**9})}
    with Job.submit(FakeClient(FakeServer()), src, state=tmp_path / "sync.sqlite", **options) as job:
        job.wait(poll_interval=0.01, max_interval=0.01, sleep=lambda _: None)
        sync_history = poll_history(job.store, job.job_id)
        sync_rows = batch_times(job.store, job.job_id)

    async def no_sleep(_: float) -> None:
        await anyio.lowlevel.checkpoint()

    ajob = await AsyncJob.submit(
        AsyncFakeClient(FakeServer()), src, state=tmp_path / "async.sqlite", sleep=no_sleep, **options
    )
    with ajob:
        await ajob.wait(poll_interval=0.01, max_interval=0.01, sleep=no_sleep)
        async_history = poll_history(ajob.store, ajob.job_id)
        async_rows = batch_times(ajob.store, ajob.job_id)
    assert async_history[-1][1:] == (6, 0)
    assert len(async_history) >= 2
    # The same counts at each recorded poll, the same batches with the same service timestamps.
    assert [counts for _, *counts in async_history] == [counts for _, *counts in sync_history]
    assert [row[1:4] for row in async_rows] == [row[1:4] for row in sync_rows]

    def relative(rows: list[tuple[str, int, int, str, tuple[int | None, ...]]]) -> list[list[int | None]]:
        # Each fake server's clock starts at its own wall-clock second: compare its ticks, not the start.
        start = min(t for *_, times in rows for t in times if t is not None)
        return [[None if t is None else t - start for t in times] for *_, times in rows]

    assert relative(async_rows) == relative(sync_rows)
    assert [(shard, status) for _, shard, _, status, _ in async_rows] == [(i, "completed") for i in range(3)]


def test_the_timeline_leaves_out_a_copy_given_up_for_another_senders(tmp_path: Path) -> None:
    # Shard 0's batch lost to another sender's copy (see _rivals): the copy kept is the shard's bar.
    with _store_with_job(tmp_path / "s.sqlite") as store:
        store.record_batch_times("job_x", "batch_lost", 0, 1, "cancelled", (10, None, None, 20))
        store.record_batch_times("job_x", "batch_kept", 0, 1, "in_progress", (11, 15, None, None))
        store.record_batch_times("job_x", "batch_other", 1, 1, "validating", (12, None, None, None))
        store.record_duplicate("job_x", 0, 1, "batch", "batch_lost", "batch_kept")
        rows = batch_times(store, "job_x")
    assert [(batch_id, shard, status) for batch_id, shard, _, status, _ in rows] == [
        ("batch_kept", 0, "in_progress"),
        ("batch_other", 1, "validating"),
    ]


def test_deleting_a_job_forgets_its_history(tmp_path: Path) -> None:
    with _store_with_job(tmp_path / "s.sqlite") as store:
        record_poll_sample(store, "job_x", clock=Clock())
        store.delete_job("job_x")
        assert poll_history(store, "job_x") == []


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        ([], None),
        ([(0.0, 0, 0)], None),
        # The latest third (from t=20): 30 requests in 10 s; 50 left take 50 / 3 s more.
        ([(0.0, 0, 0), (10.0, 10, 0), (20.0, 20, 0), (30.0, 40, 10)], 30.0 + 50 * 10 / 30),
        # Nothing moved lately: no guess.
        ([(0.0, 0, 0), (10.0, 50, 0), (20.0, 50, 0), (30.0, 50, 0)], None),
        # Everything done: nothing to wait for.
        ([(0.0, 0, 0), (10.0, 90, 10)], None),
    ],
)
def test_eta_follows_the_latest_third_of_the_polls(
    history: list[tuple[float, int, int]], expected: float | None
) -> None:
    assert eta(history, 100) == expected
