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
from typing import IO

__all__ = ["SendLock", "job_lock"]


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


class SendLock:
    """The same lock taken without blocking, for the job engine's flows (``_engine``).

    A flow cannot block its runner (an async one would stall its event loop): it tries, and
    while another process holds the lock it yields a short wait and tries again. The lock is
    an optimisation (one process sends, the others then find everything sent); the service,
    not this lock, is what keeps concurrent senders from billing twice (see ``_rivals``).

    Example::

        lock = SendLock(store.send_lock)
        while not lock.try_acquire():
            yield LockWait()
        try:
            ...
        finally:
            lock.release()
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._handle: IO[bytes] | None = None

    def try_acquire(self) -> bool:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            return True
        self._path.parent.mkdir(parents=True, exist_ok=True)
        handle = self._path.open("a+b")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._handle = handle
        return True

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the descriptor drops the flock
            self._handle = None
