"""Wait on a job's batches by their webhook events, polling only as a slow fallback.

The generic part (queues, timeouts, the fallback poll) is ``openai_batch._event_wait``; here
is what a job adds. An event for one of the job's running batches retrieves that batch once;
events for batches that are not the job's running ones (another job's, an earlier attempt's,
or a batch already final here) are dropped and logged at debug level: give each waiting job its
own queue, or route events by batch id before them. Nothing is polled on start: the state file
already says where each batch stood, and events that came before the wait are in the queue.
A job with nothing running (shards waiting for room in the queue) looks again every
``retry_interval``: no event can come for a batch not created yet.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable

from .._batchinfo import TERMINAL_STATUSES
from .._event_wait import (
    DEFAULT_FALLBACK_POLL,
    AsyncEventQueue,
    EventQueue,
    EventSchedule,
    drain,
    next_event,
    next_event_async,
)
from ..webhooks import BatchEvent
from ._harvest import download_tolerant_async
from ._protocols import AsyncJobClient, ClientLike
from ._status import JobStatus
from ._store import JobStore
from ._watching import JobWatch, poll_running, poll_running_async

__all__ = [
    "DEFAULT_FALLBACK_POLL",
    "AsyncEventQueue",
    "EventQueue",
    "EventSchedule",
    "drain",
    "next_event",
    "next_event_async",
    "route",
    "running_batches",
    "wait_on_events",
    "wait_on_events_async",
]

logger = logging.getLogger("openai_batch.workflow")


def route(store: JobStore, job_id: str, events: Iterable[BatchEvent]) -> set[str]:
    """The job's running batches that ``events`` name; every other event is dropped (logged at debug)."""
    running = {s.batch_id for s in store.shards(job_id) if s.batch_id is not None and not _final(s.status)}
    wanted: set[str] = set()
    for event in events:
        if event.batch_id in running:
            wanted.add(event.batch_id)
        else:
            logger.debug(
                "job %s: ignoring %s for %s (not one of its running batches)", job_id, event.type, event.batch_id
            )
    return wanted


def _final(status: str) -> bool:
    return status in TERMINAL_STATUSES


def running_batches(status: JobStatus) -> list[str]:
    """The batch ids of the shards still running (created and not final)."""
    return [s.batch_id for s in status.shards if s.batch_id is not None and not _final(s.status)]


def wait_on_events(
    client: ClientLike,
    store: JobStore,
    job_id: str,
    events: EventQueue,
    *,
    watch: JobWatch,
    schedule: EventSchedule,
    settle: Callable[[], tuple[JobStatus, bool]],
) -> JobStatus:
    """``Job.wait`` driven by ``events``; ``settle`` downloads, sends and reports (status, all downloaded)."""
    while True:
        status, downloaded = settle()
        if watch.report(status, downloaded):
            return status
        # Everything queued is taken before any retrieve, so a retrieve always follows its event.
        taken = drain(events, next_event(events, schedule.timeout(running_batches(status), status.status)))
        if schedule.poll_due():
            poll_running(client, store, job_id)
            continue
        wanted = route(store, job_id, taken) | schedule.due_retries()
        schedule.retry_later(poll_running(client, store, job_id, only=wanted))


async def wait_on_events_async(
    client: AsyncJobClient,
    store: JobStore,
    job_id: str,
    events: AsyncEventQueue,
    *,
    watch: JobWatch,
    schedule: EventSchedule,
    download: bool,
    status_of: Callable[[], JobStatus],
    sleep: Callable[[float], Awaitable[None]],
) -> JobStatus:
    """:func:`wait_on_events` for ``Job.wait_async`` (which sends nothing); ``sleep`` times the waits."""
    while True:
        downloaded = not download or await download_tolerant_async(client, store, job_id)
        status = status_of()
        if watch.report(status, downloaded):
            return status
        taken = await next_event_async(events, schedule.timeout(running_batches(status), status.status), sleep)
        if schedule.poll_due():
            await poll_running_async(client, store, job_id)
            continue
        wanted = route(store, job_id, taken) | schedule.due_retries()
        schedule.retry_later(await poll_running_async(client, store, job_id, only=wanted))
