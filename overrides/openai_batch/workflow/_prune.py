"""Remove a finished job's local files and records, and with ``remote`` its files on the service.

The state is a cache: after a prune, the same ``submit`` finds the job again through its
tags and downloads its results anew (unless ``remote`` deleted them too).
"""

from __future__ import annotations

import logging
import shutil

import attrs

from .._batchinfo import TERMINAL_STATUSES
from ._discovery import recent
from ._errors import JobError
from ._protocols import ClientLike
from ._store import JobRow, JobStore

__all__ = ["PruneReport", "prune_job"]

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
    """Every batch final and every result file downloaded (or the job cancelled before sending)."""
    shards = store.shards(row.job_id)
    if not row.sharded:
        return row.cancel_requested
    return all(
        (s.status in TERMINAL_STATUSES and s.results_done) or (s.status == "cancelled" and s.batch_id is None)
        for s in shards
    )


def prune_job(client: ClientLike | None, store: JobStore, row: JobRow) -> PruneReport:
    """Prune one job (see the module docstring); ``client`` given means remote files go too."""
    if not is_finished(store, row):
        raise JobError(f"job {row.job_id} is not finished (batches running or results not downloaded); not pruned")
    remote: list[str] = []
    if client is not None:
        remote = _delete_remote(client, store, row)
    directory = store.work_dir / row.job_id
    size = sum(p.stat().st_size for p in directory.rglob("*") if p.is_file()) if directory.exists() else 0
    shutil.rmtree(directory, ignore_errors=True)
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
