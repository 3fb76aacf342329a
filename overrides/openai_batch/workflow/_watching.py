"""Watch a job's batches: poll the running ones, record what changed, decide when to stop.

The sync and async waits share every decision here (which shards to poll, what a polled
batch changes, when to stop, how long to sleep); only the network calls differ, and those
stay in the two short loops of ``Job.wait`` and ``Job.wait_async``. All store access stays
on the caller's thread, because the store's SQLite connection belongs to the thread that
opened it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from openai_batch_api.models import Batch

from .._batchinfo import TERMINAL_STATUSES, format_errors
from .._polling import TRANSIENT_ERRORS, PollSchedule, Snapshot
from .._progress import BatchProgress, ProgressOption, ProgressSink, make_progress_sink
from ._errors import JobError
from ._history import record_poll_sample
from ._protocols import AsyncJobClient, ClientLike
from ._recording import apply_batch
from ._status import JobStatus
from ._store import JobRow, JobStore, ShardRow

__all__ = [
    "JobWatch",
    "poll_running",
    "poll_running_async",
    "require_sent",
    "unsent",
    "watch_job",
]

logger = logging.getLogger("openai_batch.workflow")


def poll_running(client: ClientLike, store: JobStore, job_id: str, only: set[str] | None = None) -> set[str]:
    """Poll every running batch once (or those of them in ``only``); the ids a transient fault stopped.

    Connection errors, 429s and 5xx leave a shard as it was.
    """
    failed: set[str] = set()
    polled = _pollable(store, job_id, only)
    for shard, batch_id in polled:
        try:
            batch = client.batches.retrieve(batch_id)
        except TRANSIENT_ERRORS as exc:
            _poll_failed(shard, exc)
            failed.add(batch_id)
            continue
        _apply_polled(store, shard, batch)
    if polled:  # the dashboard's progress chart (a finished job's history stays as it ended)
        record_poll_sample(store, job_id)
    return failed


async def poll_running_async(
    client: AsyncJobClient, store: JobStore, job_id: str, only: set[str] | None = None
) -> set[str]:
    """:func:`poll_running` with an :class:`~openai_batch.AsyncBatchClient`."""
    failed: set[str] = set()
    polled = _pollable(store, job_id, only)
    for shard, batch_id in polled:
        try:
            batch = await client.batches.retrieve(batch_id)
        except TRANSIENT_ERRORS as exc:
            _poll_failed(shard, exc)
            failed.add(batch_id)
            continue
        _apply_polled(store, shard, batch)
    if polled:  # the dashboard's progress chart (a finished job's history stays as it ended)
        record_poll_sample(store, job_id)
    return failed


def _pollable(store: JobStore, job_id: str, only: set[str] | None = None) -> list[tuple[ShardRow, str]]:
    """Shards whose batch is still running (and in ``only``, if given), to poll now, each with its batch id."""
    return [
        (s, s.batch_id)
        for s in store.shards(job_id)
        if s.batch_id is not None and s.status not in TERMINAL_STATUSES and (only is None or s.batch_id in only)
    ]


def _apply_polled(store: JobStore, shard: ShardRow, batch: Batch) -> None:
    apply_batch(store, shard, batch)
    if batch.status == "failed":
        logger.warning(
            "batch %s (job %s shard %d) failed: %s",
            batch.id,
            shard.job_id,
            shard.shard_index,
            format_errors(shard.errors or []),
        )


def _poll_failed(shard: ShardRow, exc: Exception) -> None:
    # The batch goes on server-side; a failed poll only delays the news.
    logger.warning("polling batch %s failed (%s); will poll again", shard.batch_id, exc)


def unsent(row: JobRow, shards: Sequence[ShardRow]) -> bool:
    """Whether some shard still needs ``start()`` (not cut yet, or no batch created for it)."""
    return not row.sharded or any(s.batch_id is None and s.status == "pending" for s in shards)


def require_sent(row: JobRow, shards: Sequence[ShardRow]) -> None:
    """Raise :class:`JobError` if shards still need sending, which the async wait cannot do.

    Sending goes through the job's sync client; a cancelled job sends nothing more, so
    its unsent shards do not count.
    """
    if row.cancel_requested or not unsent(row, shards):
        return
    pending = [s.shard_index for s in shards if s.batch_id is None and s.status == "pending"]
    which = f"shards {pending}" if pending and row.sharded else "its input (not sharded yet)"
    raise JobError(
        f"job {row.job_id}: {which} not sent yet; run Job.submit(...) or job.start() "
        "with a sync BatchClient first, then wait_async"
    )


class JobWatch:
    """The decisions of one wait on a job, shared by ``Job.wait`` and ``Job.wait_async``.

    After each round of polling and downloading, :meth:`after_poll` reports the combined
    progress and says whether the wait is over (``None``) or how long to sleep; past the
    deadline it raises :class:`BatchWaitTimeout`. Closing it closes the progress display.
    """

    def __init__(self, store: JobStore, job_id: str, schedule: PollSchedule, sink: ProgressSink) -> None:
        self._store = store
        self._job_id = job_id
        self._schedule = schedule
        self._sink = sink

    def report(self, status: JobStatus, downloaded: bool) -> bool:
        """Show the combined progress; whether the wait is over (every batch final and its results in)."""
        ids, snapshots = _snapshots(self._store.shards(self._job_id))
        self._sink.update(self._schedule.observe(ids, snapshots))
        return status.done and downloaded

    def after_poll(self, status: JobStatus, downloaded: bool) -> float | None:
        if self.report(status, downloaded):
            return None
        running = [s.batch_id or f"shard {s.index}" for s in status.shards if s.status not in TERMINAL_STATUSES]
        return self._schedule.next_sleep(running or ["(downloading results)"], status.status)

    def __enter__(self) -> JobWatch:
        return self

    def __exit__(self, *exc: object) -> None:
        self._sink.close()


def _snapshots(shards: Sequence[ShardRow]) -> tuple[tuple[str, ...], list[Snapshot]]:
    ids = tuple(s.batch_id or f"shard {s.shard_index}" for s in shards)
    # A shard's own request count is its total even before its batch reports one.
    return ids, [(s.status, s.request_count, s.completed, s.failed) for s in shards]


def watch_job(
    store: JobStore,
    job_id: str,
    *,
    poll_interval: float,
    max_interval: float,
    backoff: float,
    deadline: float | None,
    clock: Callable[[], float] | None,
    on_progress: Callable[[BatchProgress], None] | None,
    progress: ProgressOption,
) -> JobWatch:
    """A :class:`JobWatch` with the wait's poll schedule and progress display."""
    schedule = PollSchedule(
        poll_interval=poll_interval,
        max_interval=max_interval,
        backoff=backoff,
        deadline=deadline,
        clock=clock or time.monotonic,
    )
    return JobWatch(store, job_id, schedule, make_progress_sink(progress, on_progress))
