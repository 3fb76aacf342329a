"""Join a job's input requests to their stored results, in input order, one outcome each.

Each original shard is walked in input order along its runs of stored result lines (see
``_result_index``): a run is read from its result file a mebibyte at a time and, when every
line is a success in the service's layout, rewritten in one pass, without reading the input
or looking up a single custom_id. Input lines are read back (from the shard's byte range)
only where they are needed: for requests with no stored line, for the callers that want the
raw input, and, in a job with resubmissions, to find the requests sent again, whose results
are looked up by custom_id in the shards that sent them last. Memory stays flat however large
the job: a piece of a run, a chunk of inputs, and one shard's runs at a time.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from collections.abc import Iterator, Sequence

import attrs

from .._batchinfo import format_errors, optional_str
from ._errors import JobError
from ._json import dumps
from ._ranges import iter_range_lines
from ._results import (
    BatchResult,
    Outcome,
    RequestError,
    fast_success_block,
    fast_success_record,
    leading_result_id,
    parse_result_line,
)
from ._store import JobStore, ResultRun, ShardRow, iter_chunks

__all__ = ["UNFINISHED", "join_records", "join_results", "unfinished_outcomes"]

#: Outcomes of requests that never ran (and may be sent again without paying twice).
UNFINISHED = frozenset({Outcome.EXPIRED, Outcome.CANCELLED, Outcome.MISSING})


def unfinished_outcomes(include_failed: bool) -> frozenset[Outcome]:
    """The outcomes to send again: :data:`UNFINISHED`, plus failed requests if asked for."""
    return UNFINISHED | {Outcome.FAILED} if include_failed else UNFINISHED


# Input requests with no stored line taken per piece, and custom_ids looked up per query.
_JOIN_CHUNK = 500
# Bytes of a run read per piece (a longer line is read whole).
_PIECE_BYTES = 1 << 20


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
    for piece in _pieces(store, job_id, shards, with_inputs=True):
        for custom_id, raw, line, batch_id, owner, attempts in piece.lines():
            if line is not None:
                yield parse_result_line(line, batch_id=batch_id, source=source, attempts=attempts), raw
            else:
                result = _not_stored(custom_id, owner)
                yield (attrs.evolve(result, attempts=attempts) if attempts != 1 else result), raw


def join_records(store: JobStore, job_id: str, shards: Sequence[ShardRow]) -> Iterator[tuple[str, bytes, int]]:
    """(outcome, JSON lines of :meth:`BatchResult.to_dict`, how many) for every input request, in input order.

    What ``write_results`` writes. A piece of a run whose lines are all successes in the
    service's own layout (the usual case) has its records made in one pass over its bytes,
    the bodies copied as they came (see :func:`fast_success_block`), and is yielded whole.
    Any other line goes on its own: a success in that layout is still copied
    (:func:`fast_success_record`), the rest parsed by :func:`parse_result_line`.
    """
    source = f"job {job_id}"
    for piece in _pieces(store, job_id, shards, with_inputs=False):
        if piece.block is not None and not piece.moved:
            block = fast_success_block(piece.block, piece.shard.batch_id, piece.known_count)
            if block is not None:
                records, piece.count = block
                yield "succeeded", records, piece.count
                continue
        for custom_id, _, line, batch_id, owner, attempts in piece.lines():
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


_JoinedLine = tuple[str, bytes, bytes | None, str | None, ShardRow, int]


@attrs.define
class _JoinContext:
    store: JobStore
    job_id: str
    by_index: dict[int, ShardRow]
    reader: _ResultReader
    #: Whether any request was sent again (only then are input ids looked up in ``retried``).
    any_retried: bool


@attrs.define
class _Piece:
    """Consecutive input requests of one original shard: ``first`` .. ``first + count - 1``.

    ``block`` holds their stored result lines, in order, or is None when none of them has one.
    ``inputs`` (custom_id, raw line) are read only when needed; ``moved`` maps those of them
    sent again to (the shard now holding them, attempts so far). A piece cut from a run
    without counting its lines (``count=None``) counts them when first asked, unless the
    join's one pass over its block (:func:`fast_success_block`) has told it first.
    """

    shard: ShardRow
    first: int
    _count: int | None
    block: bytes | None
    context: _JoinContext
    inputs: list[tuple[str, bytes]] | None = None
    moved: dict[str, tuple[int, int]] = attrs.field(factory=dict)

    @property
    def known_count(self) -> int | None:
        """The number of requests, when known without counting the block's lines."""
        return self._count

    @property
    def count(self) -> int:
        if self._count is None:
            assert self.block is not None  # a piece without stored lines is always counted
            self._count = self.block.count(b"\n") + (0 if self.block.endswith(b"\n") else 1)
        return self._count

    @count.setter
    def count(self, value: int) -> None:
        self._count = value

    def lines(self) -> Iterator[_JoinedLine]:
        """(custom_id, raw input, result line or None, its batch id, owner shard, attempts) of each request."""
        stored = _split_lines(self.block) if self.block is not None else None
        if stored is not None and len(stored) != self.count:
            raise JobError(
                f"job {self.context.job_id}: the state file's index of shard {self.shard.shard_index} does not "
                f"match its result file at input line {self.first + 1}; delete the job's state to rebuild it"
            )
        inputs = self.inputs
        moved = self.moved
        resent = self._resent_lines() if moved else {}
        batch_id = self.shard.batch_id
        for i in range(self.count):
            line = stored[i] if stored is not None else None
            if inputs is not None:
                custom_id, raw = inputs[i]
            else:
                assert line is not None  # a piece without stored lines always reads its inputs
                custom_id, raw = _result_id(line), b""
            if custom_id in moved:
                owner_index, attempts = moved[custom_id]
                found = resent.get(custom_id)
                owner = self.context.by_index[owner_index]
                if found is not None:
                    yield custom_id, raw, found[0], found[1], owner, attempts
                else:
                    yield custom_id, raw, None, None, owner, attempts
            else:
                yield custom_id, raw, line, batch_id if line is not None else None, self.shard, 1

    def _resent_lines(self) -> dict[str, tuple[bytes, str | None]]:
        """custom_id -> (result line, batch id) of the requests of this piece sent again and stored since."""
        context = self.context
        found: dict[str, tuple[bytes, str | None]] = {}
        for ids in iter_chunks(list(self.moved), _JOIN_CHUNK):
            for custom_id, ref in context.store.get_results(context.job_id, ids).items():
                owner = context.by_index.get(ref.shard_index)
                line = context.reader.read(ref.file_key, ref.offset, ref.length)
                found[custom_id] = (line, owner.batch_id if owner is not None else None)
        return found


def _split_lines(block: bytes) -> list[bytes]:
    """The lines of a block, each with its newline (the last may have none)."""
    lines = [line + b"\n" for line in block.split(b"\n")]
    last = lines.pop()
    if last != b"\n":
        lines.append(last[:-1])
    return lines


def _result_id(line: bytes) -> str:
    """The custom_id of a stored result line (read without parsing the line when it leads, as the service writes it)."""
    found = leading_result_id(line)
    if found is not None:
        return found.decode("utf-8", "surrogatepass")
    return parse_result_line(line).custom_id


class _ShardInputs:
    """A shard's request lines, read forward as the walk asks for them (skipping what it does not need)."""

    def __init__(self, shard: ShardRow) -> None:
        self._lines = iter_range_lines(shard.path, shard.byte_offset, shard.byte_size)
        self._position = 0

    def take(self, first: int, count: int) -> list[tuple[str, bytes]]:
        while self._position < first:
            next(self._lines)
            self._position += 1
        taken = [(custom_id_of(raw), raw) for raw in itertools.islice(self._lines, count)]
        self._position += len(taken)
        return taken

    def close(self) -> None:
        close = getattr(self._lines, "close", None)
        if close is not None:
            close()


def _pieces(store: JobStore, job_id: str, shards: Sequence[ShardRow], *, with_inputs: bool) -> Iterator[_Piece]:
    """Every original shard's requests, in input order, cut into pieces along their runs of stored lines."""
    context = _JoinContext(
        store,
        job_id,
        {s.shard_index: s for s in shards},
        _ResultReader(store, job_id),
        any(s.retry_of_status is not None for s in shards),
    )
    try:
        for shard in shards:
            if shard.retry_of_status is not None:
                continue  # a resubmission repeats lines of earlier shards
            inputs = _ShardInputs(shard)
            try:
                for piece in _shard_pieces(shard, store.result_runs(job_id, shard.shard_index), context):
                    if with_inputs or piece.block is None or context.any_retried:
                        piece.inputs = inputs.take(piece.first, piece.count)
                        if len(piece.inputs) != piece.count:
                            raise JobError(
                                f"job {job_id}: shard {shard.shard_index} of {shard.path} holds fewer requests than "
                                f"recorded ({shard.request_count}); was the input file changed?"
                            )
                    if context.any_retried:
                        piece.moved = _moved(context, piece)
                    yield piece
            finally:
                inputs.close()
    finally:
        context.reader.close()


def _moved(context: _JoinContext, piece: _Piece) -> dict[str, tuple[int, int]]:
    assert piece.inputs is not None
    moved: dict[str, tuple[int, int]] = {}
    for ids in iter_chunks([custom_id for custom_id, _ in piece.inputs], _JOIN_CHUNK):
        moved.update(context.store.retried(context.job_id, ids))
    return moved


def _shard_pieces(shard: ShardRow, runs: list[ResultRun], context: _JoinContext) -> Iterator[_Piece]:
    """The shard's requests from first to last: pieces of its runs, and of the gaps between them.

    Runs are in input order; a run that starts inside an earlier one (a result the service
    sent twice, in two files) gives way to it for the lines they share.
    """
    total = shard.request_count
    position = 0
    for run in runs:
        start = min(run.first_line, total)
        end = min(run.first_line + run.line_count, total)
        if start > position:
            yield from _gap_pieces(shard, position, start, context)
            position = start
        if end <= position:
            continue
        yield from _run_pieces(shard, run, position - run.first_line, end - position, context)
        position = end
    if position < total:
        yield from _gap_pieces(shard, position, total, context)


def _gap_pieces(shard: ShardRow, first: int, end: int, context: _JoinContext) -> Iterator[_Piece]:
    for start in range(first, end, _JOIN_CHUNK):
        yield _Piece(shard, start, min(_JOIN_CHUNK, end - start), None, context)


def _run_pieces(shard: ShardRow, run: ResultRun, skip: int, count: int, context: _JoinContext) -> Iterator[_Piece]:
    """``count`` lines of ``run`` after its first ``skip``, read about a mebibyte at a time, cut at line ends.

    A run's bytes hold exactly its lines, so while none is to be skipped or cut off (the
    usual walk, the whole run) a piece is not counted here: its consumer's one pass over it
    counts it (see :class:`_Piece`).
    """
    reader = context.reader
    offset, end = run.offset, run.offset + run.length
    line = run.first_line
    wanted_end = run.first_line + skip + count
    run_end = run.first_line + run.line_count
    while offset < end and line < wanted_end:
        size = min(_PIECE_BYTES, end - offset)
        block = reader.read(run.file_key, offset, size)
        cut = block.rfind(b"\n") + 1
        while cut == 0 and offset + len(block) < end:  # one line longer than a piece: read it whole
            size = min(size * 2, end - offset)
            block = reader.read(run.file_key, offset, size)
            cut = block.rfind(b"\n") + 1
        if cut and offset + len(block) < end:
            block = block[:cut]
        offset += len(block)
        if line >= run.first_line + skip and wanted_end >= run_end:
            piece = _Piece(shard, line, None, block, context)
            yield piece
            line += piece.count
            continue
        lines = block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
        if line + lines <= run.first_line + skip:
            line += lines
            continue
        if line < run.first_line + skip:  # the first lines were another run's
            drop = run.first_line + skip - line
            kept = _split_lines(block)[drop:]
            block, line, lines = b"".join(kept), line + drop, lines - drop
        if line + lines > wanted_end:  # the run goes past the shard's last request
            block = b"".join(_split_lines(block)[: wanted_end - line])
            lines = wanted_end - line
        yield _Piece(shard, line, lines, block, context)
        line += lines
