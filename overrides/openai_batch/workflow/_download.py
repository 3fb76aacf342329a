"""Stream a batch's output or error file into the job store, committing in chunks.

Rows are keyed by (job, custom_id), so a download cut off half-way (even by ``kill -9``)
is simply done again next time: nothing doubles and nothing already paid for is lost.

The sync and async downloads share :class:`_ResultWriter` (parsing, chunking, commits);
they differ only in how the lines arrive. Commits run on the caller's thread, because
the store's SQLite connection belongs to the thread that opened it.
"""

from __future__ import annotations

import json

from ._crash import crash_point
from ._errors import JobError
from ._protocols import AsyncContentClient, ClientLike
from ._store import JobStore, ShardRow

__all__ = ["async_store_result_file", "store_result_file"]

# Result rows committed per transaction while a result file streams in.
_RESULT_CHUNK = 2_000


class _ResultWriter:
    """Parse result lines of one file and commit them to the store every ``_RESULT_CHUNK`` rows."""

    def __init__(self, store: JobStore, shard: ShardRow, file_id: str) -> None:
        self._store = store
        self._shard = shard
        self._file_id = file_id
        self._pending: list[tuple[str, int, str | None, bytes]] = []
        self._line_no = 0
        self.count = 0

    def add(self, raw: bytes) -> None:
        self._line_no += 1
        if not raw.strip():
            return
        try:
            item = json.loads(raw)
        except ValueError as exc:
            raise JobError(f"result file {self._file_id} line {self._line_no}: not JSON ({exc})") from exc
        custom_id = item.get("custom_id") if isinstance(item, dict) else None
        if not isinstance(custom_id, str):
            raise JobError(f"result file {self._file_id} line {self._line_no}: no custom_id")
        self._pending.append((custom_id, self._shard.shard_index, self._shard.batch_id, bytes(raw)))
        if len(self._pending) >= _RESULT_CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        chunk, self._pending = self._pending, []
        with self._store.transaction():
            self._store.put_results(self._shard.job_id, chunk)
        self.count += len(chunk)
        crash_point("during_download", len(chunk))


def store_result_file(client: ClientLike, store: JobStore, shard: ShardRow, file_id: str) -> int:
    """Store every line of result file ``file_id`` of ``shard``; returns how many lines."""
    writer = _ResultWriter(store, shard, file_id)
    for raw in client.files.content(file_id).iter_lines():
        writer.add(raw)
    writer.flush()
    return writer.count


async def async_store_result_file(client: AsyncContentClient, store: JobStore, shard: ShardRow, file_id: str) -> int:
    """:func:`store_result_file` with an async client (lines streamed with ``async for``)."""
    writer = _ResultWriter(store, shard, file_id)
    async for raw in client.files.content(file_id).iter_lines():
        writer.add(raw)
    writer.flush()
    return writer.count
