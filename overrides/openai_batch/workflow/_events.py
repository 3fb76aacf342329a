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
from collections.abc import Callable, Iterable

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
from ._engine import Flow, TakeEvents
from ._status import JobStatus
from ._store import JobStore
from ._watching import JobWatch, poll_running

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
    store: JobStore,
    job_id: str,
    *,
    watch: JobWatch,
    schedule: EventSchedule,
    settle: Callable[[], Flow[tuple[JobStatus, bool]]],
) -> Flow[JobStatus]:
    """A job's wait driven by webhook events; ``settle`` downloads, sends and reports (status, all downloaded)."""
    while True:
        status, downloaded = yield from settle()
        if watch.report(status, downloaded):
            return status
        # Everything queued is taken before any retrieve, so a retrieve always follows its event.
        taken: list[BatchEvent] = yield TakeEvents(schedule.timeout(running_batches(status), status.status))
        if schedule.poll_due():
            yield from poll_running(store, job_id)
            continue
        wanted = route(store, job_id, taken) | schedule.due_retries()
        schedule.retry_later((yield from poll_running(store, job_id, only=wanted)))
