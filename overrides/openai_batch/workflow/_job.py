"""A whole batch job from sync code: :class:`Job` runs the job's flows (``_jobcore``) with a ``BatchClient``.

See ``_jobcore`` for what a job is and decides; :class:`~._asyncjob.AsyncJob` runs the same
flows from asyncio. This module only opens jobs and hands their flows to the sync runner.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from .._progress import BatchProgress, ProgressOption
from ..pricing import PriceTable
from ._engine import run_async, run_sync
from ._events import DEFAULT_FALLBACK_POLL, AsyncEventQueue, EventQueue
from ._identity import client_origin
from ._jobcore import JobCore, WaitOptions
from ._limits import BatchLimits
from ._opening import open_store, record_adopted_batch
from ._protocols import AsyncJobClient, ClientLike
from ._prune import PruneReport, prune_job
from ._queue import QueuePolicy
from ._recording import apply_batch
from ._resubmit import DEFAULT_MAX_ATTEMPTS
from ._sending import JOB_METADATA_KEY
from ._status import JobStatus, ResultSummary
from ._store import JobStore

__all__ = ["JOB_METADATA_KEY", "Job"]


class Job(JobCore):
    """A batch job of any size: the service is its record, a local state file its cache.

    ``submit`` validates the input, plans shards that fit one batch each (byte ranges of
    the input file, not copies), uploads them and creates one batch per shard. The job's id
    is derived from what defines it (input content, endpoint, window, API origin, options),
    and every upload and batch carries tags derived from that id, so calling ``submit``
    again, after a crash, with the state file deleted, on another machine or from several
    processes at once, resumes the same job and keeps one batch per shard (see ``_rivals``);
    ``new=True`` starts another one. Transient faults are waited out within the deadline;
    only permanent errors stop a run. :class:`AsyncJob` is the same job from asyncio.

    Example::

        with BatchClient() as client:
            with Job.submit(client, "requests.jsonl", state=".openai-batch/jobs.sqlite") as job:
                job.wait(progress="auto")
                summary = job.write_results("results.jsonl")
                print(summary.counts)   # {"succeeded": 119990, "failed": 10, ...}
                print(job.usage().cost_usd)   # from the result lines' usage, at batch prices

    The job id (``job.job_id``) reopens it later: ``Job.open(client, job_id)``. Results are
    joined back to the input file's lines, so keep it unchanged until they are written;
    downloaded result files live next to the state file, in ``jobs/<job id>/``, until
    :meth:`prune` (or ``openai-batch prune``) removes them.
    """

    def __init__(
        self,
        client: ClientLike,
        store: JobStore,
        row: Any,
        *,
        owns_store: bool = False,
        queue: QueuePolicy | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> None:
        super().__init__(store, row, owns_store=owns_store, queue=queue, max_attempts=max_attempts)
        self._client = client

    # --- opening ------------------------------------------------------------------------
    @classmethod
    def submit(
        cls,
        client: ClientLike,
        input_path: str | os.PathLike[str],
        *,
        endpoint: str | None = None,
        completion_window: str = "24h",
        metadata: Mapping[str, str] | None = None,
        state: str | os.PathLike[str] | JobStore | None = None,
        limits: BatchLimits | None = None,
        output_expires_after: Mapping[str, Any] | None = None,
        new: bool = False,
        job_id: str | None = None,
        queue: QueuePolicy | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        max_cost: float | None = None,
        prices: PriceTable | None = None,
        deadline: float | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> Job:
        """Start (or resume) the job for ``input_path`` and send every shard the queue has room for.

        The job's id is derived from what defines it (see ``_identity``): the input's
        content, endpoint, window, the client's origin and these options. The same call
        anywhere resumes the same job, finding on the service what was already sent, even
        with the state file gone. ``new=True`` starts another job for the same input (its
        id, ``job.job_id``, resumes it later as ``job_id=``). Resuming with other options
        raises :class:`JobConflictError` naming what differs.

        Shards go out while the account's enqueued-token queue has room (``queue``: budgets
        per model and an active-batch cap, else limits learnt from ``token_limit_exceeded``
        failures; see ``_queue``); :meth:`wait` sends the rest as batches finish, and sends
        again, up to ``max_attempts`` times in all, requests whose lines failed for a
        retryable reason. Transient faults while sending are waited out for up to
        ``deadline`` seconds (default 15 minutes). Raises :class:`InputValidationError`
        (nothing uploaded) when a line breaks a rule, and :class:`BudgetExceededError`
        (nothing uploaded) when ``max_cost`` (USD) is given and the input's upper cost
        estimate at the batch prices of ``prices`` (default: the shipped table) is over it
        or unknown (see ``_budget``).
        """
        job = cls.prepare(
            client,
            input_path,
            endpoint=endpoint,
            completion_window=completion_window,
            metadata=metadata,
            state=state,
            limits=limits,
            output_expires_after=output_expires_after,
            new=new,
            job_id=job_id,
            queue=queue,
            max_attempts=max_attempts,
            max_cost=max_cost,
            prices=prices,
        )
        try:
            job.start(deadline=deadline, sleep=sleep, clock=clock)
        except BaseException:
            job.close()
            raise
        return job

    @classmethod
    def submit_table(
        cls, client: ClientLike, table: object, requests: Any, *, id_column: str | None = None, **options: Any
    ) -> Job:
        """:meth:`submit` for a table (the ``tables`` extra): its requests are built first, then sent.

        ``table`` and ``requests`` as for :func:`~openai_batch.tables.write_requests`; the
        request file goes under ``inputs/`` beside the state file (or to ``requests_path=``),
        named by its content, so the same call resumes the same job. Other options as for
        :meth:`submit`. A bad row is refused before anything is sent.

        Example::

            job = Job.submit_table(client, "reviews.csv", RequestTemplate("Classify: {text}", model="gpt-4o-mini"))
        """
        from ..tables import write_job_input

        path = write_job_input(
            table,
            requests,
            id_column=id_column,
            state=options.get("state"),
            requests_path=options.pop("requests_path", None),
        )
        return cls.submit(client, path, **options)

    @classmethod
    def prepare(
        cls,
        client: ClientLike,
        input_path: str | os.PathLike[str],
        *,
        endpoint: str | None = None,
        completion_window: str = "24h",
        metadata: Mapping[str, str] | None = None,
        state: str | os.PathLike[str] | JobStore | None = None,
        limits: BatchLimits | None = None,
        output_expires_after: Mapping[str, Any] | None = None,
        new: bool = False,
        job_id: str | None = None,
        queue: QueuePolicy | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        max_cost: float | None = None,
        prices: PriceTable | None = None,
    ) -> Job:
        """:meth:`submit` without sending: validate, check ``max_cost``, record (or find) the job, and return it.

        Its id is known before anything is sent, so a caller can say how to resume it
        before :meth:`start` begins uploading. A job refused for its budget is not recorded.
        """
        store, owns, row, resumed, plans = cls._prepared(
            client,
            input_path,
            endpoint=endpoint,
            completion_window=completion_window,
            metadata=metadata,
            state=state,
            limits=limits,
            output_expires_after=output_expires_after,
            new=new,
            job_id=job_id,
            queue=queue,
            max_attempts=max_attempts,
            max_cost=max_cost,
            prices=prices,
        )
        job = cls(client, store, row, owns_store=owns, queue=queue, max_attempts=max_attempts)
        job.resumed = resumed
        job._plans = plans
        return job

    @classmethod
    def open(cls, client: ClientLike, job_id: str, *, state: str | os.PathLike[str] | JobStore | None = None) -> Job:
        """Reopen a recorded job by its id (``job_…``) or by the id of one of its batches."""
        store, owns, row = cls._opened(job_id, state)
        return cls(client, store, row, owns_store=owns)

    @classmethod
    def adopt_batch(
        cls, client: ClientLike, batch_id: str, *, state: str | os.PathLike[str] | JobStore | None = None
    ) -> Job:
        """A job for a batch created elsewhere, so its results can be joined, harvested and resubmitted.

        The batch's input file is downloaded (streamed) as the job's one shard. A batch the
        state file already knows opens its existing job instead.
        """
        store, owns = open_store(state)
        try:
            known = store.get_job(store.job_of_batch(batch_id) or "")
            if known is not None:
                return cls(client, store, known, owns_store=owns)
            batch = client.batches.retrieve(batch_id)
            row, shard = run_sync(record_adopted_batch(store, client_origin(client), batch), client)
            job = cls(client, store, row, owns_store=owns)
            apply_batch(store, shard, batch)
            return job
        except BaseException:
            if owns:
                store.close()
            raise

    def __enter__(self) -> Job:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- sending and watching -----------------------------------------------------------
    def start(
        self,
        *,
        deadline: float | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """Plan the shards if not done yet, then upload and create a batch for every shard the queue admits.

        Transient faults are waited out for up to ``deadline`` seconds (default 15 minutes).
        """
        run_sync(self._start(deadline, clock), self._client, sleep=sleep)

    def refresh(self) -> JobStatus:
        """Poll every running batch once; connection errors, 429s and 5xx leave a shard as it was."""
        return run_sync(self._refresh(), self._client)

    async def refresh_async(self, client: AsyncJobClient) -> JobStatus:
        """:meth:`refresh` polling with an :class:`~openai_batch.AsyncBatchClient`."""
        return await run_async(self._refresh(), client)

    def wait(
        self,
        *,
        poll_interval: float = 5.0,
        max_interval: float = 60.0,
        backoff: float = 1.5,
        deadline: float | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        on_progress: Callable[[BatchProgress], None] | None = None,
        progress: ProgressOption = None,
        download: bool = True,
        events: EventQueue | None = None,
        fallback_poll: float | None = DEFAULT_FALLBACK_POLL,
    ) -> JobStatus:
        """Send, poll and download until every batch is final and its results are in, with one combined progress.

        The wait drives the queue: shards not sent yet go out as the account's queue makes
        room, a shard that hit ``token_limit_exceeded`` is queued again, and requests whose
        lines failed for a retryable reason (429, 5xx, expired, cancelled by the service)
        are sent again in new shards, up to :attr:`max_attempts` in all. With ``download``
        (the default) each batch's result files are stored as soon as it finishes. Options
        as for :func:`~openai_batch.workflow.wait_for_batch`; on timeout
        :class:`BatchWaitTimeout` names the batches still running.

        With ``events`` (a ``queue.Queue`` of :class:`~openai_batch.webhooks.BatchEvent` that
        your webhook endpoint feeds) the wait waits in ``events.get`` instead of polling: an
        event for one of the job's running batches retrieves that batch once, events for any
        other batch are dropped, and every ``fallback_poll`` seconds (None: never) all running
        batches are polled in case an event was lost; ``poll_interval`` is then the delay
        before a retrieve that met a transient fault is tried again. ``deadline`` holds
        either way.

        Example::

            events: queue.Queue[BatchEvent] = queue.Queue()   # your endpoint: events.put(receiver.receive(...))
            job.wait(events=events, fallback_poll=600, deadline=24 * 3600)
        """
        options = WaitOptions(
            poll_interval=poll_interval,
            max_interval=max_interval,
            backoff=backoff,
            deadline=deadline,
            clock=clock,
            on_progress=on_progress,
            progress=progress,
            download=download,
            events=events is not None,
            fallback_poll=fallback_poll,
        )
        return run_sync(self._wait(options), self._client, sleep=sleep, events=events)

    async def wait_async(
        self,
        client: AsyncJobClient,
        *,
        poll_interval: float = 5.0,
        max_interval: float = 60.0,
        backoff: float = 1.5,
        deadline: float | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        clock: Callable[[], float] | None = None,
        on_progress: Callable[[BatchProgress], None] | None = None,
        progress: ProgressOption = None,
        download: bool = True,
        events: AsyncEventQueue | None = None,
        fallback_poll: float | None = DEFAULT_FALLBACK_POLL,
    ) -> JobStatus:
        """:meth:`wait` with an :class:`~openai_batch.AsyncBatchClient`: the same flow, sending included.

        Same options, same records in the state file; ``sleep`` is awaited (default
        ``anyio.sleep``) and ``events`` is an ``asyncio.Queue``. Call it from the thread that
        opened the job: the state file is used on that thread only. (:class:`AsyncJob` runs
        a whole job, submit included, from asyncio alone.)
        """
        options = WaitOptions(
            poll_interval=poll_interval,
            max_interval=max_interval,
            backoff=backoff,
            deadline=deadline,
            clock=clock,
            on_progress=on_progress,
            progress=progress,
            download=download,
            events=events is not None,
            fallback_poll=fallback_poll,
        )
        return await run_async(self._wait(options), client, sleep=sleep, events=events)

    def cancel(self) -> JobStatus:
        """Cancel every running batch and send no further shard; finished results stay available."""
        return run_sync(self._cancel(), self._client)

    def retry_failed(self, *, delay: float = 0.0, sleep: Callable[[float], None] | None = None) -> list[int]:
        """Create a new batch, after ``delay`` seconds, for each shard whose batch failed as a whole.

        For batch-level failures such as ``token_limit_exceeded`` (the queue was full): the
        uploaded shard is reused; the failed attempt's ``errors`` stay in the job's history.
        Returns the indexes of the shards retried.
        """
        return run_sync(self._retry_failed(delay), self._client, sleep=sleep)

    # --- clean-up -----------------------------------------------------------------------
    def prune(self, *, remote: bool = False) -> PruneReport:
        """Remove this finished job's local files and records (and, with ``remote``, its files on the service).

        Its results should be written first: a later ``submit`` of the same input finds the
        job again through the API and downloads them anew. Raises :class:`JobError` while
        batches still run. A small record of the job's last status stays (see ``_prune``).
        """
        return prune_job(self._client if remote else None, self._store, self._row)

    # --- results ------------------------------------------------------------------------
    def download_results(self) -> int:
        """Store the output and error lines of every finished batch not stored yet; returns lines stored.

        Lines stream in and are committed in chunks; a run killed half-way re-reads the file
        next time (rows are keyed by custom_id, so nothing doubles).
        """
        return run_sync(self._download(), self._client)

    def download_tolerant(self) -> bool:
        """:meth:`download_results`, leaving what a transient fault (or a cut download) stopped for later.

        Returns whether every finished batch's results are now stored.
        """
        return run_sync(self._download_tolerant(), self._client)

    async def download_results_async(self, client: AsyncJobClient) -> int:
        """:meth:`download_results` streaming with an :class:`~openai_batch.AsyncBatchClient`."""
        return await run_async(self._download(), client)

    def results_table(self, **options: Any) -> Any:
        """The results as a ``pyarrow.Table`` (the ``tables`` extra), one row per input, its own columns joined back.

        Options (``columns=``, ``parse=Model``, ``prices=``, ``input=``, ...) and columns as
        for :func:`~openai_batch.tables.result_batches`. ``.to_pandas()`` or
        ``polars.from_arrow(...)`` is one call away. Reads what is downloaded.
        """
        from ..tables import results_table

        return results_table(self._store, self.job_id, endpoint=self.endpoint, **options)

    def write_results(self, path: str | os.PathLike[str]) -> ResultSummary:
        """Download what is missing, then write one JSON line per input request to ``path`` (atomically).

        Each line is :meth:`BatchResult.to_dict`: custom_id, outcome, status_code, body,
        error, request_id, batch_id. Memory stays flat: lines are joined one at a time.
        """
        return run_sync(self._write_results(path), self._client)

    def write_unfinished(self, path: str | os.PathLike[str], *, include_failed: bool = False) -> int:
        """Write the input lines of requests that did not run (expired, cancelled, missing) to ``path``.

        With ``include_failed`` requests that failed are included too. Returns how many.
        """
        return run_sync(self._write_unfinished(path, include_failed), self._client)

    def resubmit_unfinished(self, *, include_failed: bool = False) -> int:
        """Send again, as new shards of this job, only the requests that did not run.

        Their results join the job's others (same ``write_results``). Requests already
        resubmitted and still running are not sent a third time. Returns how many were sent.
        """
        return run_sync(self._resubmit_unfinished(include_failed), self._client)
