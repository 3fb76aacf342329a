"""A whole batch job from asyncio alone: :class:`AsyncJob` runs the job's flows (``_jobcore``) with an async client.

The decisions are the very ones :class:`~._job.Job` runs (see ``_jobcore``); only the runner
differs. Local work (validating the input, the state file, writing result files) runs on the
event loop's thread, which owns the state file's SQLite connection.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from ._engine import run_async
from ._events import AsyncEventQueue
from ._jobcore import JobCore, WaitOptions
from ._keywords import JobOptions, Unpack, WaitKeywords
from ._protocols import AsyncClientLike
from ._status import JobStatus, ResultSummary
from ._store import JobStore

if TYPE_CHECKING:
    from ..tables._write import Requests

__all__ = ["AsyncJob"]

_AsyncSleep = Callable[[float], Awaitable[None]]


class AsyncJob(JobCore[AsyncClientLike]):
    """:class:`Job` from asyncio: validate, send as the queue admits, wait, download, read, all awaited.

    The same job as :class:`Job` (same id, same state file, same tags on the service), so a
    job submitted from one can be resumed from the other, and any number of ``AsyncJob``
    tasks, processes or machines may run it at once: the service's record keeps one batch
    per shard (see ``_rivals``).

    Example::

        async with AsyncBatchClient() as aclient:
            job = await AsyncJob.submit(aclient, "requests.jsonl")
            with job:
                await job.wait(progress="auto")
                summary = await job.write_results("results.jsonl")
                for item in job.results(parse=Capital):   # local reads: no await
                    ...
    """

    @classmethod
    async def submit(
        cls,
        client: AsyncClientLike,
        input_path: str | os.PathLike[str],
        *,
        deadline: float | None = None,
        sleep: _AsyncSleep | None = None,
        clock: Callable[[], float] | None = None,
        **options: Unpack[JobOptions],
    ) -> AsyncJob:
        """:meth:`Job.submit` from asyncio: validate, record, then send every shard the queue has room for."""
        job = cls.prepare(client, input_path, **options)
        try:
            await job.start(deadline=deadline, sleep=sleep, clock=clock)
        except BaseException:
            job.close()
            raise
        return job

    @classmethod
    async def submit_table(
        cls,
        client: AsyncClientLike,
        table: object,
        requests: Requests,
        *,
        id_column: str | None = None,
        **options: Any,
    ) -> AsyncJob:
        """:meth:`Job.submit_table` from asyncio: the table's requests are built on a worker thread, then sent.

        The build reads and renders every row (see :func:`~openai_batch.tables.write_requests`),
        so it runs off the event loop; a bad row is refused before anything is sent. Other
        options as for :meth:`submit`.

        Example::

            template = RequestTemplate("Classify: {text}", model="gpt-4o-mini")
            async with await AsyncJob.submit_table(aclient, "reviews.csv", template, id_column="id") as job:
                await job.wait()
                labels = job.results_table()   # a local read: no await
        """
        import anyio.to_thread  # imported when used, as the engine does: keeps the package's import quick

        path = await anyio.to_thread.run_sync(cls._table_input(table, requests, id_column, options))
        return await cls.submit(client, path, **options)

    @classmethod
    def prepare(
        cls, client: AsyncClientLike, input_path: str | os.PathLike[str], **options: Unpack[JobOptions]
    ) -> AsyncJob:
        """:meth:`submit` without sending (local work only: validation, budget, the state file)."""
        return cls._prepare(client, input_path, options)

    @classmethod
    def open(
        cls, client: AsyncClientLike, job_id: str, *, state: str | os.PathLike[str] | JobStore | None = None
    ) -> AsyncJob:
        """Reopen a recorded job by its id (``job_…``) or by the id of one of its batches."""
        store, owns, row = cls._opened(job_id, state)
        return cls(client, store, row, owns_store=owns)

    def __enter__(self) -> AsyncJob:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> AsyncJob:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    async def start(
        self,
        *,
        deadline: float | None = None,
        sleep: _AsyncSleep | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """Send every shard the queue admits (see :meth:`Job.start`)."""
        await run_async(self._start(deadline, clock), self._client, sleep=sleep)

    async def refresh(self) -> JobStatus:
        """Poll every running batch once (see :meth:`Job.refresh`)."""
        return await run_async(self._refresh(), self._client)

    async def wait(
        self,
        *,
        sleep: _AsyncSleep | None = None,
        events: AsyncEventQueue | None = None,
        **options: Unpack[WaitKeywords],
    ) -> JobStatus:
        """Send, poll (or take ``events`` from an ``asyncio.Queue``) and download until done (see :meth:`Job.wait`)."""
        wait = WaitOptions(events=events is not None, **options)
        return await run_async(self._wait(wait), self._client, sleep=sleep, events=events)

    async def cancel(self) -> JobStatus:
        """Cancel every running batch and send no further shard (see :meth:`Job.cancel`)."""
        return await run_async(self._cancel(), self._client)

    async def retry_failed(self, *, delay: float = 0.0, sleep: _AsyncSleep | None = None) -> list[int]:
        """A new batch for each shard whose batch failed as a whole (see :meth:`Job.retry_failed`)."""
        return await run_async(self._retry_failed(delay), self._client, sleep=sleep)

    async def download_results(self) -> int:
        """Store the result lines of every finished batch not stored yet (see :meth:`Job.download_results`)."""
        return await run_async(self._download(), self._client)

    async def download_tolerant(self) -> bool:
        """:meth:`download_results`, leaving what a transient fault stopped for later."""
        return await run_async(self._download_tolerant(), self._client)

    async def write_results(self, path: str | os.PathLike[str]) -> ResultSummary:
        """Download what is missing, then write one JSON line per input request (see :meth:`Job.write_results`)."""
        return await run_async(self._write_results(path), self._client)

    async def write_unfinished(self, path: str | os.PathLike[str], *, include_failed: bool = False) -> int:
        """Write the input lines of requests that did not run (see :meth:`Job.write_unfinished`)."""
        return await run_async(self._write_unfinished(path, include_failed), self._client)

    async def resubmit_unfinished(self, *, include_failed: bool = False) -> int:
        """Send again only the requests that did not run (see :meth:`Job.resubmit_unfinished`)."""
        return await run_async(self._resubmit_unfinished(include_failed), self._client)
