"""``wait(manifest)``: run a Ray batch job to its end, from its manifest alone, on any machine."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from ..workflow._events import EventQueue
from ..workflow._protocols import ClientLike
from ..workflow._queue import QueuePolicy
from ..workflow._store import JobStore
from ._driver import open_job
from ._manifest import load_manifest, save_manifest

__all__ = ["wait"]


def wait(
    manifest: Mapping[str, Any] | str | os.PathLike[str],
    *,
    client: ClientLike | None = None,
    state: str | os.PathLike[str] | JobStore | None = None,
    queue: QueuePolicy | None = None,
    manifest_path: str | os.PathLike[str] | None = None,
    poll_interval: float = 5.0,
    max_interval: float = 60.0,
    deadline: float | None = None,
    events: EventQueue | None = None,
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], float] | None = None,
) -> dict[str, Any]:
    """Create the batches not created yet (as the queue admits), poll or take webhook ``events`` until all end.

    Returns the manifest with each shard's batch and result files, for
    :func:`~openai_batch.ray.read_results` (also written to ``manifest_path``, or back to
    the file ``manifest`` names). Nothing but the manifest is needed: on a machine whose
    state file does not know the job, its batches are found on the service by their tags.
    The key is read from the manifest's ``api_key_env`` unless a ``client`` is given.

    Example::

        manifest = openai_batch.ray.wait("job.json")
    """
    loaded = load_manifest(manifest)
    with open_job(loaded, client=client, state=state, queue=queue) as (job, recorded):
        job.wait(
            poll_interval=poll_interval,
            max_interval=max_interval,
            deadline=deadline,
            events=events,
            sleep=sleep,
            clock=clock,
            # Results are read by the datasource, one output file per read task, not here.
            download=False,
        )
        finished = recorded()
    target = (
        manifest_path if manifest_path is not None else manifest if isinstance(manifest, str | os.PathLike) else None
    )
    if target is not None:
        save_manifest(finished, target)
    return finished
