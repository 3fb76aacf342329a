"""Add, as new shards of the same job, requests to send again: ones that did not run, or failed for a
reason that may pass (automatic line-level retries).

The new shards' results join the job's others: joining still walks the original shards
in input order and, for a request moved to a new shard (``mark_retried``), takes its
outcome from there, with how many attempts it took. A resubmitted request that is still
running is therefore pending, not unfinished, and is not sent a third time.
"""

from __future__ import annotations

from collections.abc import Callable

from ._harvest import joined
from ._identity import shard_file_name
from ._join import unfinished_outcomes
from ._limits import BatchLimits
from ._results import BatchResult
from ._shard import plan_shards
from ._store import JobRow, JobStore, ShardRow

__all__ = ["add_retry_shards", "add_unfinished_shards", "needs_line_retries"]

#: How many times a request is sent at most when its lines fail for a retryable reason.
DEFAULT_MAX_ATTEMPTS = 3


def add_unfinished_shards(store: JobStore, row: JobRow, *, include_failed: bool) -> int:
    """Cut the job's unfinished requests (and failed ones if asked) into new pending shards; returns how many."""
    wanted = unfinished_outcomes(include_failed)
    return _add_shards(store, row, lambda result: result.outcome in wanted)


def needs_line_retries(store: JobStore, row: JobRow) -> bool:
    """Cheaply, whether any finished batch of the job reported failed, expired or cancelled requests."""
    return any(
        s.results_done and (s.failed > 0 or s.status in ("expired", "cancelled")) for s in store.shards(row.job_id)
    )


def add_retry_shards(store: JobStore, row: JobRow, *, max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> int:
    """New shards for the requests whose latest attempt failed for a retryable reason; returns how many.

    Retryable: a 429 or 5xx ``status_code`` in the line, ``batch_expired``, or
    ``batch_cancelled`` (unless the job itself was cancelled). Each request is sent at most
    ``max_attempts`` times in all; fatal failures (other 4xx) stay as they are.
    """

    def select(result: BatchResult) -> bool:
        if result.attempts >= max_attempts or not result.retryable:
            return False
        return not (row.cancel_requested and result.outcome.value == "cancelled")

    return _add_shards(store, row, select)


def _add_shards(store: JobStore, row: JobRow, select: Callable[[BatchResult], bool]) -> int:
    """Copy the selected requests' input lines into one compact file; its byte ranges are the new shards.

    The caller sends them (``Job.start``). Their indexes follow the job's last shard, so their
    upload names and batch tags (derived from the job id and the index) are new, and a run
    with no state finds them on the service (see ``_discovery``).
    """
    job_id = row.job_id
    next_index = max(s.shard_index for s in store.shards(job_id)) + 1
    directory = store.work_dir / job_id
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"resubmit-{next_index:05d}.jsonl"
    ids: list[str] = []
    reasons: set[str] = set()
    with path.open("wb") as out:
        for result, raw in joined(store, job_id):
            if select(result):
                out.write(raw if raw.endswith(b"\n") else raw + b"\n")
                ids.append(result.custom_id)
                reasons.add(result.outcome.value)
    if not ids:
        path.unlink(missing_ok=True)
        return 0
    plans = plan_shards(path, endpoint=row.endpoint, limits=BatchLimits.from_dict(row.limits))
    rows = [
        ShardRow(
            job_id=job_id,
            shard_index=next_index + plan.index,
            path=str(path),
            byte_offset=plan.offset,
            byte_size=plan.byte_size,
            request_count=plan.request_count,
            first_line=plan.first_line,
            token=shard_file_name(job_id, next_index + plan.index),
            retry_of_status="+".join(sorted(reasons)),
            model=plan.model,
            token_estimate=plan.token_estimate,
        )
        for plan in plans
    ]
    # Which new shard holds each id follows from the shard sizes, in order.
    owners: list[tuple[str, int]] = []
    position = 0
    for plan in plans:
        owners.extend((cid, next_index + plan.index) for cid in ids[position : position + plan.request_count])
        position += plan.request_count
    with store.transaction():
        store.add_shards(rows)
        store.mark_retried(job_id, owners)
        # The old rows held the attempt that failed; the new shards' rows will say what happened.
        store.delete_results(job_id, ids)
        store.update_job(job_id, cancel_requested=False)
    return len(ids)
