"""Join a job's input requests to their stored results, in input order, one outcome each.

Inputs are read back from the shard files and results looked up a chunk at a time, so
memory stays flat however large the job (one SQLite round trip per request would
dominate; a whole-job dictionary would not fit).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from .._batchinfo import format_errors, optional_str
from ._results import BatchResult, Outcome, RequestError, parse_result_line
from ._store import JobStore, ShardRow, iter_chunks

__all__ = ["UNFINISHED", "join_results", "unfinished_outcomes"]

#: Outcomes of requests that never ran (and may be sent again without paying twice).
UNFINISHED = frozenset({Outcome.EXPIRED, Outcome.CANCELLED, Outcome.MISSING})


def unfinished_outcomes(include_failed: bool) -> frozenset[Outcome]:
    """The outcomes to send again: :data:`UNFINISHED`, plus failed requests if asked for."""
    return UNFINISHED | {Outcome.FAILED} if include_failed else UNFINISHED


# Input requests joined to their stored results per query.
_JOIN_CHUNK = 500


def _input_lines(shards: Sequence[ShardRow]) -> Iterator[tuple[str, bytes, ShardRow]]:
    """(custom_id, raw line, shard) for every input request, in input order."""
    for shard in shards:
        if shard.retry_of_status is not None:
            continue  # a resubmission repeats lines of earlier shards
        with open(shard.path, "rb") as handle:
            for raw in handle:
                if raw.strip():
                    yield json.loads(raw.decode())["custom_id"], raw, shard


def _not_stored(custom_id: str, owner: ShardRow) -> BatchResult:
    """The outcome of a request with no result line, from the state of the batch that last held it."""
    status = owner.status
    if status == "expired":
        return BatchResult(custom_id, Outcome.EXPIRED, batch_id=owner.batch_id)
    if status in ("cancelled", "cancelling"):
        return BatchResult(custom_id, Outcome.CANCELLED, batch_id=owner.batch_id)
    if status == "failed":
        errors = owner.errors or []
        first = errors[0] if errors else {}
        error = RequestError(
            optional_str(first.get("code")) or "batch_failed",
            format_errors(errors) or f"batch {owner.batch_id} failed",
        )
        return BatchResult(custom_id, Outcome.FAILED, error=error, batch_id=owner.batch_id)
    if status == "completed":
        return BatchResult(custom_id, Outcome.MISSING, batch_id=owner.batch_id)
    return BatchResult(custom_id, Outcome.PENDING, batch_id=owner.batch_id)


def join_results(store: JobStore, job_id: str, shards: Sequence[ShardRow]) -> Iterator[tuple[BatchResult, bytes]]:
    """(result, raw input line) for every input request of the job, in input order."""
    by_index = {s.shard_index: s for s in shards}
    source = f"job {job_id}"
    for chunk in iter_chunks(_input_lines(shards), _JOIN_CHUNK):
        stored = store.get_results(job_id, [custom_id for custom_id, _, _ in chunk])
        for custom_id, raw, shard in chunk:
            found = stored.get(custom_id)
            if found is not None:
                yield parse_result_line(found[1], batch_id=found[0], source=source), raw
            else:
                retried = store.retried_shard(job_id, custom_id)
                yield _not_stored(custom_id, by_index[retried] if retried is not None else shard), raw
