"""Download a batch's output or error file into the job's folder, checked, and index its lines.

The file is kept as the service sent it (no second copy in the state file): the store
only indexes where each request's line is (see ``_result_index``: runs of lines in input
order, or line by line for a resubmission), so a finished job's state is barely larger
than its result files. The lines' usage is summed on the way (see ``_usage_lines``) and
kept with the file, so a job's usage and cost never read its result files again.

A download counts only when it is whole. A response cut short without an error (a proxy
that closes the connection with no length framing) shows as fewer lines than the batch's
``request_counts`` report, or a last line cut mid-way; either raises :class:`ShortDownload`,
a transient fault: the file is fetched again, never marked done, and never turned into
``missing`` requests that a resubmission would bill twice.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator

from .._download_flow import temp_path_for, unlink_quietly
from ._crash import crash_point
from ._engine import Flow, Stream
from ._errors import JobError, WorkflowError
from ._result_index import ShardIds, block_ids, id_bytes, index_for
from ._results import leading_result_id
from ._store import JobStore, ShardRow
from ._usage_lines import UsageSums

__all__ = ["LineCutter", "ShortDownload", "store_result_file", "whole_line_blocks"]


class ShortDownload(WorkflowError):
    """A result file came back shorter than its batch says (a cut download); fetch it again."""


class LineCutter:
    """Re-cuts a byte stream at newlines: each chunk in gives the whole lines it completes."""

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, chunk: bytes) -> bytes:
        if self._pending:
            chunk = self._pending + chunk
        end = chunk.rfind(b"\n") + 1
        self._pending = chunk[end:]
        return chunk[:end]

    def rest(self) -> bytes:
        """What followed the last newline (the end of a stream whose last line has none)."""
        return self._pending


def whole_line_blocks(chunks: Iterable[bytes]) -> Iterator[tuple[bytes, bool]]:
    """The stream re-cut at newlines: (block, whole) pairs; only the very last may lack its newline."""
    cutter = LineCutter()
    for chunk in chunks:
        if block := cutter.feed(chunk):
            yield block, True
    if rest := cutter.rest():
        yield rest, False


class _ResultFile:
    """One result file as it streams in: written to a temporary file, its lines counted, indexed and their usage summed."""

    def __init__(self, store: JobStore, shard: ShardRow, file_id: str, expected: int, inputs: ShardIds | None) -> None:
        self._store = store
        self._shard = shard
        self._file_id = file_id
        self._expected = expected
        directory = store.work_dir / shard.job_id / "results"
        directory.mkdir(parents=True, exist_ok=True)
        self.target = directory / f"{file_id}.jsonl"
        fd, self._temp = temp_path_for(self.target)
        self._out = os.fdopen(fd, "wb")
        self._index = index_for(shard, inputs)
        self._usage = UsageSums()
        self._lines = 0
        self._offset = 0
        self._last: bytes = b"\n"

    def add_block(self, block: bytes) -> None:
        """A block of whole lines (each ending in a newline): its ids read in one regular-expression pass.

        A block in which some line does not start the service's way (another key order, an
        escaped id, a blank line) is taken line by line instead.
        """
        ids = block_ids(block)
        if ids is None:
            for raw in block.splitlines(keepends=True):
                self.add(raw)
            return
        self._out.write(block)
        self._index.add_block(ids, block, self._offset)
        self._usage.add_block(block, lines=len(ids))
        self._lines += len(ids)
        self._offset += len(block)
        self._last = b"\n"

    def add(self, raw: bytes) -> None:
        self._out.write(raw)
        start, self._offset = self._offset, self._offset + len(raw)
        self._last = raw
        if not raw.strip():
            return
        found = leading_result_id(raw)
        custom_id = found if found is not None else id_bytes(self._parse_id(raw))
        self._lines += 1
        self._index.add_line(custom_id, start, len(raw))
        self._usage.add_line(raw)

    def _parse_id(self, raw: bytes) -> str:
        try:
            item = json.loads(raw)
        except ValueError:
            if not raw.endswith(b"\n"):
                raise self._short("its last line is cut off") from None
            raise JobError(f"result file {self._file_id} line {self._lines + 1}: not JSON") from None
        custom_id = item.get("custom_id") if isinstance(item, dict) else None
        if not isinstance(custom_id, str):
            raise JobError(f"result file {self._file_id} line {self._lines + 1}: no custom_id")
        return custom_id

    def _short(self, why: str) -> ShortDownload:
        return ShortDownload(
            f"result file {self._file_id} of batch {self._shard.batch_id}: {why} "
            f"({self._lines} line(s), the batch reports {self._expected}); fetching it again"
        )

    def finish(self) -> int:
        """Check the file is whole, then move it into place and commit its index; returns its lines."""
        if not self._last.endswith(b"\n"):
            # Only the last line can be cut; if it parses, the file merely lacks a final newline.
            try:
                json.loads(self._last)
            except ValueError:
                raise self._short("its last line is cut off") from None
        if self._lines < self._expected:
            raise self._short("it ended early")
        self._out.flush()
        os.fsync(self._out.fileno())
        self._out.close()
        os.replace(self._temp, self.target)
        job_id, index = self._shard.job_id, self._shard.shard_index
        with self._store.transaction():
            key = self._store.add_result_file(job_id, index, self._file_id, str(self.target), self._lines)
            self._index.save(self._store, key)
            self._store.put_usage_sums(job_id, self._file_id, self._usage.rows())
        crash_point("during_download", self._lines)
        return self._lines

    def discard(self) -> None:
        self._out.close()
        unlink_quietly(self._temp)


def expected_lines(shard: ShardRow, file_id: str) -> int:
    """How many lines a whole result file must hold at least, from the batch's ``request_counts``.

    The output file holds one line per completed request, the error file one per failed
    one (an expired or cancelled batch's error file also lists the requests that did not
    run, so it may hold more).
    """
    return shard.completed if file_id == shard.output_file_id else shard.failed


def store_result_file(store: JobStore, shard: ShardRow, file_id: str, inputs: ShardIds | None = None) -> Flow[int]:
    """Download result file ``file_id`` of ``shard`` whole and index it; returns how many lines.

    ``inputs`` (the shard's input ids) is shared by the caller between the shard's files and
    their downloads again, so the shard's input is read once at most.
    """
    result = _ResultFile(store, shard, file_id, expected_lines(shard, file_id), inputs)
    cutter = LineCutter()

    def consume(chunk: bytes) -> None:
        if block := cutter.feed(chunk):
            result.add_block(block)

    try:
        yield Stream(file_id, consume)
        if rest := cutter.rest():
            result.add(rest)
        return result.finish()
    finally:
        result.discard()
