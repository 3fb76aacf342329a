"""A job's history for the dashboard: request counts at each poll, and each batch's timestamps.

Both are small and bounded, so they live in the job's state file beside everything else.

* Poll samples: after each round of polling, :func:`record_poll_sample` appends (time,
  completed, failed). A poll that changed nothing only moves the last sample's time when the
  one before it holds the same counts, so a plateau costs two rows however long it lasts. Past
  :data:`MAX_POLL_SAMPLES` rows the history is thinned to half that, one sample per even step
  of time (the first and the newest kept): the curve keeps its shape, recent polls add detail
  until the next thinning, and a job polled every five seconds for a day keeps a few hundred
  rows, not seventeen thousand.
* Batch times: each time a batch is retrieved (sent, polled, cancelled),
  :func:`record_batch_times` keeps its status and the service's own ``created_at``,
  ``in_progress_at``, ``finalizing_at`` and end (``completed_at``, ``failed_at``,
  ``expired_at`` or ``cancelled_at``), one row per batch: the dashboard's timeline.

Example::

    record_poll_sample(store, job_id)        # at the end of each poll of the job's batches
    for taken_at, completed, failed in poll_history(store, job_id):
        ...
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from openai_batch_api.models import Batch

from ._store import JobStore, ShardRow

__all__ = ["MAX_POLL_SAMPLES", "batch_times", "poll_history", "record_batch_times", "record_poll_sample"]

#: Past this many samples of one job, every other one is dropped (see the module docstring).
MAX_POLL_SAMPLES = 400

# Where a batch's run ended, by the field the service stamps for each final status.
_END_FIELDS = ("completed_at", "failed_at", "expired_at", "cancelled_at")


def record_poll_sample(store: JobStore, job_id: str, *, clock: Callable[[], float] = time.time) -> None:
    """Append the job's request counts now (completed, failed: summed over its shards, as ``status`` does)."""
    shards = store.shards(job_id)
    completed = sum(s.completed for s in shards)
    failed = sum(s.failed for s in shards)
    now = clock()
    with store.transaction():
        samples = store.poll_samples(job_id)
        if len(samples) >= 2 and all(s[2:] == (completed, failed) for s in samples[-2:]):
            store.move_poll_sample(samples[-1][0], now)
            return
        store.add_poll_sample(job_id, now, completed, failed)
        if len(samples) + 1 > MAX_POLL_SAMPLES:
            store.drop_poll_samples(_thinned(samples, now))


def _thinned(samples: list[tuple[int, float, int, int]], now: float) -> list[int]:
    """Keys to drop so the samples kept (the first, then one per even step of time) are half the bound."""
    step = (now - samples[0][1]) / (MAX_POLL_SAMPLES // 2)
    drop: list[int] = []
    kept_at = samples[0][1]
    for key, taken_at, _, _ in samples[1:]:
        if taken_at - kept_at < step:
            drop.append(key)
        else:
            kept_at = taken_at
    return drop


def poll_history(store: JobStore, job_id: str) -> list[tuple[float, int, int]]:
    """(time, completed, failed) of each recorded poll of the job, oldest first."""
    return [(taken_at, completed, failed) for _, taken_at, completed, failed in store.poll_samples(job_id)]


def _stamp(batch: Batch, name: str) -> int | None:
    value: Any = getattr(batch, name, None)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def record_batch_times(store: JobStore, shard: ShardRow, batch: Batch) -> None:
    """Keep the batch's status and timestamps (created, in_progress, finalizing, ended) for the timeline."""
    ended = next((stamp for stamp in (_stamp(batch, name) for name in _END_FIELDS) if stamp is not None), None)
    times = (_stamp(batch, "created_at"), _stamp(batch, "in_progress_at"), _stamp(batch, "finalizing_at"), ended)
    store.record_batch_times(shard.job_id, batch.id, shard.shard_index, shard.attempt, batch.status, times)


def batch_times(store: JobStore, job_id: str) -> list[tuple[str, int, int, str, tuple[int | None, ...]]]:
    """(batch id, shard, attempt, status, (created, in_progress, finalizing, ended)) of every batch, by shard."""
    return store.batch_times(job_id)
