"""One process at a time sends a job's shards: an advisory file lock around uploads and batch creation.

Two ``submit`` runs of the same file started together would otherwise both see "shard 0
not uploaded" and both upload it. The second now waits for the first, then finds
everything sent. The operating system drops the lock when its holder dies (even by
``kill -9``), so a crash never leaves a job locked. Where ``fcntl`` does not exist
(Windows) there is no lock, and running one job from two processes at once is unsafe.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["job_lock"]


@contextmanager
def job_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if needed) for the ``with`` block."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
