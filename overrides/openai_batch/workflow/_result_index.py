"""Index a result file as it streams in: runs of lines in the shard's input order, or line by line.

The service writes a batch's results mostly in the order of its input. A result file of an
original shard is therefore indexed as *runs*: "lines p .. p+n-1 of the shard's input have
their results, in that order, in these bytes of the file". A batch of 50,000 results in input
order is one run, one row in the state file, and the join later reads it back as whole
blocks instead of looking up 50,000 custom_ids (see ``_join``).

Each line's custom_id is checked against the shard's input where the run is built: a block
of lines whose ids equal the next input ids extends the run at once (one list comparison);
any other line finds its input position by id, and a line whose id the shard does not hold,
or holds a result for already, is left out of every run (the first line for an id wins).

A resubmission's shard holds requests taken from all over the input, so its lines are
indexed one by one by custom_id, as :class:`LineIndex` does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ._join import custom_id_of
from ._store import JobStore, ResultRun, ShardRow

__all__ = ["LineIndex", "RunIndex", "ShardIds", "block_ids", "id_bytes", "index_for", "line_spans", "shard_input_ids"]

# One match per line of a block of whole lines, every line: the custom_id of a line in the
# service's layout ({"id": ..., "custom_id": ...}), b"" for any other. Matching every line makes
# the list as long as the block's line count, so no pass over the block counts its newlines;
# nothing in a match can cross a newline (JSON whitespace here is [ \t\r]), so a match is never
# two lines. Each match also runs to its line's end: the search resumes at the next line's start
# instead of trying (and failing) at every byte in between, several times slower.
_OUTPUT_IDS = re.compile(
    rb'(?:\{~(?:"id"~:~"[^"\\\n]*"~,~)?"custom_id"~:~"([^"\\\n]*)")?[^\n]*\n'.replace(b"~", rb"[ \t\r]*")
)
# The id of every request line that starts with it, as BatchInputWriter (and most tools) write them.
_INPUT_IDS = re.compile(rb'^\{\s*"custom_id"\s*:\s*"([^"\\\n]*)"[^\n]*\n', re.MULTILINE)
# How much of a shard's input is read at a time to collect its ids.
_INPUT_BLOCK = 1 << 20


def block_ids(block: bytes) -> list[bytes] | None:
    """The custom_id of each line of a block of whole lines, when every line is in the service's layout.

    Every line of ``block`` ends in a newline (a last line without one is not read).
    """
    ids: list[bytes] = _OUTPUT_IDS.findall(block)
    # b"": a line in another layout (or one with an empty id), taken line by line by the caller.
    return None if b"" in ids else ids


def line_spans(block: bytes, base: int) -> Iterator[tuple[int, int]]:
    """(offset, length) of each line of a block of whole lines that starts at file offset ``base``."""
    start = 0
    while start < len(block):
        end = block.find(b"\n", start) + 1 or len(block)
        yield base + start, end - start
        start = end


def id_bytes(custom_id: str) -> bytes:
    """A custom_id as the bytes it has in a line without escapes (what the regular expressions capture)."""
    return custom_id.encode("utf-8", "surrogatepass")


def shard_input_ids(shard: ShardRow) -> list[bytes]:
    """The custom_id of each request line of the shard's input range, in order (blank lines skipped)."""
    ids: list[bytes] = []
    with open(shard.path, "rb") as handle:
        handle.seek(shard.byte_offset)
        remaining = shard.byte_size
        pending = b""
        while remaining > 0:
            data = handle.read(min(_INPUT_BLOCK, remaining))
            if not data:
                break
            remaining -= len(data)
            data = pending + data
            end = data.rfind(b"\n") + 1
            block, pending = data[:end], data[end:]
            found: list[bytes] = _INPUT_IDS.findall(block)
            if len(found) == block.count(b"\n"):
                ids += found
            else:  # blank lines, or lines that do not start with their custom_id
                ids += [id_bytes(custom_id_of(raw)) for raw in block.split(b"\n") if raw.strip()]
        if pending.strip():
            ids.append(id_bytes(custom_id_of(pending)))
    return ids


class ShardIds:
    """A shard's input ids, found when first asked for and then kept: its output and error files share them.

    They come from the ids the store kept when the shard was planned (``store``), else from
    reading the shard's input.

    Example::

        ids = ShardIds(shard, store)
        for file_id in (shard.output_file_id, shard.error_file_id):
            index = index_for(shard, ids)   # the ids are found once, by the first file that needs them
    """

    def __init__(self, shard: ShardRow, store: JobStore | None = None) -> None:
        self._shard = shard
        self._store = store
        self._ids: list[bytes] | None = None

    def get(self) -> list[bytes]:
        if self._ids is None:
            kept = self._store.shard_inputs(self._shard.job_id, self._shard.shard_index) if self._store else None
            ids = kept.split(b"\n") if kept is not None else []
            self._ids = ids if len(ids) == self._shard.request_count else shard_input_ids(self._shard)
        return self._ids


class RunIndex:
    """Builds the runs of one result file of an original shard, fed its lines in file order.

    Example::

        index = RunIndex(shard, ShardIds(shard))
        index.add_block(ids, block, offset)       # whole lines, their ids as block_ids() reads them
        index.add_line(b"a-7", offset, length)    # or one line at a time
        index.save(store, file_key)
    """

    def __init__(self, shard: ShardRow, inputs: ShardIds) -> None:
        self._shard = shard
        self._inputs = inputs
        self._ids: list[bytes] | None = None
        self._positions: dict[bytes, int] | None = None
        self._taken = bytearray()
        # The run being built: [first input line, line count, byte offset, byte length].
        self._runs: list[list[int]] = []
        self._next_line = 0
        self._next_byte = -1

    def _input(self) -> list[bytes]:
        if self._ids is None:
            self._ids = self._inputs.get()
            self._taken = bytearray(len(self._ids))
        return self._ids

    def _position(self, custom_id: bytes) -> int | None:
        ids = self._input()
        if self._next_line < len(ids) and ids[self._next_line] == custom_id:
            return self._next_line
        if self._positions is None:
            # Out of order: the service may write a batch's results in any order.
            self._positions = {cid: i for i, cid in enumerate(ids)}
        return self._positions.get(custom_id)

    def _extend(self, line: int, count: int, offset: int, length: int) -> None:
        self._taken[line : line + count] = b"\x01" * count
        run = self._runs[-1] if self._runs else None
        if run is not None and line == self._next_line and offset == self._next_byte:
            run[1] += count
            run[3] += length
        else:
            self._runs.append([line, count, offset, length])
        self._next_line = line + count
        self._next_byte = offset + length

    def add_block(self, ids: list[bytes], block: bytes, offset: int) -> None:
        """A block of whole lines at file ``offset``, with each line's custom_id."""
        if not ids:
            return
        line = self._position(ids[0])
        count = len(ids)
        if line is not None and self._input()[line : line + count] == ids and 1 not in self._taken[line : line + count]:
            self._extend(line, count, offset, len(block))
            return
        for custom_id, (start, length) in zip(ids, line_spans(block, offset), strict=True):
            self.add_line(custom_id, start, length)

    def add_line(self, custom_id: bytes, offset: int, length: int) -> None:
        """One line at file ``offset``; left out when the shard has no such request, or has its result already."""
        line = self._position(custom_id)
        if line is None or self._taken[line]:
            return
        self._extend(line, 1, offset, length)

    def save(self, store: JobStore, file_key: int) -> None:
        runs = (ResultRun(first, file_key, count, offset, length) for first, count, offset, length in self._runs)
        store.put_result_runs(self._shard.job_id, self._shard.shard_index, runs)


class LineIndex:
    """Indexes each line of a resubmission's result file by custom_id (its requests come from anywhere).

    Example::

        index = LineIndex(shard)
        index.add_line(b"a-7", offset, length)
        index.save(store, file_key)
    """

    def __init__(self, shard: ShardRow) -> None:
        self._shard = shard
        self._rows: list[tuple[str, int, int]] = []

    def add_block(self, ids: list[bytes], block: bytes, offset: int) -> None:
        for custom_id, (start, length) in zip(ids, line_spans(block, offset), strict=True):
            self._rows.append((custom_id.decode("utf-8", "surrogatepass"), start, length))

    def add_line(self, custom_id: bytes, offset: int, length: int) -> None:
        self._rows.append((custom_id.decode("utf-8", "surrogatepass"), offset, length))

    def save(self, store: JobStore, file_key: int) -> None:
        index = self._shard.shard_index
        store.put_results(
            self._shard.job_id, ((cid, index, file_key, start, length) for cid, start, length in self._rows)
        )


def index_for(shard: ShardRow, inputs: ShardIds | None = None) -> RunIndex | LineIndex:
    """How a result file of ``shard`` is indexed: in runs for an original shard, line by line for a resubmission.

    ``inputs`` shares the shard's input ids between its files (read anew when not given).
    """
    if shard.retry_of_status is not None:
        return LineIndex(shard)
    return RunIndex(shard, inputs if inputs is not None else ShardIds(shard))
