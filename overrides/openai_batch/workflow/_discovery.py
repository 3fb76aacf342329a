"""Find on the service what a job already sent: the local state is a cache, the service the record.

A job whose state file was deleted, or that is run on another machine, has the same id
(see ``_identity``). Before sending anything, a run that has not searched yet walks the
newest batches and files once: batches tagged with the job's id become its shards'
batches (the highest attempt of each), uploads named after its shards become their files,
and batches of resubmission shards (numbered past the input's own) are adopted with their
input file, so their requests are not sent a third time. A batch tagged with the same
input but another job id means the input was sent with other options: the run refuses
rather than bill it twice.

It reads only what it must: the walk of the batches stops once it has passed a live first
attempt of every one of the input's own shards (the job's oldest batch is one of them, and
every later batch of the job, retries and resubmissions included, is newer), and the files
are walked only for shards still without an upload. A first attempt seen only as cancelled
copies does not count: it may be a loser of several senders' tie-break (see ``_rivals``),
whose kept copy is older, so the walk goes on to find it. Each walk's reach (how many items, back
to which creation time, and why it stopped) is logged and returned: a job older than the
window or behind more than 10,000 newer batches is not found, and the reach says so.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

import attrs
from openai_batch_api.models import Batch, OpenAIFile

from .._batchinfo import batch_metadata
from ._engine import Flow, Walk
from ._identity import INPUT_TAG, JOB_TAG, JobConflictError, JobDefinition, parse_job_tag, shard_file_name
from ._join import custom_id_of
from ._opening import download_lines
from ._patience import Patience
from ._ranges import iter_range_lines
from ._recording import record_batch
from ._rivals import earliest, winner
from ._store import JobRow, JobStore, ShardRow

__all__ = ["LOOKUP_WINDOW", "Discovery", "Reach", "discover", "lookup_since", "recent"]

logger = logging.getLogger("openai_batch.workflow")

#: How far back the search looks: batch input and output files are kept 30 days by default.
LOOKUP_WINDOW = 31 * 24 * 3600
# Clock slack between this machine and the service, for "created since" cut-offs.
_CLOCK_SLACK = 300.0
# At most this many batches or files are walked (newest first) per search or look-up.
_SCAN_LIMIT = 10_000
# Statuses of a copy that may have lost several senders' tie-break (its kept copy may be older).
_GIVEN_UP = frozenset({"cancelling", "cancelled"})


def lookup_since(started_at: float) -> float:
    """The oldest ``created_at`` an object sent at ``started_at`` (Unix seconds) can have."""
    return started_at - _CLOCK_SLACK


Item = TypeVar("Item", Batch, OpenAIFile)


def recent(items: Iterable[Item], since: float | None) -> Iterator[Item]:
    """The items of a newest-first list created at ``since`` (Unix seconds) or later, at most 10,000.

    Every walk of the service's batch and file lists (search, look-up, queue) stops the
    same way: at the first item too old to matter, or after the cap.
    """
    for seen, item in enumerate(items):
        if seen >= _SCAN_LIMIT or (since is not None and item.created_at < since):
            return
        yield item


@attrs.frozen
class Reach:
    """How far one walk of a newest-first list looked: what, how many items, back to when, and why it stopped.

    ``stopped`` is ``"found"`` (everything sought was found), ``"window"`` (the next item
    was older than the look-up window), ``"cap"`` (10,000 items read) or ``"end"`` (the
    list ended).

    Example::

        found = yield from discover(store, row, patience)
        print(found.batches.describe())   # "read 212 batches, back to 2026-12-04 09:12 UTC; stopped: ..."
    """

    what: str
    read: int
    oldest: float | None
    stopped: str
    since: float | None = None

    def describe(self) -> str:
        back = "" if self.oldest is None else f", back to {_when(self.oldest)}"
        why = {
            "found": "every shard was found",
            "window": f"the next one was older than the look-up window (from {_when(self.since or 0)})",
            "cap": f"the cap of {_SCAN_LIMIT:,} was reached; anything older was not searched",
            "end": "the list ended",
        }[self.stopped]
        what = self.what if self.read != 1 else _ONE[self.what]
        return f"read {self.read:,} {what}{back}; stopped: {why}"

    def to_dict(self) -> dict[str, object]:
        return attrs.asdict(self)


@attrs.frozen
class Discovery:
    """The reach of a search for a job on the service: its batches, and its uploads (None: not needed).

    Example::

        found = yield from discover(store, row, patience)
        logger.info("looked: %s", found.describe())
    """

    batches: Reach
    uploads: Reach | None

    def describe(self) -> str:
        uploads = "no upload search needed" if self.uploads is None else self.uploads.describe()
        return f"batches: {self.batches.describe()}; uploads: {uploads}"


_ONE = {"batches": "batch", "uploads": "upload"}


def _when(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M UTC")


class _Gathering:
    """The ``keep`` of a :class:`Walk` that gathers a newest-first list's recent items and records its reach.

    It stops (like ``_engine.gather``) at the first item created before ``since``, after the
    cap, or right after an item once ``done()`` is true, so the page holding the last item
    sought is the last page read.
    """

    def __init__(self, what: str, since: float | None, done: Callable[[], bool] = lambda: False) -> None:
        self.items: list[Any] = []
        self._what = what
        self._since = since
        self._done = done
        self._oldest: float | None = None
        self._stopped = "end"

    def keep(self, item: Any) -> bool:
        if len(self.items) >= _SCAN_LIMIT:
            self._stopped = "cap"
            return False
        if self._since is not None and item.created_at < self._since:
            self._stopped = "window"
            return False
        self.items.append(item)
        self._oldest = item.created_at
        if self._done():
            self._stopped = "found"
            return False
        return True

    def reach(self) -> Reach:
        return Reach(self._what, len(self.items), self._oldest, self._stopped, self._since)


def discover(store: JobStore, row: JobRow, patience: Patience) -> Flow[Discovery]:
    """Record what the service holds of this job; raise :class:`JobConflictError` on another job's batches.

    Returns how far the search looked (also logged).
    """
    found = yield from patience.call(f"looking up job {row.job_id} on the service", lambda: _discover(store, row))
    store.update_job(row.job_id, discovered=True)
    logger.info("job %s: looked for it on the service: %s", row.job_id, found.describe())
    return found


def _discover(store: JobStore, row: JobRow) -> Flow[Discovery]:
    since = time.time() - LOOKUP_WINDOW
    definition = JobDefinition.from_dict(row.definition)
    ours: dict[int, dict[int, list[Batch]]] = {}
    others: dict[str, str] = {}
    shards = {s.shard_index: s for s in store.shards(row.job_id)}
    base = len([s for s in shards.values() if s.retry_of_status is None])
    # The input's own shards without a live first attempt seen yet: once none is left, the
    # walk has passed the job's oldest batch and everything of the job is behind it.
    first_attempts_due = set(range(base))

    def note(batch: Batch) -> None:
        metadata = batch_metadata(batch)
        tag = parse_job_tag(metadata.get(JOB_TAG))
        if tag is None:
            return
        job_id, index, attempt = tag
        if job_id == row.job_id:
            ours.setdefault(index, {}).setdefault(attempt, []).append(batch)
            if attempt == 1 and str(batch.status) not in _GIVEN_UP:
                first_attempts_due.discard(index)
        elif metadata.get(INPUT_TAG) == definition.input_tag and batch.endpoint == row.endpoint:
            others.setdefault(job_id, batch.id)

    def all_found() -> bool:
        note(walk.items[-1])
        return base > 0 and not first_attempts_due

    walk = _Gathering("batches", since, all_found)
    yield Walk("batches", {"limit": 100}, walk.keep)
    if others and not ours and definition.nonce is None:
        job_id, batch_id = next(iter(others.items()))
        raise JobConflictError(
            f"the service already has job {job_id} for this input (batch {batch_id}), sent with other options "
            f"or as --new; resume it with --job {job_id}, or add --new to send it again as another job"
        )
    for index in sorted(ours):
        # The highest attempt; of several senders' batches for it, the one every sender keeps.
        attempt = max(ours[index])
        batch = winner(ours[index][attempt])
        shard = shards.get(index)
        if shard is None:
            if index < base:
                continue
            shard = yield from _adopt_resubmission(store, row, index, batch)
        if shard.batch_id is not None:
            continue
        store.update_shard(row.job_id, index, attempt=attempt, file_id=batch.input_file_id)
        shard.attempt, shard.file_id = attempt, batch.input_file_id
        logger.info("job %s shard %d: found batch %s on the service", row.job_id, index, batch.id)
        record_batch(store, shard, batch)
    missing = [s for s in store.shards(row.job_id) if s.file_id is None]
    uploads = (yield from _find_uploads(store, missing, since)) if missing else None
    return Discovery(walk.reach(), uploads)


def _find_uploads(store: JobStore, missing: list[ShardRow], since: float) -> Flow[Reach]:
    # Walked to the window's edge, not to the first copy found: of several senders' uploads of
    # one shard the earliest is kept (see ``_rivals``), and it is the one read last.
    wanted = {(s.token, s.byte_size): s for s in missing}
    found: dict[tuple[str, int], list[OpenAIFile]] = {}
    walk = _Gathering("uploads", since)
    yield Walk("files", {"purpose": "batch", "order": "desc"}, walk.keep)
    for item in walk.items:
        if (item.filename, item.bytes_) in wanted:
            found.setdefault((item.filename, item.bytes_), []).append(item)
    for key, items in found.items():
        shard = wanted[key]
        chosen = earliest(items)
        logger.info("job %s shard %d: found upload %s on the service", shard.job_id, shard.shard_index, chosen.id)
        store.update_shard(shard.job_id, shard.shard_index, file_id=chosen.id)
    return walk.reach()


def _adopt_resubmission(store: JobStore, row: JobRow, index: int, batch: Batch) -> Flow[ShardRow]:
    """A resubmission shard an earlier run sent: its input comes back from the service."""
    directory = store.work_dir / row.job_id
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / shard_file_name(row.job_id, index)
    yield from download_lines(batch.input_file_id, path)
    ids = [custom_id_of(raw) for raw in iter_range_lines(path, 0, path.stat().st_size)]
    shard = ShardRow(
        job_id=row.job_id,
        shard_index=index,
        path=str(path),
        byte_offset=0,
        byte_size=path.stat().st_size,
        request_count=len(ids),
        first_line=1,
        token=shard_file_name(row.job_id, index),
        retry_of_status="resubmitted",
    )
    with store.transaction():
        store.add_shards([shard])
        store.mark_retried(row.job_id, ((cid, index) for cid in ids))
    return shard
