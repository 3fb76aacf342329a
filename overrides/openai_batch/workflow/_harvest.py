"""Collect a job's results: store the result files of finished batches, write the joined results.

Result files are stored (see ``_download``) as soon as each batch finishes, and a shard
is marked done only after all its files are in, so a run killed half-way reads them again
next time. Output files are written atomically from the join (see ``_join``), one line
at a time, so memory stays flat however large the job.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

from .._batchinfo import TERMINAL_STATUSES
from .._files_content import write_atomically
from ._crash import crash_point
from ._download import ShortDownload, store_result_file
from ._engine import Flow
from ._join import join_records, join_results, unfinished_outcomes
from ._patience import is_transient
from ._result_index import ShardIds
from ._results import BatchResult
from ._status import ResultSummary
from ._store import JobStore, ShardRow

__all__ = [
    "download_results",
    "download_tolerant",
    "joined",
    "outcome_counts",
    "results_stamp",
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
        inputs = ShardIds(shard, store)
        for file_id in file_ids:
            for attempt in range(_SHORT_RETRIES + 1):
                try:
                    stored += yield from store_result_file(store, shard, file_id, inputs)
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


def results_stamp(store: JobStore, job_id: str, shards: Sequence[ShardRow]) -> str:
    """What a job's outcomes are computed from, in a few bytes: any change to them changes it.

    Outcomes follow from the shards (their batches, states, whether their results are in,
    resubmissions, which add shards) and the result files downloaded; all of those are
    recorded in the shards and result_files tables, so their fingerprint stands for the
    million result rows without reading them.
    """
    return json.dumps(
        [
            [(s.shard_index, s.status, s.results_done, s.batch_id, s.attempt, s.retry_of_status) for s in shards],
            store.result_files_stamp(job_id),
        ]
    )


def outcome_counts(store: JobStore, job_id: str) -> dict[str, int]:
    """How many inputs had each latest outcome, from the results stored so far.

    Kept in the store beside the stamp they were computed from (see :func:`results_stamp`):
    asked again with nothing changed, they are read, not counted again over every request.
    """
    shards = store.shards(job_id)
    stamp = results_stamp(store, job_id, shards)
    kept = store.outcome_totals(job_id)
    if kept is not None and kept[0] == stamp:
        return kept[1]
    counts: dict[str, int] = {}
    for outcome, _, count in join_records(store, job_id, shards):
        counts[outcome] = counts.get(outcome, 0) + count
    store.put_outcome_totals(job_id, stamp, counts)
    return counts


def _file_mark(path: Path) -> dict[str, object] | None:
    """What identifies a written results file on disk (its path, size and change time), or None if absent."""
    try:
        info = path.stat()
    except OSError:
        return None
    return {"path": str(path.resolve()), "size": info.st_size, "mtime_ns": info.st_mtime_ns, "ino": info.st_ino}


def _reuse_written(written: object, target: Path) -> bool:
    """Whether the results file last written (and untouched since) now stands at ``target``.

    The same file asked for again is left as it is; another path gets a copy of it (the
    kernel copies the bytes, no join). A file changed or gone since is written afresh.
    """
    if not isinstance(written, dict):
        return False
    source = Path(str(written.get("path")))
    mark = _file_mark(source)
    if mark is None or mark != written:
        return False
    if target.exists() and target.resolve() == source:
        return True
    temporary = target.with_name(f".{target.name}.copy-{os.getpid()}")
    try:
        shutil.copyfile(source, temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return True


def write_results(store: JobStore, job_id: str, path: str | os.PathLike[str]) -> ResultSummary:
    """Write one JSON line per input request to ``path`` (atomically), from the results stored so far.

    The counts are kept (see :func:`outcome_counts`) with a record of the file written; asked
    again with nothing changed, the same file is left alone (or copied to a new path).
    """
    target = Path(path)
    shards = store.shards(job_id)
    stamp = results_stamp(store, job_id, shards)
    kept = store.outcome_totals(job_id)
    if kept is not None and kept[0] == stamp and _reuse_written(kept[2], target):
        return ResultSummary(target, kept[1])
    counts: dict[str, int] = {}

    def lines() -> Iterator[bytes]:
        for outcome, records, count in join_records(store, job_id, shards):
            counts[outcome] = counts.get(outcome, 0) + count
            yield records

    write_atomically(target, _blocks(lines()))
    store.put_outcome_totals(job_id, stamp, counts, _file_mark(target))
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
