"""The job engine's one logic and its two runners (see ``openai_batch._flow``).

Every job operation (send, poll, wait, download, cancel, discover) is written once, as a
flow of the steps defined in ``_flow`` and run by its :func:`run_sync` or :func:`run_async`;
the steps and runners live below the client's resources, so a single batch's wait
(``client.batches.wait``) runs on them too. Here is what only the job layer adds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._flow import Call, Flow, LockWait, Pause, Stream, TakeEvents, Walk, run_async, run_sync

__all__ = ["Call", "Flow", "LockWait", "Pause", "Stream", "TakeEvents", "Walk", "gather", "run_async", "run_sync"]


def gather(
    since: float | None, *, limit: int = 10_000, found: Callable[[Any], bool] | None = None
) -> tuple[list[Any], Callable[[Any], bool]]:
    """A list and the ``keep`` of a :class:`Walk` that gathers a newest-first list's recent items.

    Every walk of the service's batch and file lists (search, look-up, queue, polls) stops
    the same way: at the first item created before ``since`` (Unix seconds), after ``limit``
    items, or, with ``found``, right after the item it says is the one looked for.
    """
    items: list[Any] = []

    def keep(item: Any) -> bool:
        if len(items) >= limit or (since is not None and item.created_at < since):
            return False
        items.append(item)
        return found is None or not found(item)

    return items, keep
