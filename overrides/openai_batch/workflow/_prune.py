"""Remove a finished job's local files and records, and with ``remote`` its files on the service.

The state is a cache: after a prune, the same ``submit`` finds the job again through its
tags and downloads its results anew (unless ``remote`` deleted them too). What is kept is
a small record, the job's last status (:class:`PrunedJob`), so ``status`` still answers
and ``results`` can say why there is nothing to write.

A job is finished once every batch is final: its results need not be downloaded (a job
found again on the service has none here, and there is nothing local to lose).
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import time
from typing import Any

import attrs

from .._batchinfo import TERMINAL_STATUSES
from ._discovery import recent
from ._errors import JobError
from ._harvest import outcome_counts
from ._protocols import ClientLike
from ._status import JobStatus, ShardStatus, build_status
from ._store import JobRow, JobStore

__all__ = ["PruneReport", "PrunedJob", "is_finished", "is_harvested", "prune_job", "pruned_job"]

logger = logging.getLogger("openai_batch.workflow")


@attrs.frozen
class PruneReport:
    """What a prune removed: local bytes, and the ids of the files deleted on the service.

    Example::

        report = job.prune(remote=True)
        print(report.job_id, report.local_bytes, report.remote_files)
    """

    job_id: str
    local_bytes: int
    remote_files: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"job_id": self.job_id, "local_bytes": self.local_bytes, "remote_files": list(self.remote_files)}


def is_finished(store: JobStore, row: JobRow) -> bool:
    """Every batch final (or the job cancelled before sending)."""
    shards = store.shards(row.job_id)
    if not row.sharded:
        return row.cancel_requested
    return all(s.status in TERMINAL_STATUSES or (s.status == "cancelled" and s.batch_id is None) for s in shards)


def is_harvested(store: JobStore, row: JobRow) -> bool:
    """Finished, and every finished batch's results downloaded: what a prune of every job takes."""
    return is_finished(store, row) and all(
        s.results_done or s.batch_id is None for s in store.shards(row.job_id) if s.status in TERMINAL_STATUSES
    )


@attrs.frozen
class PrunedJob:
    """What a prune keeps of a job: when, whether its files on the service went too, and its last status.

    Example::

        pruned = pruned_job(store, "job_0123456789abcdef")
        if pruned is not None:
            print(pruned.status.status, pruned.status.outcomes, pruned.when)
    """

    job_id: str
    pruned_at: float
    local_bytes: int
    remote_files_deleted: bool
    status: JobStatus

    @property
    def when(self) -> str:
        return dt.datetime.fromtimestamp(self.pruned_at, tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")

    def to_dict(self) -> dict[str, Any]:
        """The status's own dict, with ``pruned`` saying when and what went."""
        return {
            **self.status.to_dict(),
            "pruned": {
                "at": self.when,
                "local_bytes": self.local_bytes,
                "remote_files_deleted": self.remote_files_deleted,
            },
        }


def pruned_job(store: JobStore, job_id: str) -> PrunedJob | None:
    """The record a prune kept of ``job_id``, or None."""
    found = store.get_pruned(job_id)
    if found is None:
        return None
    pruned_at, record = found
    data = record["status"]
    shard_fields = {f.name for f in attrs.fields(ShardStatus)}
    shards = tuple(
        ShardStatus(**{**{k: v for k, v in shard.items() if k in shard_fields}, "errors": tuple(shard["errors"])})
        for shard in data["shards"]
    )
    status = JobStatus(
        job_id=data["job_id"],
        input_path=data["input_path"],
        endpoint=data["endpoint"],
        status=data["status"],
        request_count=data["request_count"],
        shards=shards,
        outcomes=data["outcomes"],
    )
    return PrunedJob(job_id, pruned_at, record["local_bytes"], record["remote_files_deleted"], status)


def prune_job(client: ClientLike | None, store: JobStore, row: JobRow) -> PruneReport:
    """Prune one job (see the module docstring); ``client`` given means remote files go too."""
    if not is_finished(store, row):
        raise JobError(f"job {row.job_id} is not finished (batches still running); not pruned")
    shards = store.shards(row.job_id)
    # Outcomes only from results that are all here: a job found again on the service has none yet.
    downloaded = all(s.results_done or s.batch_id is None for s in shards)
    status = build_status(row, shards, outcome_counts(store, row.job_id) if downloaded else None)
    remote: list[str] = []
    if client is not None:
        remote = _delete_remote(client, store, row)
    directory = store.work_dir / row.job_id
    size = sum(p.stat().st_size for p in directory.rglob("*") if p.is_file()) if directory.exists() else 0
    shutil.rmtree(directory, ignore_errors=True)
    record = {"local_bytes": size, "remote_files_deleted": client is not None, "status": status.to_dict()}
    # The record first: a prune killed in between leaves both, and the live job is the one shown.
    store.put_pruned(row.job_id, time.time(), record)
    store.delete_job(row.job_id)
    return PruneReport(row.job_id, size, tuple(remote))


def _delete_remote(client: ClientLike, store: JobStore, row: JobRow) -> list[str]:
    from .._exceptions import NotFoundError

    ids: list[str] = []
    for shard in store.shards(row.job_id):
        ids.extend(f for f in (shard.file_id, shard.output_file_id, shard.error_file_id) if f)
    # Uploads of interrupted runs that never got a batch are found by their names.
    prefix = f"{row.job_id}-shard"
    for item in recent(client.files.list(purpose="batch", order="desc"), None):
        if item.filename.startswith(prefix) and item.id not in ids:
            ids.append(item.id)
    deleted = []
    for file_id in dict.fromkeys(ids):
        try:
            client.files.delete(file_id)
        except NotFoundError:
            continue
        deleted.append(file_id)
    return deleted
