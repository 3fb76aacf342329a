"""Collect a job's results: store the result files of finished batches, write the joined results.

Result files are stored (see ``_download``) as soon as each batch finishes, and a shard
is marked done only after all its files are in, so a run killed half-way reads them again
next time. Output files are written atomically from the join (see ``_join``), one line
at a time, so memory stays flat however large the job.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

from .._batchinfo import TERMINAL_STATUSES
from .._files_content import write_atomically
from ._crash import crash_point
from ._download import ShortDownload, store_result_file
from ._engine import Flow
from ._join import join_records, join_results, unfinished_outcomes
from ._patience import is_transient
from ._results import BatchResult
from ._status import ResultSummary
from ._store import JobStore, ShardRow

__all__ = [
    "download_results",
    "download_tolerant",
    "joined",
    "outcome_counts",
    "write_results",
    "write_unfinished",
]

logger = logging.getLogger("openai_batch.workflow")

# Lines are handed to the atomic writer in blocks of about this many bytes, not one by one.
_WRITE_BLOCK = 1 << 20


def _blocks(lines: Iterator[bytes]) -> Iterator[bytes]:
    block: list[bytes] = []
    size = 0
    for line in lines:
        block.append(line)
        size += len(line)
        if size >= _WRITE_BLOCK:
            yield b"".join(block)
            block, size = [], 0
    if block:
        yield b"".join(block)


# A cut download is fetched again at once this many times before the caller hears of it.
_SHORT_RETRIES = 3


def download_results(store: JobStore, job_id: str) -> Flow[int]:
    """Store the output and error lines of every finished batch not stored yet; returns lines stored.

    A file that comes back short (see ``_download``) is fetched again; after
    ``_SHORT_RETRIES`` short copies in a row :class:`ShortDownload` reaches the caller, and
    the shard stays not downloaded.
    """
    stored = 0
    for shard, file_ids in _downloads_due(store, job_id):
        for file_id in file_ids:
            for attempt in range(_SHORT_RETRIES + 1):
                try:
                    stored += yield from store_result_file(store, shard, file_id)
                    break
                except ShortDownload as exc:
                    if attempt == _SHORT_RETRIES:
                        raise
                    logger.warning("%s", exc)
        _downloaded(store, shard)
    return stored


def download_tolerant(store: JobStore, job_id: str) -> Flow[bool]:
    """:func:`download_results` for the wait loop: a transient error leaves it for the next poll (returns False)."""
    try:
        yield from download_results(store, job_id)
    except Exception as exc:
        if not _transient(exc):
            raise
        return _download_failed(job_id, exc)
    return True


def _downloads_due(store: JobStore, job_id: str) -> list[tuple[ShardRow, list[str]]]:
    """Finished shards whose results are not stored yet, each with its result file ids."""
    return [
        (shard, [f for f in (shard.output_file_id, shard.error_file_id) if f])
        for shard in store.shards(job_id)
        if shard.status in TERMINAL_STATUSES and not shard.results_done
    ]


def _downloaded(store: JobStore, shard: ShardRow) -> None:
    store.update_shard(shard.job_id, shard.shard_index, results_done=True)
    crash_point("after_download")


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, ShortDownload) or is_transient(exc)


def _download_failed(job_id: str, exc: Exception) -> bool:
    logger.warning("downloading results of job %s failed (%s); will try again", job_id, exc)
    return False


def joined(store: JobStore, job_id: str) -> Iterator[tuple[BatchResult, bytes]]:
    """(result, raw input line) for every input request of the job, in input order."""
    return join_results(store, job_id, store.shards(job_id))


def outcome_counts(store: JobStore, job_id: str) -> dict[str, int]:
    """How many inputs had each latest outcome, from the results stored so far (one pass)."""
    counts: dict[str, int] = {}
    for result, _ in joined(store, job_id):
        counts[result.outcome.value] = counts.get(result.outcome.value, 0) + 1
    return counts


def write_results(store: JobStore, job_id: str, path: str | os.PathLike[str]) -> ResultSummary:
    """Write one JSON line per input request to ``path`` (atomically), from the results stored so far."""
    target = Path(path)
    counts: dict[str, int] = {}

    def lines() -> Iterator[bytes]:
        for outcome, records, count in join_records(store, job_id, store.shards(job_id)):
            counts[outcome] = counts.get(outcome, 0) + count
            yield records

    write_atomically(target, _blocks(lines()))
    return ResultSummary(target, counts)


def write_unfinished(store: JobStore, job_id: str, path: str | os.PathLike[str], *, include_failed: bool) -> int:
    """Write the input lines of requests that did not run (and failed ones if asked) to ``path``; returns how many."""
    wanted = unfinished_outcomes(include_failed)
    count = 0

    def lines() -> Iterator[bytes]:
        nonlocal count
        for result, raw in joined(store, job_id):
            if result.outcome in wanted:
                count += 1
                yield raw if raw.endswith(b"\n") else raw + b"\n"

    write_atomically(Path(path), _blocks(lines()))
    return count
