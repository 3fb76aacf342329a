"""Watch a job's batches: poll the running ones, record what changed, decide when to stop.

Every decision is here once (which shards to poll, how, what a polled batch changes, when
to stop, how long to sleep); the polls are flows (see ``_engine``), run by the sync or the
async runner. All store access stays on the caller's thread, because the store's SQLite
connection belongs to the thread that opened it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from openai_batch_api.models import Batch

from .._batchinfo import TERMINAL_STATUSES, format_errors
from .._polling import TRANSIENT_ERRORS, PollSchedule, Snapshot
from .._progress import BatchProgress, ProgressOption, ProgressSink, Throughput, make_progress_sink, overall_progress
from ._discovery import lookup_since
from ._engine import Call, Flow, Walk, gather
from ._history import record_poll_sample
from ._recording import apply_batch, record_batch
from ._rivals import winner
from ._sending import batch_key, requeue_withdrawn, tagged_batches, withdrawn_by_a_sender
from ._status import JobStatus
from ._store import JobRow, JobStore, ShardRow

__all__ = [
    "LIST_POLL_FROM",
    "JobWatch",
    "poll_running",
    "unsent",
    "watch_job",
]

logger = logging.getLogger("openai_batch.workflow")


#: From this many running batches on, a poll round reads the batch list's pages (100 batches a
#: call) instead of retrieving each batch: 200 running batches cost 2 to 10 calls, not 200.
LIST_POLL_FROM = 4
# Pages read at most in a round before the batches not seen are retrieved one by one.
_LIST_POLL_PAGES = 10


def poll_running(store: JobStore, job_id: str, only: set[str] | None = None) -> Flow[set[str]]:
    """Poll every running batch once (or those of them in ``only``); the ids a transient fault stopped.

    Connection errors, 429s and 5xx leave a shard as it was. A batch found cancelled that
    the job did not cancel may have lost to another sender's copy (see ``_rivals``): the
    copy every sender keeps is adopted instead.
    """
    failed: set[str] = set()
    pollable = _pollable(store, job_id, only)
    listed: dict[str, Batch] = {}
    if len(pollable) >= LIST_POLL_FROM:
        wanted = {batch_id for _, batch_id in pollable}
        seen: set[str] = set()

        def all_seen(batch: Batch) -> bool:
            if batch.id in wanted:
                seen.add(batch.id)
            return seen >= wanted

        # Newest first: the walk ends once every running batch was seen, at the page limit, or
        # past the oldest of them (a batch not seen by then is retrieved on its own).
        starts = [s.batch_started_at for s, _ in pollable]
        since = None if None in starts else lookup_since(min(t for t in starts if t is not None))
        batches, keep = gather(since, limit=100 * _LIST_POLL_PAGES, found=all_seen)
        try:
            yield Walk("batches", {"limit": 100}, keep)
        except TRANSIENT_ERRORS as exc:
            logger.warning("listing batches failed (%s); retrieving them one by one", exc)
        listed = {b.id: b for b in batches if b.id in wanted}
    cancelled_by_job = _cancel_requested(store, job_id)
    for shard, batch_id in pollable:
        try:
            batch = listed.get(batch_id) or (yield Call("batches", "retrieve", (batch_id,)))
            if batch.status in ("cancelling", "cancelled") and not cancelled_by_job:
                batch = yield from _kept_copy(store, shard, batch)
                if batch.status in ("cancelling", "cancelled") and (yield from withdrawn_by_a_sender(shard, batch)):
                    requeue_withdrawn(store, shard, batch)  # another sender sends it again, and so may this one
                    continue
        except TRANSIENT_ERRORS as exc:
            _poll_failed(shard, exc)
            failed.add(batch_id)
            continue
        _apply_polled(store, shard, batch)
    if len(failed) < len(pollable):  # the dashboard's progress chart (a finished job's history stays as it ended)
        record_poll_sample(store, job_id)
    return failed


def _cancel_requested(store: JobStore, job_id: str) -> bool:
    row = store.get_job(job_id)
    return row is not None and row.cancel_requested


def _kept_copy(store: JobStore, shard: ShardRow, batch: Batch) -> Flow[Batch]:
    """``batch`` found cancelled: if another sender's copy of it is the one kept, adopt that copy."""
    tagged = yield from tagged_batches(batch_key(shard), lookup_since(shard.batch_started_at or time.time()))
    kept = winner([batch, *(b for b in tagged if b.id != batch.id)])
    if kept.id == batch.id:
        return batch  # cancelled by someone else (a person, the service): it stays this shard's outcome
    logger.warning(
        "job %s shard %d: batch %s was cancelled as a duplicate of %s (another sender); adopting %s",
        shard.job_id,
        shard.shard_index,
        batch.id,
        kept.id,
        kept.id,
    )
    store.record_duplicate(shard.job_id, shard.shard_index, shard.attempt, "batch", batch.id, kept.id)
    record_batch(store, shard, kept)
    return kept


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
        self._throughput = Throughput()

    def report(self, status: JobStatus, downloaded: bool) -> bool:
        """Show the combined progress; whether the wait is over (every batch final and its results in)."""
        ids, snapshots = _snapshots(self._store.shards(self._job_id))
        # The schedule's record keeps its backoff; the job's progress is over all of its shards.
        observed = self._schedule.observe(ids, snapshots)
        self._sink.update(overall_progress(observed, [s[0] for s in snapshots], self._throughput))
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
