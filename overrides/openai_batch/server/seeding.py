"""Fill a local server's data directory with many finished batches, straight into its store.

An account holding thousands of batches is what list walks (discovery, the queue) must cope
with; creating them through the API would take minutes, so they are written to the store
directly, before the server starts: 10,000 take well under a second.

Example::

    seed_batches(Path("/tmp/server"), 10_000, now=time.time())
    with LocalServer(Path("/tmp/server")) as server:
        ...   # client.batches.list() walks 10,000 completed batches, newest first
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

from .ids import derived_hex
from .store import BatchRecord, Store

__all__ = ["seed_batches"]


def seed_batches(
    data_dir: str | Path,
    count: int,
    *,
    now: float | None = None,
    spacing: float = 60.0,
    endpoint: str = "/v1/chat/completions",
    metadata: Callable[[int], dict[str, str] | None] = lambda index: {"seeded": str(index)},
) -> list[str]:
    """Add ``count`` completed batches to the store in ``data_dir``; returns their ids, oldest first.

    The newest is created ``spacing`` seconds before ``now`` (default: the present), each
    older one ``spacing`` seconds before the next. They have no files: they are there to be
    listed. ``metadata(i)`` gives the i-th one's metadata (the oldest is 0).
    """
    stamp = time.time() if now is None else now
    prefix = derived_hex(str(stamp), str(count), length=12)  # a second seeding gets other ids
    ids = [f"batch_seed{prefix}{index:08d}" for index in range(count)]

    def records() -> Iterator[BatchRecord]:
        for index, batch_id in enumerate(ids):
            created = int(stamp - spacing * (count - index))
            yield BatchRecord(
                id=batch_id,
                endpoint=endpoint,
                input_file_id=f"file-seed{index:08d}",
                completion_window="24h",
                status="completed",
                created_at=created,
                expires_at=created + 86_400,
                metadata=metadata(index),
                in_progress_at=created + 1,
                finalizing_at=created + 2,
                completed_at=created + 3,
                validated=True,
            )

    store = Store(Path(data_dir))
    try:
        store.insert_batches(records())
    finally:
        store.close()
    return ids
