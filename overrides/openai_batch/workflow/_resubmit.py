"""Add, as new shards of the same job, the requests that did not run, so they can be sent again.

The new shards' results join the job's others: joining still walks the original shards
in input order and, for a request moved to a new shard (``mark_retried``), takes its
outcome from there. A resubmitted request that is still running is therefore pending,
not unfinished, and is not sent a third time.
"""

from __future__ import annotations

from ._harvest import joined
from ._identity import shard_file_name
from ._join import unfinished_outcomes
from ._limits import BatchLimits
from ._shard import shard_input_file
from ._store import JobRow, JobStore, ShardRow

__all__ = ["add_unfinished_shards"]


def add_unfinished_shards(store: JobStore, row: JobRow, *, include_failed: bool) -> int:
    """Cut the job's unfinished requests into new pending shards; returns how many requests.

    The caller sends the new shards (``Job.start``). Their indexes follow the job's last
    shard, so their upload names and batch tags (derived from the job id and the index)
    are new, and a run with no state finds them on the service (see ``_discovery``).
    """
    job_id = row.job_id
    next_index = max(s.shard_index for s in store.shards(job_id)) + 1
    directory = store.work_dir / job_id
    directory.mkdir(parents=True, exist_ok=True)
    staging = directory / f"resubmit-{next_index:05d}.jsonl"
    wanted = unfinished_outcomes(include_failed)
    ids: list[str] = []
    reasons: set[str] = set()
    with staging.open("wb") as out:
        for result, raw in joined(store, job_id):
            if result.outcome in wanted:
                out.write(raw if raw.endswith(b"\n") else raw + b"\n")
                ids.append(result.custom_id)
                reasons.add(result.outcome.value)
    try:
        if not ids:
            return 0
        specs = shard_input_file(
            staging,
            directory,
            endpoint=row.endpoint,
            limits=BatchLimits.from_dict(row.limits),
            name=lambda k: shard_file_name(job_id, next_index + k),
        )
        rows = [
            ShardRow(
                job_id=job_id,
                shard_index=next_index + spec.index,
                path=str(spec.path),
                byte_offset=0,
                byte_size=spec.byte_size,
                request_count=spec.request_count,
                first_line=spec.first_line,
                token=spec.path.name,
                retry_of_status="+".join(sorted(reasons)),
            )
            for spec in specs
        ]
        # Which new shard holds each id follows from the shard sizes, in order.
        owners: list[tuple[str, int]] = []
        position = 0
        for spec in specs:
            owners.extend((cid, next_index + spec.index) for cid in ids[position : position + spec.request_count])
            position += spec.request_count
        with store.transaction():
            store.add_shards(rows)
            store.mark_retried(job_id, owners)
            # The old rows only said "did not run"; the new shards' rows will say what happened.
            store.delete_results(job_id, ids)
            store.update_job(job_id, cancel_requested=False)
    finally:
        staging.unlink(missing_ok=True)
    return len(ids)
