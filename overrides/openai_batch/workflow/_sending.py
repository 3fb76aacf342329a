"""Send a job's shards: cut the input, upload each shard, create one batch per shard.

Every step writes its intent to the store before it calls the server
(``upload_started_at``, ``batch_started_at``) and its outcome right after. A run that
died between the two finds the intent on resume and first looks on the server for what
it may have sent (an upload by its unique file name, a batch by its
``JOB_METADATA_KEY`` metadata), so a crash never uploads a shard or bills a batch twice.

The caller holds the job's lock (see ``_lock``) around :func:`send_unsent`: two
processes sending the same job would otherwise both see a shard as not sent yet.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from openai_batch_api.models import Batch, OpenAIFile

from .._batchinfo import batch_metadata
from ._crash import crash_point
from ._errors import JobError
from ._limits import BatchLimits
from ._protocols import ClientLike
from ._recording import record_batch
from ._shard import ShardSpec, shard_input_file
from ._store import JobRow, JobStore, ShardRow
from ._upload import check_input_file, file_sha256

__all__ = ["JOB_METADATA_KEY", "batch_key", "find_batch", "new_attempt", "send_unsent"]

logger = logging.getLogger("openai_batch.workflow")

#: Metadata key on every batch a job creates: ``<job id>:<shard>:<attempt>``. It lets a
#: resumed job find a batch whose creation it did not live to record.
JOB_METADATA_KEY = "openai_batch_job"

# How far back (newest first) a resumed job looks for an upload or batch it may have made.
_LOOKUP_LIMIT = 10_000


def send_unsent(client: ClientLike, store: JobStore, row: JobRow) -> JobRow:
    """Shard the input if not done yet, then upload and create a batch for every shard lacking one.

    Returns the job's row as stored afterwards (sharding marks it ``sharded``).
    """
    row = _ensure_shards(store, row)
    for shard in store.shards(row.job_id):
        if shard.batch_id is None and shard.status == "pending":
            _ensure_uploaded(client, store, row, shard)
            _ensure_batch(client, store, row, shard)
    return row


def batch_key(shard: ShardRow) -> str:
    """The ``JOB_METADATA_KEY`` value of the batch for ``shard``'s current attempt."""
    return f"{shard.job_id}:{shard.shard_index}:{shard.attempt}"


def find_batch(client: ClientLike, key: str) -> Batch | None:
    """The batch (newest first) carrying ``key`` in its metadata, if the server has one."""
    for seen, batch in enumerate(client.batches.list(limit=100)):
        if batch_metadata(batch).get(JOB_METADATA_KEY) == key:
            return batch
        if seen >= _LOOKUP_LIMIT:
            break
    return None


def new_attempt(store: JobStore, shard: ShardRow) -> None:
    """Make ``shard`` pending again under the next attempt number, reusing its upload.

    The new attempt number gives the next batch a new ``JOB_METADATA_KEY``, so the
    look-up before creating it cannot mistake the failed batch for it.
    """
    fields: dict[str, Any] = {
        "attempt": shard.attempt + 1,
        "batch_id": None,
        "batch_started_at": None,
        "status": "pending",
        "total": 0,
        "completed": 0,
        "failed": 0,
        "output_file_id": None,
        "error_file_id": None,
        "results_done": False,
        "errors": None,
    }
    store.update_shard(shard.job_id, shard.shard_index, **fields)


def _shard_name(job_id: str, index: int) -> str:
    # The file name doubles as the upload's lookup token: job ids are random, so a
    # file of this name on the server can only be this shard's upload.
    return f"{job_id}-shard{index:05d}.jsonl"


def _cut_shards(store: JobStore, row: JobRow, source: str | Path) -> list[ShardSpec]:
    """Cut ``source`` into the job's shard files, in the job's directory next to the state file."""
    return shard_input_file(
        source,
        store.work_dir / row.job_id,
        endpoint=row.endpoint,
        limits=BatchLimits.from_dict(row.limits),
        name=lambda index: _shard_name(row.job_id, index),
    )


def _ensure_shards(store: JobStore, row: JobRow) -> JobRow:
    if row.sharded:
        missing = [s for s in store.shards(row.job_id) if s.file_id is None and not Path(s.path).exists()]
        if missing:
            _reshard(store, row, missing)
        return row
    specs = _cut_shards(store, row, row.input_path)
    crash_point("after_shard")
    rows = [
        ShardRow(
            job_id=row.job_id,
            shard_index=spec.index,
            path=str(spec.path),
            request_count=spec.request_count,
            byte_size=spec.byte_size,
            first_line=spec.first_line,
            token=spec.path.name,
        )
        for spec in specs
    ]
    # One transaction: a crash leaves either no shards recorded (cut again next run, to
    # the same file names) or all of them.
    with store.transaction():
        store.add_shards(rows)
        store.update_job(row.job_id, sharded=True)
    stored = store.get_job(row.job_id)
    assert stored is not None
    return stored


def _reshard(store: JobStore, row: JobRow, missing: list[ShardRow]) -> None:
    """Shard files went missing before upload: cut them again from the (unchanged) input."""
    input_path = Path(row.input_path)
    if not input_path.exists() or file_sha256(input_path) != row.input_digest:
        names = ", ".join(s.path for s in missing)
        raise JobError(f"job {row.job_id}: shard files {names} are gone and the input {input_path} changed")
    _cut_shards(store, row, input_path)


def _ensure_uploaded(client: ClientLike, store: JobStore, row: JobRow, shard: ShardRow) -> None:
    if shard.file_id is not None:
        return
    if shard.upload_started_at is not None:
        found = _find_upload(client, shard)
        if found is not None:
            logger.info(
                "job %s shard %d: found upload %s from an interrupted run", row.job_id, shard.shard_index, found.id
            )
            store.update_shard(row.job_id, shard.shard_index, file_id=found.id)
            shard.file_id = found.id
            return
    # Checked again right before sending: the shard on disk is exactly what is billed.
    check_input_file(shard.path, endpoint=row.endpoint, limits=BatchLimits.from_dict(row.limits))
    store.update_shard(row.job_id, shard.shard_index, upload_started_at=time.time())
    crash_point("before_upload")
    uploaded = client.files.create(file=Path(shard.path), purpose="batch")
    crash_point("after_upload")
    store.update_shard(row.job_id, shard.shard_index, file_id=uploaded.id)
    shard.file_id = uploaded.id
    crash_point("after_upload_record")


def _find_upload(client: ClientLike, shard: ShardRow) -> OpenAIFile | None:
    # The name is unique to this shard (see _shard_name); the size must match as well.
    name = Path(shard.path).name
    for seen, item in enumerate(client.files.list(purpose="batch", order="desc")):
        if item.filename == name and item.bytes_ == shard.byte_size:
            return item
        if seen >= _LOOKUP_LIMIT:
            break
    return None


def _ensure_batch(client: ClientLike, store: JobStore, row: JobRow, shard: ShardRow) -> None:
    if shard.batch_id is not None:
        return
    assert shard.file_id is not None
    key = batch_key(shard)
    if shard.batch_started_at is not None:
        found = find_batch(client, key)
        if found is not None:
            logger.info(
                "job %s shard %d: found batch %s from an interrupted run", row.job_id, shard.shard_index, found.id
            )
            record_batch(store, shard, found)
            return
    store.update_shard(row.job_id, shard.shard_index, batch_started_at=time.time())
    crash_point("before_batch_create")
    batch = client.batches.create(
        input_file_id=shard.file_id,
        endpoint=row.endpoint,
        completion_window=row.completion_window,
        metadata={**row.metadata, JOB_METADATA_KEY: key},
    )
    crash_point("after_batch_create")
    record_batch(store, shard, batch)
    crash_point("after_batch_record")
