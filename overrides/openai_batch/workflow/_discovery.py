"""Find on the service what a job already sent: the local state is a cache, the service the record.

A job whose state file was deleted, or that is run on another machine, has the same id
(see ``_identity``). Before sending anything, a run that has not searched yet walks the
newest batches and files once: batches tagged with the job's id become its shards'
batches (the highest attempt of each), uploads named after its shards become their files,
and batches of resubmission shards (numbered past the input's own) are adopted with their
input file, so their requests are not sent a third time. A batch tagged with the same
input but another job id means the input was sent with other options: the run refuses
rather than bill it twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

from openai_batch_api.models import Batch, OpenAIFile

from .._batchinfo import batch_metadata
from ._engine import Flow, Walk, gather
from ._identity import INPUT_TAG, JOB_TAG, JobConflictError, JobDefinition, parse_job_tag, shard_file_name
from ._join import custom_id_of
from ._opening import download_lines
from ._patience import Patience
from ._ranges import iter_range_lines
from ._recording import record_batch
from ._rivals import earliest, winner
from ._store import JobRow, JobStore, ShardRow

__all__ = ["LOOKUP_WINDOW", "discover", "lookup_since", "recent"]

logger = logging.getLogger("openai_batch.workflow")

#: How far back the search looks: batch input and output files are kept 30 days by default.
LOOKUP_WINDOW = 31 * 24 * 3600
# Clock slack between this machine and the service, for "created since" cut-offs.
_CLOCK_SLACK = 300.0
# At most this many batches or files are walked (newest first) per search or look-up.
_SCAN_LIMIT = 10_000


def lookup_since(started_at: float) -> float:
    """The oldest ``created_at`` an object sent at ``started_at`` (Unix seconds) can have."""
    return started_at - _CLOCK_SLACK


Item = TypeVar("Item", Batch, OpenAIFile)


def recent(items: Iterable[Item], since: float | None) -> Iterator[Item]:
    """The items of a newest-first list created at ``since`` (Unix seconds) or later, at most 10,000.

    Every walk of the service's batch and file lists (search, look-up, queue) stops the
    same way: at the first item too old to matter, or after the cap.
    """
    for seen, item in enumerate(items):
        if seen >= _SCAN_LIMIT or (since is not None and item.created_at < since):
            return
        yield item


def discover(store: JobStore, row: JobRow, patience: Patience) -> Flow[None]:
    """Record what the service holds of this job; raise :class:`JobConflictError` on another job's batches."""
    yield from patience.call(f"looking up job {row.job_id} on the service", lambda: _discover(store, row))
    store.update_job(row.job_id, discovered=True)


def _discover(store: JobStore, row: JobRow) -> Flow[None]:
    since = time.time() - LOOKUP_WINDOW
    definition = JobDefinition.from_dict(row.definition)
    ours: dict[int, dict[int, list[Batch]]] = {}
    others: dict[str, str] = {}
    batches, keep = gather(since, limit=_SCAN_LIMIT)
    yield Walk("batches", {"limit": 100}, keep)
    for batch in batches:
        metadata = batch_metadata(batch)
        tag = parse_job_tag(metadata.get(JOB_TAG))
        if tag is None:
            continue
        job_id, index, attempt = tag
        if job_id == row.job_id:
            ours.setdefault(index, {}).setdefault(attempt, []).append(batch)
        elif metadata.get(INPUT_TAG) == definition.input_tag and batch.endpoint == row.endpoint:
            others.setdefault(job_id, batch.id)
    if others and not ours and definition.nonce is None:
        job_id, batch_id = next(iter(others.items()))
        raise JobConflictError(
            f"the service already has job {job_id} for this input (batch {batch_id}), sent with other options "
            f"or as --new; resume it with --job {job_id}, or add --new to send it again as another job"
        )
    shards = {s.shard_index: s for s in store.shards(row.job_id)}
    base = len([s for s in shards.values() if s.retry_of_status is None])
    for index in sorted(ours):
        # The highest attempt; of several senders' batches for it, the one every sender keeps.
        attempt = max(ours[index])
        batch = winner(ours[index][attempt])
        shard = shards.get(index)
        if shard is None:
            if index < base:
                continue
            shard = yield from _adopt_resubmission(store, row, index, batch)
        if shard.batch_id is not None:
            continue
        store.update_shard(row.job_id, index, attempt=attempt, file_id=batch.input_file_id)
        shard.attempt, shard.file_id = attempt, batch.input_file_id
        logger.info("job %s shard %d: found batch %s on the service", row.job_id, index, batch.id)
        record_batch(store, shard, batch)
    missing = [s for s in store.shards(row.job_id) if s.file_id is None]
    if missing:
        yield from _find_uploads(store, missing, since)


def _find_uploads(store: JobStore, missing: list[ShardRow], since: float) -> Flow[None]:
    wanted = {(s.token, s.byte_size): s for s in missing}
    found: dict[tuple[str, int], list[OpenAIFile]] = {}
    files, keep = gather(since, limit=_SCAN_LIMIT)
    yield Walk("files", {"purpose": "batch", "order": "desc"}, keep)
    for item in files:
        if (item.filename, item.bytes_) in wanted:
            found.setdefault((item.filename, item.bytes_), []).append(item)
    for key, items in found.items():
        shard = wanted[key]
        chosen = earliest(items)
        logger.info("job %s shard %d: found upload %s on the service", shard.job_id, shard.shard_index, chosen.id)
        store.update_shard(shard.job_id, shard.shard_index, file_id=chosen.id)


def _adopt_resubmission(store: JobStore, row: JobRow, index: int, batch: Batch) -> Flow[ShardRow]:
    """A resubmission shard an earlier run sent: its input comes back from the service."""
    directory = store.work_dir / row.job_id
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / shard_file_name(row.job_id, index)
    yield from download_lines(batch.input_file_id, path)
    ids = [custom_id_of(raw) for raw in iter_range_lines(path, 0, path.stat().st_size)]
    shard = ShardRow(
        job_id=row.job_id,
        shard_index=index,
        path=str(path),
        byte_offset=0,
        byte_size=path.stat().st_size,
        request_count=len(ids),
        first_line=1,
        token=shard_file_name(row.job_id, index),
        retry_of_status="resubmitted",
    )
    with store.transaction():
        store.add_shards([shard])
        store.mark_retried(row.job_id, ((cid, index) for cid in ids))
    return shard
