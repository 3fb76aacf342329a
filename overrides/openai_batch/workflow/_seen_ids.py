"""Find repeated ``custom_id`` hashes in memory bounded whatever the input's size.

A set of a million hashes holds a million Python ints: about 75 MB, most of a job's memory.
Here each hash is 8 bytes in one of a few ``array('q')`` buckets (by its low bits), and once
the buckets pass ``spill_at`` entries they are appended to one file per bucket in a private
temporary directory and emptied. At the end each bucket on its own (a few hundredths of the
whole) is checked with a set, so the peak is one bucket's set, not the whole job's.

A repeated hash is only a suspect: the caller confirms it against the ids themselves (two
different ids may share a hash).

Example::

    ledger = HashLedger()
    for custom_id in ids:
        ledger.add(hash(custom_id))
    repeated = ledger.repeated()      # the hashes seen more than once
    ledger.close()
"""

from __future__ import annotations

import shutil
import tempfile
from array import array
from collections.abc import Callable
from pathlib import Path

__all__ = ["HashLedger"]

_BUCKET_BITS = 6
_BUCKETS = 1 << _BUCKET_BITS
# 1 Mi hashes (8 MiB) kept before spilling: a 1,000,000-request file never touches the disk.
_SPILL_AT = 1 << 20


class HashLedger:
    """Every hash added, bucketed in compact arrays (spilled to disk past ``spill_at``); see the module."""

    def __init__(self, spill_at: int | None = None) -> None:
        self._buckets = [array("q") for _ in range(_BUCKETS)]
        #: One bound ``append`` per bucket: the caller's hot loop calls ``appenders[key & MASK](key)``.
        self.appenders: list[Callable[[int], None]] = [bucket.append for bucket in self._buckets]
        self._spill_at = _SPILL_AT if spill_at is None else spill_at
        self._spill_dir: Path | None = None

    MASK = _BUCKETS - 1

    def add(self, key: int) -> None:
        self.appenders[key & self.MASK](key)
        self.maybe_spill()

    def maybe_spill(self) -> None:
        """Move the buckets to disk when they hold ``spill_at`` hashes (call it every few thousand adds)."""
        if sum(len(bucket) for bucket in self._buckets) < self._spill_at:
            return
        if self._spill_dir is None:
            self._spill_dir = Path(tempfile.mkdtemp(prefix="openai-batch-ids-"))
        for index, bucket in enumerate(self._buckets):
            with (self._spill_dir / f"{index:02x}").open("ab") as out:
                bucket.tofile(out)
            del bucket[:]  # in place: the bound appenders keep pointing at it

    def _bucket(self, index: int) -> array[int]:
        whole = array("q")
        if self._spill_dir is not None:
            path = self._spill_dir / f"{index:02x}"
            if path.exists():
                whole.frombytes(path.read_bytes())
        whole.extend(self._buckets[index])
        return whole

    def repeated(self) -> set[int]:
        """The hashes added more than once."""
        found: set[int] = set()
        for index in range(_BUCKETS):
            bucket = self._bucket(index)
            if len(set(bucket)) == len(bucket):
                continue
            seen: set[int] = set()
            for key in bucket:
                if key in seen:
                    found.add(key)
                seen.add(key)
        return found

    def close(self) -> None:
        for bucket in self._buckets:
            del bucket[:]
        if self._spill_dir is not None:
            shutil.rmtree(self._spill_dir, ignore_errors=True)
            self._spill_dir = None
