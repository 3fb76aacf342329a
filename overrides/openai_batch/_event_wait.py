"""Wait on batches by their webhook events (``openai_batch.webhooks``), polling only as a fallback.

The user's web framework verifies each delivery and puts the
:class:`~openai_batch.webhooks.BatchEvent` on a queue; a wait takes events from it. An event is
a trigger, not a record: the batch it names is retrieved once and the service's answer is what
counts, so a stale or repeated event costs at most one retrieve. Polling stays as a safety net
for events that never come (an endpoint down, a delivery given up): every ``fallback_poll``
seconds, or never with ``None``; the deadline holds either way. A retrieve that meets a
transient fault is tried again ``retry_interval`` seconds later.

This module holds what single-batch waits (``client.batches.wait(events=...)``, see
``_polling``) and job waits share: the queue protocols, taking events without losing any, and
the schedule of timeouts. The waits themselves are flows (``_flow``): a
:class:`~openai_batch._flow.TakeEvents` step is served by :func:`drain` and :func:`next_event`
in sync code and by :func:`next_event_async` in async code.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Protocol

from ._workflow_errors import BatchWaitTimeout
from .webhooks import BatchEvent

__all__ = [
    "DEFAULT_FALLBACK_POLL",
    "AsyncEventQueue",
    "EventQueue",
    "EventSchedule",
    "drain",
    "next_event",
    "next_event_async",
]

#: Seconds between two fallback polls of a wait driven by webhook events (five minutes).
DEFAULT_FALLBACK_POLL = 300.0


class EventQueue(Protocol):
    """Where a sync wait takes events from: a ``queue.Queue[BatchEvent]`` fits (``get`` raises ``queue.Empty``).

    A ``None`` in it (what ``WebhookReceiver.receive`` answers for a repeat) is skipped.

    Example::

        events: queue.Queue[BatchEvent | None] = queue.Queue()   # your webhook handler puts into it
        job.wait(events=events, fallback_poll=600)
    """

    def get(self, block: bool = True, timeout: float | None = None) -> BatchEvent | None: ...


class AsyncEventQueue(Protocol):
    """Where an async wait takes events from: an ``asyncio.Queue[BatchEvent]`` fits; ``None`` is skipped.

    Example::

        events: asyncio.Queue[BatchEvent | None] = asyncio.Queue()
        await job.wait_async(aclient, events=events)
    """

    def get(self) -> Awaitable[BatchEvent | None]: ...

    def get_nowait(self) -> BatchEvent | None: ...


class EventSchedule:
    """The clock of one event-driven wait: when the next fallback poll and retried refreshes
    are due, and how long to wait for an event meanwhile.

    Example::

        schedule = EventSchedule(fallback_poll=300, retry_interval=5, deadline=3600, clock=time.monotonic)
        timeout = schedule.timeout(["batch_abc"], "in_progress")   # seconds, or None: wait for ever
    """

    def __init__(
        self,
        fallback_poll: float | None,
        retry_interval: float,
        deadline: float | None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if fallback_poll is not None and fallback_poll <= 0:
            raise ValueError(f"fallback_poll must be > 0 seconds, or None for no polling; got {fallback_poll}")
        if retry_interval <= 0:
            raise ValueError(f"retry_interval must be > 0 seconds, got {retry_interval}")
        self._fallback_poll = fallback_poll
        self._retry_interval = retry_interval
        self._deadline = deadline
        self._clock = clock or time.monotonic
        self.started = self._clock()
        self._next_poll = None if fallback_poll is None else self.started + fallback_poll
        # Batches whose refresh met a transient fault, by when to try again.
        self._retries: dict[str, float] = {}

    def retry_later(self, batch_ids: Iterable[str]) -> None:
        due = self._clock() + self._retry_interval
        for batch_id in batch_ids:
            self._retries.setdefault(batch_id, due)

    def poll_due(self) -> bool:
        """Whether the fallback poll is due now; if so the next one is scheduled."""
        if self._next_poll is None or self._clock() < self._next_poll:
            return False
        assert self._fallback_poll is not None
        self._next_poll = self._clock() + self._fallback_poll
        self._retries.clear()  # the poll retrieves those batches too
        return True

    def due_retries(self) -> set[str]:
        """The batches whose refresh is to be tried again now (forgotten here once returned)."""
        now = self._clock()
        due = {batch_id for batch_id, when in self._retries.items() if when <= now}
        for batch_id in due:
            del self._retries[batch_id]
        return due

    def timeout(self, running: list[str], status: str) -> float | None:
        """Seconds to wait for an event (None: until one comes); :class:`BatchWaitTimeout` past the deadline.

        ``running`` names the batches still running, empty when none is (shards waiting for
        room in the queue): then the wait looks again after ``retry_interval``.
        """
        now = self._clock()
        elapsed = now - self.started
        candidates = [when - now for when in self._retries.values()]
        if self._next_poll is not None:
            candidates.append(self._next_poll - now)
        if not running:
            candidates.append(self._retry_interval)
        if self._deadline is not None:
            remaining = self._deadline - elapsed
            if remaining <= 0:
                raise BatchWaitTimeout(running or ["(waiting to send)"], status, elapsed)
            candidates.append(remaining)
        return max(0.0, min(candidates)) if candidates else None


def drain(events: EventQueue, first: BatchEvent | None) -> list[BatchEvent]:
    """``first`` and every event already queued behind it, without waiting."""
    taken = [] if first is None else [first]
    while True:
        try:
            event = events.get(block=False)
        except queue.Empty:
            return taken
        if event is not None:
            taken.append(event)


def next_event(events: EventQueue, timeout: float | None) -> BatchEvent | None:
    """The next event, waiting up to ``timeout`` seconds (None: until one comes); None if none came."""
    try:
        return events.get(block=True, timeout=timeout)
    except queue.Empty:
        return None


async def next_event_async(
    events: AsyncEventQueue, timeout: float | None, sleep: Callable[[float], Awaitable[None]]
) -> list[BatchEvent]:
    """Every event queued now, or else the next one within ``timeout`` seconds (timed by ``sleep``).

    The event and the timer race in one task group; whichever ends first cancels the other. A
    ``get`` cancelled after an item was put leaves the item queued (asyncio.Queue takes it only
    when the getter resumes), so no event is lost to the race.
    """
    import anyio

    taken = _drain_async(events)
    if taken or timeout == 0:
        return taken
    if timeout is None:
        first = await events.get()
        return [*([] if first is None else [first]), *_drain_async(events)]
    got: list[BatchEvent | None] = []
    async with anyio.create_task_group() as group:

        async def take() -> None:
            got.append(await events.get())
            group.cancel_scope.cancel()

        async def timer() -> None:
            await sleep(timeout)
            group.cancel_scope.cancel()

        group.start_soon(take)
        group.start_soon(timer)
    return [*(event for event in got if event is not None), *_drain_async(events)]


def _drain_async(events: AsyncEventQueue) -> list[BatchEvent]:
    import asyncio

    taken: list[BatchEvent] = []
    while True:
        try:
            event = events.get_nowait()
        except asyncio.QueueEmpty:
            return taken
        if event is not None:
            taken.append(event)
