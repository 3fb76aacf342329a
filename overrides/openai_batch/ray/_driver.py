"""The driver's side of a Ray batch job: the manifest's job run by the engine, from an ordinary state file."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from ..workflow._job import Job
from ..workflow._protocols import ClientLike
from ..workflow._queue import QueuePolicy
from ..workflow._store import JobStore
from ._manifest import register, snapshot
from ._settings import ClientSettings

__all__ = ["open_job"]


@contextmanager
def open_job(
    manifest: Mapping[str, Any],
    *,
    client: ClientLike | None,
    state: str | os.PathLike[str] | JobStore | None,
    queue: QueuePolicy | None,
) -> Iterator[tuple[Job, Callable[[], dict[str, Any]]]]:
    """The manifest's job (recorded in ``state`` on first use) and a function giving the manifest as recorded.

    Requests are sent once: a request that fails on its line is reported, not sent again
    (``max_attempts=1``), since sending it again needs its request text, which stays on the
    workers' side. A batch that fails on the enqueued-token limit is queued again as usual.
    """
    own_client = None
    if client is None:
        own_client = ClientSettings.from_dict(manifest["client"]).client()
        client = own_client
    store = state if isinstance(state, JobStore) else JobStore(*([] if state is None else [state]))
    try:
        row = register(store, manifest)
        job = Job(client, store, row, queue=queue, max_attempts=1)
        yield job, lambda: snapshot(manifest, store)
    finally:
        if not isinstance(state, JobStore):
            store.close()
        if own_client is not None:
            own_client.close()
