"""Join a job's input requests to their stored results, in input order, one outcome each.

Inputs are read back from the shards' byte ranges of the input file and results looked up
a chunk at a time in the index, then read from the downloaded result files, so memory
stays flat however large the job (one SQLite round trip per request would dominate; a
whole-job dictionary would not fit).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Sequence

import attrs

from .._batchinfo import format_errors, optional_str
from ._json import dumps
from ._ranges import iter_range_lines
from ._results import (
    BatchResult,
    Outcome,
    RequestError,
    fast_success_block,
    fast_success_record,
    parse_result_line,
)
from ._store import JobStore, ResultRef, ShardRow, iter_chunks

__all__ = ["UNFINISHED", "join_records", "join_results", "unfinished_outcomes"]

#: Outcomes of requests that never ran (and may be sent again without paying twice).
UNFINISHED = frozenset({Outcome.EXPIRED, Outcome.CANCELLED, Outcome.MISSING})


def unfinished_outcomes(include_failed: bool) -> frozenset[Outcome]:
    """The outcomes to send again: :data:`UNFINISHED`, plus failed requests if asked for."""
    return UNFINISHED | {Outcome.FAILED} if include_failed else UNFINISHED


# Input requests joined to their stored results per query.
_JOIN_CHUNK = 500


# Request lines written by BatchInputWriter (and most tools) start with their custom_id.
_LEADING_ID = re.compile(rb'\{\s*"custom_id"\s*:\s*"([^"\\]*)"')


def custom_id_of(raw: bytes) -> str:
    """The custom_id of a (validated) request line, without parsing the whole line when it leads."""
    match = _LEADING_ID.match(raw)
    if match is not None:
        return match.group(1).decode()
    value = json.loads(raw)["custom_id"]
    assert isinstance(value, str)
    return value


def _input_lines(shards: Sequence[ShardRow]) -> Iterator[tuple[str, bytes, ShardRow]]:
    """(custom_id, raw line, shard) for every input request, in input order."""
    for shard in shards:
        if shard.retry_of_status is not None:
            continue  # a resubmission repeats lines of earlier shards
        for raw in iter_range_lines(shard.path, shard.byte_offset, shard.byte_size):
            yield custom_id_of(raw), raw, shard


class _ResultReader:
    """Reads stored result lines from the job's result files, keeping each file open once.

    The service usually writes results in about the order of the input, so lines are
    mostly asked for in file order: a window of the file is read ahead once and lines are
    sliced from it; a line far from the window is read on its own (one positioned read).
    """

    _WINDOW = 1 << 20
    # How far past the window's end a line may start and still count as "next".
    _NEAR = 1 << 16
    _KEEP = 2

    def __init__(self, store: JobStore, job_id: str) -> None:
        self._files = store.result_files(job_id)
        self._open: dict[int, int] = {}
        self._window: dict[int, tuple[int, bytes]] = {}

    def read(self, file_key: int, offset: int, length: int) -> bytes:
        fd = self._open.get(file_key)
        if fd is None:
            fd = self._open[file_key] = os.open(self._files[file_key][1], os.O_RDONLY | getattr(os, "O_BINARY", 0))
        start, data = self._window.get(file_key, (0, b""))
        end = start + len(data)
        if start <= offset and offset + length <= end:
            return data[offset - start : offset - start + length]
        if end <= offset < end + self._NEAR:
            data = os.pread(fd, max(self._WINDOW, length), offset)
            self._window.pop(file_key, None)
            self._window[file_key] = (offset, data)
            # Windows of the two files read last only (a shard's output and error files): one
            # kept per file would grow with the number of batches, a mebibyte each.
            while len(self._window) > self._KEEP:
                del self._window[next(iter(self._window))]
            return data[:length]
        return os.pread(fd, length, offset)

    def close(self) -> None:
        for fd in self._open.values():
            os.close(fd)
        self._window.clear()


def _not_stored(custom_id: str, owner: ShardRow) -> BatchResult:
    """The outcome of a request with no result line, from the state of the batch that last held it.

    Until the batch's result files are stored whole, its requests are pending: a result
    file not in yet (or cut short) must never read as "missing", which a resubmission
    would send, and bill, again.
    """
    status = owner.status
    if status != "failed" and not owner.results_done:
        return BatchResult(custom_id, Outcome.PENDING, batch_id=owner.batch_id)
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
    source = f"job {job_id}"
    for custom_id, raw, line, batch_id, owner, attempts in _joined_lines(store, job_id, shards):
        if line is not None:
            yield parse_result_line(line, batch_id=batch_id, source=source, attempts=attempts), raw
        else:
            result = _not_stored(custom_id, owner)
            yield (attrs.evolve(result, attempts=attempts) if attempts != 1 else result), raw


def join_records(store: JobStore, job_id: str, shards: Sequence[ShardRow]) -> Iterator[tuple[str, bytes, int]]:
    """(outcome, JSON lines of :meth:`BatchResult.to_dict`, how many) for every input request, in input order.

    What ``write_results`` writes. A success line in the service's own layout has its body
    copied as it came, not parsed and encoded again (most of a large job's CPU otherwise);
    any other line goes through :func:`parse_result_line`. When a chunk of inputs has its
    results stored one after another in one result file (the service mostly writes them in
    input order) and every one is such a success, the chunk's records come from one pass over
    those stored bytes; each yield is then a whole chunk of successes.
    """
    source = f"job {job_id}"
    for chunk, stored, moved, context in _joined_chunks(store, job_id, shards):
        if not moved:
            records = _contiguous_successes(chunk, stored, context)
            if records is not None:
                yield "succeeded", records, len(chunk)
                continue
        for custom_id, _, line, batch_id, owner, attempts in _chunk_lines(chunk, stored, moved, context):
            if line is not None:
                fast = fast_success_record(line, batch_id, attempts)
                if fast is not None:
                    yield "succeeded", fast, 1
                    continue
                result = parse_result_line(line, batch_id=batch_id, source=source, attempts=attempts)
            else:
                result = _not_stored(custom_id, owner)
                if attempts != 1:
                    result = attrs.evolve(result, attempts=attempts)
            yield result.outcome.value, dumps(result.to_dict()) + b"\n", 1


@attrs.define
class _JoinContext:
    by_index: dict[int, ShardRow]
    reader: _ResultReader


_Chunk = list[tuple[str, bytes, ShardRow]]
_JoinedLine = tuple[str, bytes, bytes | None, str | None, ShardRow, int]


def _joined_chunks(
    store: JobStore, job_id: str, shards: Sequence[ShardRow]
) -> Iterator[tuple[_Chunk, dict[str, ResultRef], dict[str, tuple[int, int]], _JoinContext]]:
    """Input requests a chunk at a time, with where their results are stored and which were sent again."""
    context = _JoinContext({s.shard_index: s for s in shards}, _ResultReader(store, job_id))
    # Requests sent again live in resubmission shards; only a job that has some looks them up.
    any_retried = any(s.retry_of_status is not None for s in shards)
    try:
        for chunk in iter_chunks(_input_lines(shards), _JOIN_CHUNK):
            ids = [custom_id for custom_id, _, _ in chunk]
            stored = store.get_results(job_id, ids)
            moved = store.retried(job_id, ids) if any_retried else {}
            yield chunk, stored, moved, context
    finally:
        context.reader.close()


def _chunk_lines(
    chunk: _Chunk, stored: dict[str, ResultRef], moved: dict[str, tuple[int, int]], context: _JoinContext
) -> Iterator[_JoinedLine]:
    by_index, reader = context.by_index, context.reader
    for custom_id, raw, shard in chunk:
        found = stored.get(custom_id)
        owner_index, attempts = moved.get(custom_id, (shard.shard_index, 1))
        if found is not None:
            line = reader.read(found.file_key, found.offset, found.length)
            owner = by_index.get(found.shard_index)
            batch_id = owner.batch_id if owner is not None else None
            yield custom_id, raw, line, batch_id, by_index[owner_index], attempts
        else:
            yield custom_id, raw, None, None, by_index[owner_index], attempts


def _contiguous_successes(chunk: _Chunk, stored: dict[str, ResultRef], context: _JoinContext) -> bytes | None:
    """The chunk's records from one pass over its stored lines, when they lie one after another in one file.

    None (the caller goes line by line) unless every input has a stored line, all in the
    same result file of the shard that sent them, each starting where the one before ends,
    and each a success in the service's layout.
    """
    first = stored.get(chunk[0][0])
    if first is None:
        return None
    file_key, shard_index, offset = first.file_key, first.shard_index, first.offset
    end = offset
    for custom_id, _, shard in chunk:
        found = stored.get(custom_id)
        if (
            found is None
            or found.offset != end
            or found.file_key != file_key
            or found.shard_index != shard_index
            or shard.shard_index != shard_index
        ):
            return None
        end += found.length
    owner = context.by_index.get(shard_index)
    batch_id = owner.batch_id if owner is not None else None
    block = context.reader.read(file_key, offset, end - offset)
    return fast_success_block(block, batch_id, len(chunk))


def _joined_lines(store: JobStore, job_id: str, shards: Sequence[ShardRow]) -> Iterator[_JoinedLine]:
    """(custom_id, raw input, stored result line or None, its batch id, owner shard, attempts), in input order."""
    for chunk, stored, moved, context in _joined_chunks(store, job_id, shards):
        yield from _chunk_lines(chunk, stored, moved, context)
