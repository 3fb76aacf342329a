"""Describe a job before it has a ``Job`` handle: open its state file, record a new job or an adopted batch.

A new job is validated line by line first (nothing is recorded for input that breaks a
rule); an adopted batch, created elsewhere, becomes a job of one shard whose file is the
batch's own input, so its results can be joined and resubmitted like any other job's.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Mapping
from pathlib import Path

from openai_batch_api.models import Batch

from .._files_content import write_atomically
from ._errors import InputValidationError
from ._limits import DEFAULT_LIMITS, BatchLimits
from ._protocols import ClientLike
from ._store import DEFAULT_STATE_PATH, JobRow, JobStore, ShardRow
from ._upload import file_sha256
from ._validate import validate_input_file

__all__ = ["lock_path", "new_job_row", "open_store", "record_adopted_batch"]


def open_store(state: str | os.PathLike[str] | JobStore | None) -> tuple[JobStore, bool]:
    """The store for ``state``, and whether the caller opened it (and so must close it)."""
    if isinstance(state, JobStore):
        return state, False
    return JobStore(DEFAULT_STATE_PATH if state is None else state), True


def lock_path(store: JobStore, digest: str) -> Path:
    """The lock file of the job for an input of this digest (see ``_lock``)."""
    return store.work_dir / "locks" / f"{digest[:32]}.lock"


def new_job_row(
    path: Path,
    digest: str,
    endpoint: str | None,
    completion_window: str,
    metadata: Mapping[str, str] | None,
    limits: BatchLimits,
) -> JobRow:
    """Validate the input (lines only: shards will fit the limits) and describe a new job."""
    report = validate_input_file(path, endpoint=endpoint, limits=limits, check_file_limits=False)
    if not report.ok or report.endpoint is None:
        raise InputValidationError(report)
    return JobRow(
        job_id=f"job_{secrets.token_hex(8)}",
        input_path=str(path),
        input_digest=digest,
        endpoint=report.endpoint,
        completion_window=completion_window,
        metadata=dict(metadata or {}),
        limits=limits.to_dict(),
        request_count=report.request_count,
        created_at=time.time(),
    )


def record_adopted_batch(client: ClientLike, store: JobStore, batch: Batch) -> tuple[JobRow, ShardRow]:
    """Record a new job whose one shard is ``batch``; its input file is downloaded (streamed) as the shard."""
    job_id = f"job_{secrets.token_hex(8)}"
    directory = store.work_dir / job_id
    directory.mkdir(parents=True, exist_ok=True)
    shard_path = directory / f"{job_id}-shard00000.jsonl"
    _download(client, batch.input_file_id, shard_path)
    report = validate_input_file(shard_path, endpoint=batch.endpoint, check_file_limits=False)
    row = JobRow(
        job_id=job_id,
        input_path=str(shard_path),
        input_digest=file_sha256(shard_path),
        endpoint=batch.endpoint,
        completion_window=batch.completion_window,
        metadata={},
        limits=DEFAULT_LIMITS.to_dict(),
        request_count=report.request_count,
        sharded=True,
        created_at=time.time(),
    )
    shard = ShardRow(
        job_id=job_id,
        shard_index=0,
        path=str(shard_path),
        request_count=report.request_count,
        byte_size=report.byte_size,
        first_line=1,
        token=shard_path.name,
        file_id=batch.input_file_id,
        batch_id=batch.id,
        status=batch.status,
    )
    with store.transaction():
        store.create_job(row)
        store.add_shards([shard])
        store.record_attempt(job_id, 0, 1, batch.id, batch.status, None)
    return row, shard


def _download(client: ClientLike, file_id: str, path: Path) -> None:
    lines = client.files.content(file_id).iter_lines()
    # Every line newline-terminated, so the shard reads back line by line like a cut one.
    write_atomically(path, (line if line.endswith(b"\n") else line + b"\n" for line in lines))
