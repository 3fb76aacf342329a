"""Record what the server says about a shard's batch in the job's store.

Sending, polling, cancelling and adopting all learn about a batch the same way, so they
record it the same way: in one transaction, with the in-memory :class:`ShardRow` kept in
step so the caller can go on using it without reading the store again.
"""

from __future__ import annotations

from typing import Any

from openai_batch_api.models import Batch

from .._batchinfo import TERMINAL_STATUSES, batch_counts, batch_errors, optional_str
from ._history import record_batch_times
from ._store import JobStore, ShardRow

__all__ = ["apply_batch", "record_batch"]


def record_batch(store: JobStore, shard: ShardRow, batch: Batch) -> None:
    """Tie ``batch`` to ``shard`` as its current attempt, then record the batch's state."""
    with store.transaction():
        store.update_shard(shard.job_id, shard.shard_index, batch_id=batch.id)
        store.record_attempt(shard.job_id, shard.shard_index, shard.attempt, batch.id, batch.status, None)
    shard.batch_id = batch.id
    apply_batch(store, shard, batch)


def _usage(batch: Batch) -> dict[str, Any] | None:
    """The batch's own ``usage`` as sent, or None when the service did not fill it."""
    # Duck-typed: a spec from before batches had `usage` generates no BatchUsage model at all.
    usage = getattr(batch, "usage", None)
    to_dict = getattr(usage, "to_dict", None)
    return to_dict() if callable(to_dict) else None


def apply_batch(store: JobStore, shard: ShardRow, batch: Batch) -> None:
    """Record what a retrieved batch says about its shard (status, counts, result files, errors)."""
    total, completed, failed = batch_counts(batch)
    errors = batch_errors(batch) or None
    fields: dict[str, Any] = {
        "status": batch.status,
        "total": total,
        "completed": completed,
        "failed": failed,
        "output_file_id": optional_str(batch.output_file_id),
        "error_file_id": optional_str(batch.error_file_id),
        "errors": errors,
    }
    with store.transaction():
        store.update_shard(shard.job_id, shard.shard_index, **fields)
        record_batch_times(store, shard, batch)
        # A retry resets the shard row; the attempts table keeps each attempt's final
        # outcome and errors, so the job's history survives it.
        if batch.status in TERMINAL_STATUSES:
            store.record_attempt(shard.job_id, shard.shard_index, shard.attempt, batch.id, batch.status, errors)
            store.record_batch_usage(
                shard.job_id, batch.id, fields["output_file_id"], fields["error_file_id"], _usage(batch)
            )
    for name, value in fields.items():
        setattr(shard, name, value)
