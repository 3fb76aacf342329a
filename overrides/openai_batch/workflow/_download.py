"""Stream a batch's output or error file into the job store, committing in chunks.

Rows are keyed by (job, custom_id), so a download cut off half-way (even by ``kill -9``)
is simply done again next time: nothing doubles and nothing already paid for is lost.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from ._crash import crash_point
from ._errors import JobError
from ._protocols import ClientLike
from ._store import JobStore, ShardRow, iter_chunks

__all__ = ["store_result_file"]

# Result rows committed per transaction while a result file streams in.
_RESULT_CHUNK = 2_000


def store_result_file(client: ClientLike, store: JobStore, shard: ShardRow, file_id: str) -> int:
    """Store every line of result file ``file_id`` of ``shard``; returns how many lines."""

    def rows() -> Iterator[tuple[str, int, str | None, bytes]]:
        for line_no, raw in enumerate(client.files.content(file_id).iter_lines(), 1):
            if not raw.strip():
                continue
            try:
                item = json.loads(raw)
            except ValueError as exc:
                raise JobError(f"result file {file_id} line {line_no}: not JSON ({exc})") from exc
            custom_id = item.get("custom_id") if isinstance(item, dict) else None
            if not isinstance(custom_id, str):
                raise JobError(f"result file {file_id} line {line_no}: no custom_id")
            yield custom_id, shard.shard_index, shard.batch_id, bytes(raw)

    count = 0
    for chunk in iter_chunks(rows(), _RESULT_CHUNK):
        with store.transaction():
            store.put_results(shard.job_id, chunk)
        count += len(chunk)
        crash_point("during_download", len(chunk))
    return count
