"""Wait for one batch to finish: backoff, a deadline, transient errors tolerated, progress shown.

The wait is one flow (:func:`batch_wait`, see ``_flow``), polling or driven by webhook events;
:func:`wait_for_batch` runs it with the sync runner and :func:`async_wait_for_batch` with the
async one. It sits below the resources (``client.batches.wait`` uses it) and above nothing but
the client's own modules; the job layer (``openai_batch.workflow``) builds on it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, runtime_checkable

from openai_batch_api.models import Batch

from ._batchinfo import TERMINAL_STATUSES, batch_counts
from ._event_wait import DEFAULT_FALLBACK_POLL, AsyncEventQueue, EventQueue, EventSchedule
from ._exceptions import APIConnectionError, InternalServerError, RateLimitError
from ._flow import Call, Flow, Pause, TakeEvents, run_async, run_sync
from ._progress import BatchProgress, ProgressOption, ProgressSink, check_progress_option, make_progress_sink
from ._workflow_errors import BatchWaitTimeout
from .webhooks import BatchEvent

__all__ = [
    "DEFAULT_FALLBACK_POLL",
    "TRANSIENT_ERRORS",
    "AsyncBatchRetriever",
    "AsyncWaitClient",
    "BatchRetriever",
    "PollSchedule",
    "WaitClient",
    "async_wait_for_batch",
    "batch_wait",
    "combined_status",
    "wait_for_batch",
]

logger = logging.getLogger("openai_batch.workflow")


@runtime_checkable
class BatchRetriever(Protocol):
    """``client.batches`` as far as waiting needs it."""

    def retrieve(self, batch_id: str) -> Batch: ...


class WaitClient(Protocol):
    @property
    def batches(self) -> BatchRetriever: ...


@runtime_checkable
class AsyncBatchRetriever(Protocol):
    """An async ``client.batches`` as far as waiting needs it."""

    def retrieve(self, batch_id: str) -> Awaitable[Batch]: ...


class AsyncWaitClient(Protocol):
    @property
    def batches(self) -> AsyncBatchRetriever: ...


#: Errors after which polling simply goes on: the batch keeps running whatever our network does.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (APIConnectionError, RateLimitError, InternalServerError)

#: (status, total, completed, failed) of one batch at one poll.
Snapshot = tuple[str, int, int, int]

# Order in which a batch moves; the least advanced running batch names a job's phase.
_PHASE_ORDER = ["pending", "validating", "in_progress", "finalizing", "cancelling"]


def snapshot(batch: Batch) -> Snapshot:
    return (batch.status, *batch_counts(batch))


def combined_status(statuses: Sequence[str]) -> str:
    """One word for several batches: the least advanced running status, else the final mix."""
    running = [s for s in statuses if s not in TERMINAL_STATUSES]
    if running:
        known = [s for s in _PHASE_ORDER if s in running]
        return known[0] if known else running[0]
    distinct = sorted(set(statuses))
    return distinct[0] if len(distinct) == 1 else "+".join(distinct)


class PollSchedule:
    """When to poll next and whether time is up; also estimates the ETA from observed progress.

    Intervals start at ``poll_interval`` and grow by ``backoff`` while nothing changes, up to
    ``max_interval``; any progress brings them back to ``poll_interval``.
    """

    def __init__(
        self,
        *,
        poll_interval: float,
        max_interval: float,
        backoff: float,
        deadline: float | None,
        clock: Callable[[], float],
    ) -> None:
        if poll_interval <= 0 or max_interval < poll_interval or backoff < 1:
            raise ValueError("need 0 < poll_interval <= max_interval and backoff >= 1")
        self._poll_interval = poll_interval
        self._max_interval = max_interval
        self._backoff = backoff
        self._deadline = deadline
        self._clock = clock
        self.started = clock()
        self._interval = poll_interval
        self._last_key: tuple[object, ...] | None = None
        self._rate_origin: tuple[float, int] | None = None

    @property
    def elapsed(self) -> float:
        return self._clock() - self.started

    def observe(self, batch_ids: tuple[str, ...], snapshots: Sequence[Snapshot]) -> BatchProgress:
        """Record one poll of every batch, as (status, total, completed, failed) each."""
        total = sum(s[1] for s in snapshots)
        completed = sum(s[2] for s in snapshots)
        failed = sum(s[3] for s in snapshots)
        statuses = [s[0] for s in snapshots]
        status = combined_status(statuses)
        now = self._clock()
        key = (status, completed, failed, total)
        if key != self._last_key:
            self._interval = self._poll_interval
            self._last_key = key
        done = completed + failed
        eta: float | None = None
        if status == "in_progress":
            if self._rate_origin is None:
                self._rate_origin = (now, done)
            origin_time, origin_done = self._rate_origin
            if done > origin_done and now > origin_time and total:
                rate = (done - origin_done) / (now - origin_time)
                eta = max(0.0, (total - done) / rate)
        return BatchProgress(
            batch_ids=batch_ids,
            status=status,
            total=total,
            completed=completed,
            failed=failed,
            elapsed=now - self.started,
            eta=eta,
            batches_done=sum(1 for s in statuses if s in TERMINAL_STATUSES),
            # A job's shard that has no batch yet is recorded as "pending".
            queued=statuses.count("pending"),
            finalizing=statuses.count("finalizing"),
        )

    def next_sleep(self, batch_ids: Sequence[str], status: str) -> float:
        """Seconds to sleep before the next poll; raises :class:`BatchWaitTimeout` once past the deadline."""
        elapsed = self.elapsed
        interval = self._interval
        self._interval = min(self._interval * self._backoff, self._max_interval)
        if self._deadline is not None:
            remaining = self._deadline - elapsed
            if remaining <= 0:
                raise BatchWaitTimeout(list(batch_ids), status, elapsed)
            interval = min(interval, remaining)
        return interval


class _Api:
    """What the runners call ``client``: its ``batches`` is a client's batches resource, or the retriever given.

    (A client or its ``client.batches`` itself, so that ``client.batches.wait(...)`` can delegate here.)
    """

    def __init__(self, client: WaitClient | BatchRetriever | AsyncWaitClient | AsyncBatchRetriever) -> None:
        # Both retriever protocols are "has a retrieve": the runner awaits it or not.
        self.batches = client if isinstance(client, BatchRetriever | AsyncBatchRetriever) else client.batches


def note_transient(batch_id: str, exc: Exception) -> None:
    # The batch goes on server-side; a failed poll only delays the news.
    logger.warning("polling batch %s failed (%s: %s); will poll again", batch_id, type(exc).__name__, exc)


def batch_wait(
    batch_id: str,
    *,
    poll_interval: float = 5.0,
    max_interval: float = 60.0,
    backoff: float = 1.5,
    deadline: float | None = None,
    clock: Callable[[], float] | None = None,
    progress: ProgressSink,
    events: bool = False,
    fallback_poll: float | None = DEFAULT_FALLBACK_POLL,
) -> Flow[Batch]:
    """The wait for one batch, as a flow: retrieve until final, between retrieves a pause or events.

    Options are checked now, before anything is sent. Polling pauses by :class:`PollSchedule`;
    with ``events`` the flow waits for webhook events instead (a :class:`TakeEvents` step),
    retrieving on start, per event naming the batch, per fallback poll and per retry after a
    transient fault (:class:`EventSchedule`).
    """
    clock = clock or time.monotonic
    schedule = PollSchedule(
        poll_interval=poll_interval, max_interval=max_interval, backoff=backoff, deadline=deadline, clock=clock
    )
    timing = EventSchedule(fallback_poll, poll_interval, deadline, clock) if events else None
    return _waiting(batch_id, schedule, timing, progress)


def _waiting(batch_id: str, schedule: PollSchedule, timing: EventSchedule | None, sink: ProgressSink) -> Flow[Batch]:
    status = "unknown"
    due = True  # on events, a retrieve is due on start (nothing else says where the batch stands)
    while True:
        if due:
            try:
                batch: Batch = yield Call("batches", "retrieve", (batch_id,))
            except TRANSIENT_ERRORS as exc:
                note_transient(batch_id, exc)
                if timing is not None:
                    timing.retry_later([batch_id])
            else:
                status = batch.status
                sink.update(schedule.observe((batch_id,), [snapshot(batch)]))
                if status in TERMINAL_STATUSES:
                    return batch
        if timing is None:
            yield Pause(schedule.next_sleep([batch_id], status))
        else:
            taken: list[BatchEvent] = yield TakeEvents(timing.timeout([batch_id], status))
            due = _due(timing, taken, batch_id)


def _due(schedule: EventSchedule, taken: list[BatchEvent], batch_id: str) -> bool:
    """Whether to retrieve the batch now: an event named it, or a fallback poll or retry fell due."""
    named = any(event.batch_id == batch_id for event in taken)
    others = sum(event.batch_id != batch_id for event in taken)
    if others:
        logger.debug("ignoring %d event(s) for batches other than %s", others, batch_id)
    # Not short-circuited: each call also moves the schedule on.
    return schedule.poll_due() | bool(schedule.due_retries()) | named


def wait_for_batch(
    client: WaitClient | BatchRetriever,
    batch_id: str,
    *,
    poll_interval: float = 5.0,
    max_interval: float = 60.0,
    backoff: float = 1.5,
    deadline: float | None = None,
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], float] | None = None,
    on_progress: Callable[[BatchProgress], None] | None = None,
    progress: ProgressOption = None,
    events: EventQueue | None = None,
    fallback_poll: float | None = DEFAULT_FALLBACK_POLL,
) -> Batch:
    """Poll ``batch_id`` until it is completed, failed, expired or cancelled, and return it.

    ``client`` is a :class:`~openai_batch.BatchClient` or its ``client.batches``.

    ``deadline`` is the most seconds to wait (by ``clock``, default ``time.monotonic``);
    past it :class:`BatchWaitTimeout` names the batch and its last status (the batch itself
    goes on). Connection errors, 429s and 5xx while polling are logged and polling goes on.
    ``on_progress`` gets a :class:`BatchProgress` at every poll; ``progress="auto"`` also
    draws a rich bar when stderr is a terminal.

    With ``events`` (a ``queue.Queue`` of :class:`~openai_batch.webhooks.BatchEvent` your
    webhook endpoint feeds) the wait retrieves the batch once on start and then once per
    event naming it, instead of polling; events for other batches are dropped. Every
    ``fallback_poll`` seconds (None: never) it retrieves anyway, in case an event was lost;
    ``poll_interval`` is then the delay before a retrieve that met a transient fault is
    tried again. The wait waits in ``events.get(timeout=...)``, not in ``sleep``.

    Example::

        with BatchClient() as client:
            batch = wait_for_batch(client, "batch_abc", deadline=3600, progress="auto")
            print(batch.status, batch.output_file_id)
    """
    check_progress_option(progress)
    sink = make_progress_sink(progress, on_progress)
    try:
        flow = batch_wait(
            batch_id,
            poll_interval=poll_interval,
            max_interval=max_interval,
            backoff=backoff,
            deadline=deadline,
            clock=clock,
            progress=sink,
            events=events is not None,
            fallback_poll=fallback_poll,
        )
        return run_sync(flow, _Api(client), sleep=sleep, events=events)
    finally:
        sink.close()


async def async_wait_for_batch(
    client: AsyncWaitClient | AsyncBatchRetriever,
    batch_id: str,
    *,
    poll_interval: float = 5.0,
    max_interval: float = 60.0,
    backoff: float = 1.5,
    deadline: float | None = None,
    sleep: Callable[[float], Awaitable[None]] | None = None,
    clock: Callable[[], float] | None = None,
    on_progress: Callable[[BatchProgress], None] | None = None,
    progress: ProgressOption = None,
    events: AsyncEventQueue | None = None,
    fallback_poll: float | None = DEFAULT_FALLBACK_POLL,
) -> Batch:
    """:func:`wait_for_batch` for an :class:`~openai_batch.AsyncBatchClient`: the same flow, awaited.

    ``events`` is an ``asyncio.Queue`` of webhook events; waiting for one is timed by ``sleep``.

    Example::

        async with AsyncBatchClient() as client:
            batch = await async_wait_for_batch(client, "batch_abc", deadline=3600)
    """
    check_progress_option(progress)
    sink = make_progress_sink(progress, on_progress)
    try:
        flow = batch_wait(
            batch_id,
            poll_interval=poll_interval,
            max_interval=max_interval,
            backoff=backoff,
            deadline=deadline,
            clock=clock,
            progress=sink,
            events=events is not None,
            fallback_poll=fallback_poll,
        )
        return await run_async(flow, _Api(client), sleep=sleep, events=events)
    finally:
        sink.close()
