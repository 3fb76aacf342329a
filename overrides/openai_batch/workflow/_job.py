"""A whole batch job: validate, shard, upload, create batches, wait, collect results, resume.

Everything the job learns is written to its :class:`JobStore` before it acts on it, and
everything it sends carries tags derived from its id, so the same ``Job.submit`` run again
after a crash (even ``kill -9``), or with the state gone, carries on where the first
stopped: it never uploads a shard or creates a batch twice, and never loses a result line.

:class:`Job` is the facade; the work lives in one module per stage: ``_opening`` (a new or
adopted job's records), ``_sending`` (shard, upload, create, with write-ahead intents),
``_watching`` (polling and the wait's decisions), ``_harvest`` (result files and the
joined results), ``_resubmit`` (new shards for requests that did not run), ``_discovery``
(what the service already holds) and ``_prune`` (clean-up).
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, overload

from .._batchinfo import TERMINAL_STATUSES, format_errors
from .._progress import BatchProgress, ProgressOption
from ..pricing import PriceTable
from ._budget import BudgetExceededError, check_budget
from ._errors import JobError, JobNotFoundError
from ._events import (
    DEFAULT_FALLBACK_POLL,
    AsyncEventQueue,
    EventQueue,
    EventSchedule,
    wait_on_events,
    wait_on_events_async,
)
from ._harvest import (
    download_results,
    download_results_async,
    download_tolerant,
    download_tolerant_async,
    joined,
    outcome_counts,
    write_results,
    write_unfinished,
)
from ._identity import JobDefinition, client_origin
from ._limits import DEFAULT_LIMITS, BatchLimits
from ._lock import job_lock
from ._opening import find_or_create, open_store, record_adopted_batch
from ._patience import DEFAULT_SEND_PATIENCE, Patience
from ._problems import ParsedResult
from ._protocols import AsyncJobClient, ClientLike
from ._prune import PruneReport, prune_job
from ._queue import QueuePolicy, is_token_limit_failure
from ._recording import apply_batch, record_batch
from ._resubmit import DEFAULT_MAX_ATTEMPTS, add_retry_shards, add_unfinished_shards, needs_line_retries
from ._results import BatchResult
from ._sending import JOB_METADATA_KEY, batch_key, find_batch, new_attempt, send_unsent
from ._shard import ShardPlan
from ._status import JobStatus, ResultSummary, build_status
from ._store import JobRow, JobStore, ShardRow
from ._structured import structured_results
from ._typed import ResultBody, typed_results
from ._upload import file_sha256, peek_endpoint
from ._usage import JobUsage, job_usage
from ._watching import poll_running, poll_running_async, require_sent, unsent, watch_job

__all__ = ["JOB_METADATA_KEY", "Job"]

logger = logging.getLogger("openai_batch.workflow")


if TYPE_CHECKING:
    from pydantic import BaseModel

_M = TypeVar("_M", bound="BaseModel")


class Job:
    """A batch job of any size: the service is its record, a local state file its cache.

    ``submit`` validates the input, plans shards that fit one batch each (byte ranges of
    the input file, not copies), uploads them and creates one batch per shard. The job's id
    is derived from what defines it (input content, endpoint, window, API origin, options),
    and every upload and batch carries tags derived from that id, so calling ``submit``
    again, after a crash, with the state file deleted or on another machine, resumes the
    same job and sends nothing twice; ``new=True`` starts another one. Transient faults are
    waited out within the deadline; only permanent errors stop a run.

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
        row: JobRow,
        *,
        owns_store: bool = False,
        queue: QueuePolicy | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> None:
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be 1 or more, got {max_attempts}")
        #: What the job may put in the account's queue (budgets, active-batch cap); see ``_queue``.
        self.queue = queue or QueuePolicy()
        #: How many times a request whose line failed for a retryable reason is sent at most.
        self.max_attempts = max_attempts
        self._client = client
        self._store = store
        self._row = row
        self._owns_store = owns_store
        #: True when this handle picked up a job an earlier run had started.
        self.resumed = False
        # Shards planned while a new job's input was validated, until start() records them.
        self._plans: list[ShardPlan] | None = None

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
        if max_cost is not None and not (max_cost >= 0 and math.isfinite(max_cost)):
            raise ValueError(f"max_cost must be a number of USD, 0 or more; got {max_cost}")
        path = Path(input_path).resolve()
        if path.is_dir():
            raise JobError(f"input {path} is a directory, not a JSONL file")
        if not path.is_file():
            raise JobError(f"input file {path} does not exist")
        if new and job_id is not None:
            raise JobError("give either new=True (another job) or job_id= (resume that job), not both")
        store, owns = open_store(state)
        try:
            definition = JobDefinition(
                input_sha256=file_sha256(path),
                endpoint=endpoint or peek_endpoint(path) or "",
                completion_window=completion_window,
                origin=client_origin(client),
                limits=(limits or DEFAULT_LIMITS).to_dict(),
                metadata=dict(metadata or {}),
                output_expires_after=None if output_expires_after is None else dict(output_expires_after),
                nonce=JobDefinition.new_nonce() if new else None,
            )
            # Held while looking for the job and recording it: two runs started together
            # must end up with one job, not two.
            with job_lock(store.send_lock):
                row, resumed, plans = find_or_create(store, path, definition, job_id, limits or DEFAULT_LIMITS)
                if max_cost is not None and unsent(row, store.shards(row.job_id)):
                    try:
                        check_budget(path, max_cost, prices)
                    except BudgetExceededError:
                        if not resumed:
                            store.delete_job(row.job_id)
                        raise
            job = cls(client, store, row, owns_store=owns, queue=queue, max_attempts=max_attempts)
            job.resumed = resumed
            job._plans = plans
        except BaseException:
            if owns:
                store.close()
            raise
        return job

    @classmethod
    def open(cls, client: ClientLike, job_id: str, *, state: str | os.PathLike[str] | JobStore | None = None) -> Job:
        """Reopen a recorded job by its id (``job_…``) or by the id of one of its batches."""
        store, owns = open_store(state)
        row = store.get_job(job_id) or store.get_job(store.job_of_batch(job_id) or "")
        if row is None:
            if owns:
                store.close()
            raise JobNotFoundError(f"no job or batch {job_id!r} in {store.path}")
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
            row, shard = record_adopted_batch(client, store, batch)
            job = cls(client, store, row, owns_store=owns)
            apply_batch(store, shard, batch)
            return job
        except BaseException:
            if owns:
                store.close()
            raise

    # --- properties and plumbing --------------------------------------------------------
    @property
    def job_id(self) -> str:
        return self._row.job_id

    @property
    def endpoint(self) -> str:
        return self._row.endpoint

    @property
    def input_path(self) -> Path:
        return Path(self._row.input_path)

    @property
    def limits(self) -> BatchLimits:
        return BatchLimits.from_dict(self._row.limits)

    @property
    def store(self) -> JobStore:
        return self._store

    def close(self) -> None:
        """Close the state file if this handle opened it."""
        if self._owns_store:
            self._store.close()
            self._owns_store = False

    def __enter__(self) -> Job:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        if not hasattr(self, "_row"):  # not opened: repr must still work (tracebacks with locals call it)
            return "Job(<not opened>)"
        return f"Job({self.job_id!r}, input={self._row.input_path!r}, endpoint={self.endpoint!r})"

    def _shards(self) -> list[ShardRow]:
        return self._store.shards(self.job_id)

    def _reload(self) -> None:
        row = self._store.get_job(self.job_id)
        assert row is not None
        self._row = row

    # --- sending ------------------------------------------------------------------------
    def start(
        self,
        *,
        deadline: float | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """Plan the shards if not done yet, then upload and create a batch for every shard lacking one.

        Transient faults are waited out for up to ``deadline`` seconds (default 15 minutes).
        """
        patience = Patience(deadline=DEFAULT_SEND_PATIENCE if deadline is None else deadline, sleep=sleep, clock=clock)
        with job_lock(self._store.send_lock):
            self._reload()
            if self._row.cancel_requested:
                return
            found_before = sum(1 for s in self._shards() if s.batch_id is not None)
            self._row = send_unsent(self._client, self._store, self._row, patience, self.queue, plans=self._plans)
            self._plans = None  # recorded as the job's shards by now
            if not self.resumed and found_before == 0 and self._row.discovered:
                # Batches found on the service (state deleted, or another machine): a resume.
                self.resumed = any(s.batch_id is not None and s.batch_started_at is None for s in self._shards())

    def _sendable(self) -> bool:
        """Shards waiting for room in the queue, or back from a ``token_limit_exceeded`` failure."""
        if self._row.cancel_requested:
            return False
        return any(
            (s.batch_id is None and s.status == "pending")
            or (s.status == "failed" and is_token_limit_failure(s.errors))
            for s in self._shards()
        )

    def _retry_lines(self) -> bool:
        """Once every batch is final and in, new shards for lines that failed for a retryable reason."""
        if self.max_attempts <= 1:
            return False
        shards = self._shards()
        if not all(s.status in TERMINAL_STATUSES and s.results_done for s in shards):
            return False
        if not needs_line_retries(self._store, self._row):
            return False
        count = add_retry_shards(self._store, self._row, max_attempts=self.max_attempts)
        if count:
            logger.info("job %s: sending %d request(s) again (retryable failures)", self.job_id, count)
        self._reload()
        return count > 0

    # --- watching -----------------------------------------------------------------------
    def status(self, *, outcomes: bool = False) -> JobStatus:
        """The job as last recorded (no network); see :meth:`refresh`.

        With ``outcomes`` the stored results are joined to the inputs (one pass over the
        job) to count each input's latest outcome: ``status.outcomes`` and the
        :attr:`~JobStatus.succeeded` it implies.
        """
        counts = outcome_counts(self._store, self.job_id) if outcomes else None
        return build_status(self._row, self._shards(), counts)

    def usage(self, *, prices: PriceTable | None = None) -> JobUsage:
        """Tokens used per model (input, cached, output, reasoning) and their cost, from the downloaded results.

        Summed from each result line's own ``usage`` (each file once; the sums are kept in
        the state file), priced at the batch rates of ``prices`` (default: the shipped
        table), and checked against each finished batch's ``usage`` where the service
        filled it: differences are in ``mismatches``, never raised. No network: download
        first (:meth:`wait` does, as batches finish).
        """
        return job_usage(self._store, self.job_id, prices)

    def outcome_counts(self) -> dict[str, int]:
        """How many inputs had each latest outcome (``succeeded``, ``failed``, ``pending``, ...)."""
        return outcome_counts(self._store, self.job_id)

    def refresh(self) -> JobStatus:
        """Poll every running batch once; connection errors, 429s and 5xx leave a shard as it was."""
        poll_running(self._client, self._store, self.job_id)
        return self.status()

    async def refresh_async(self, client: AsyncJobClient) -> JobStatus:
        """:meth:`refresh` polling with an :class:`~openai_batch.AsyncBatchClient`."""
        await poll_running_async(client, self._store, self.job_id)
        return self.status()

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
        """Poll all of the job's batches until each is final, with one combined progress.

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
        sleep = sleep or time.sleep
        if unsent(self._row, self._shards()):
            self.start(deadline=deadline, sleep=sleep, clock=clock)
        with watch_job(
            self._store,
            self.job_id,
            poll_interval=poll_interval,
            max_interval=max_interval,
            backoff=backoff,
            deadline=deadline,
            clock=clock,
            on_progress=on_progress,
            progress=progress,
        ) as watch:
            if events is not None:
                return wait_on_events(
                    self._client,
                    self._store,
                    self.job_id,
                    events,
                    watch=watch,
                    schedule=EventSchedule(fallback_poll, poll_interval, deadline, clock),
                    settle=lambda: self._settle(download=download, deadline=deadline, sleep=sleep, clock=clock),
                )
            while True:
                poll_running(self._client, self._store, self.job_id)
                status, downloaded = self._settle(download=download, deadline=deadline, sleep=sleep, clock=clock)
                delay = watch.after_poll(status, downloaded)
                if delay is None:
                    return status
                sleep(delay)

    def _settle(
        self,
        *,
        download: bool,
        deadline: float | None,
        sleep: Callable[[float], None],
        clock: Callable[[], float] | None,
    ) -> tuple[JobStatus, bool]:
        """After batches were refreshed: store finished results, send what now has room, and say where the job stands."""
        downloaded = not download or download_tolerant(self._client, self._store, self.job_id)
        if self._sendable():
            self.start(deadline=deadline, sleep=sleep, clock=clock)
        elif download and downloaded and self._retry_lines():
            self.start(deadline=deadline, sleep=sleep, clock=clock)
        return self.status(), downloaded

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
        """:meth:`wait`, polling and downloading with an :class:`~openai_batch.AsyncBatchClient`.

        Same options, same records in the state file; ``sleep`` is awaited (default
        ``anyio.sleep``). Unlike :meth:`wait` it sends nothing: shards not sent yet raise
        :class:`JobError` (send them with :meth:`submit` or :meth:`start`, which take the
        sync client, then wait here). Call it from the thread that opened the job: the
        state file is used on that thread only. ``events`` is an ``asyncio.Queue`` of
        :class:`~openai_batch.webhooks.BatchEvent`, used as in :meth:`wait`; the time to
        wait for the next one is measured with ``sleep``.

        Example::

            with BatchClient() as client:
                job = Job.submit(client, "requests.jsonl")
            async with AsyncBatchClient() as aclient:
                await job.wait_async(aclient, deadline=24 * 3600)
            job.write_results("results.jsonl")
            job.close()
        """
        if sleep is None:
            import anyio

            sleep = anyio.sleep
        self._reload()
        require_sent(self._row, self._shards())
        with watch_job(
            self._store,
            self.job_id,
            poll_interval=poll_interval,
            max_interval=max_interval,
            backoff=backoff,
            deadline=deadline,
            clock=clock,
            on_progress=on_progress,
            progress=progress,
        ) as watch:
            if events is not None:
                return await wait_on_events_async(
                    client,
                    self._store,
                    self.job_id,
                    events,
                    watch=watch,
                    schedule=EventSchedule(fallback_poll, poll_interval, deadline, clock),
                    download=download,
                    status_of=self.status,
                    sleep=sleep,
                )
            while True:
                status = await self.refresh_async(client)
                downloaded = not download or await download_tolerant_async(client, self._store, self.job_id)
                delay = watch.after_poll(status, downloaded)
                if delay is None:
                    return self.status()
                await sleep(delay)

    def cancel(self) -> JobStatus:
        """Cancel every running batch and send no further shard; finished results stay available."""
        self._store.update_job(self.job_id, cancel_requested=True)
        self._reload()
        for shard in self._shards():
            # A batch an interrupted run began creating may exist unrecorded: find it, or
            # it would run on, uncancelled, after the job says it is cancelled.
            if shard.batch_id is None and shard.batch_started_at is not None and shard.file_id is not None:
                found = find_batch(self._client, batch_key(shard))
                if found is not None:
                    record_batch(self._store, shard, found)
            if shard.batch_id is None:
                if shard.status == "pending":
                    self._store.update_shard(self.job_id, shard.shard_index, status="cancelled")
                continue
            if shard.status not in TERMINAL_STATUSES and shard.status != "cancelling":
                apply_batch(self._store, shard, self._client.batches.cancel(shard.batch_id))
        return self.status()

    def retry_failed(self, *, delay: float = 0.0, sleep: Callable[[float], None] | None = None) -> list[int]:
        """Create a new batch, after ``delay`` seconds, for each shard whose batch failed as a whole.

        For batch-level failures such as ``token_limit_exceeded`` (the queue was full): the
        uploaded shard is reused; the failed attempt's ``errors`` stay in the job's history.
        Returns the indexes of the shards retried.
        """
        failed = [s for s in self._shards() if s.status == "failed"]
        if not failed:
            return []
        if delay > 0:
            (sleep or time.sleep)(delay)
        self._store.update_job(self.job_id, cancel_requested=False)
        self._reload()
        for shard in failed:
            logger.info(
                "job %s: retrying shard %d (%s)", self.job_id, shard.shard_index, format_errors(shard.errors or [])
            )
            new_attempt(self._store, shard)
        self.start()
        return [s.shard_index for s in failed]

    # --- clean-up -----------------------------------------------------------------------
    def prune(self, *, remote: bool = False) -> PruneReport:
        """Remove this finished job's local files and records (and, with ``remote``, its files on the service).

        Its results should be written first: a later ``submit`` of the same input finds the
        job again through the API and downloads them anew. Raises :class:`JobError` while
        batches still run or results are not downloaded.
        """
        return prune_job(self._client if remote else None, self._store, self._row)

    # --- results ------------------------------------------------------------------------
    def download_results(self) -> int:
        """Store the output and error lines of every finished batch not stored yet; returns lines stored.

        Lines stream in and are committed in chunks; a run killed half-way re-reads the file
        next time (rows are keyed by custom_id, so nothing doubles).
        """
        return download_results(self._client, self._store, self.job_id)

    def download_tolerant(self) -> bool:
        """:meth:`download_results`, leaving what a transient fault (or a cut download) stopped for later.

        Returns whether every finished batch's results are now stored.
        """
        return download_tolerant(self._client, self._store, self.job_id)

    async def download_results_async(self, client: AsyncJobClient) -> int:
        """:meth:`download_results` streaming with an :class:`~openai_batch.AsyncBatchClient`."""
        return await download_results_async(client, self._store, self.job_id)

    @overload
    def results(self) -> Iterator[BatchResult]: ...
    @overload
    def results(self, *, parse: type[_M]) -> Iterator[ParsedResult[_M]]: ...
    def results(self, *, parse: type[_M] | None = None) -> Iterator[BatchResult] | Iterator[ParsedResult[_M]]:
        """One :class:`BatchResult` per input request, in input order (call after :meth:`download_results`).

        With ``parse=MyModel`` (a pydantic model; the ``structured`` extra) each item is a
        :class:`ParsedResult` whose ``parsed`` is the structured-output answer validated into
        ``MyModel``, or whose ``problem`` says why not (refusal, cut answer, invalid JSON,
        validation failure), named by custom_id and never raised mid-stream.
        """
        plain = (result for result, _ in joined(self._store, self.job_id))
        if parse is None:
            return plain
        return structured_results(plain, self.endpoint, parse)

    def results_table(self, **options: Any) -> Any:
        """The results as a ``pyarrow.Table`` (the ``tables`` extra), one row per input, its own columns joined back.

        Options (``columns=``, ``parse=Model``, ``prices=``, ``input=``, ...) and columns as
        for :func:`~openai_batch.tables.result_batches`. ``.to_pandas()`` or
        ``polars.from_arrow(...)`` is one call away. Reads what is downloaded.
        """
        from ..tables import results_table

        return results_table(self._store, self.job_id, endpoint=self.endpoint, **options)

    def typed_results(self) -> Iterator[ParsedResult[ResultBody]]:
        """Each result with its body parsed into the endpoint's generated model (``parsed``).

        The model is the spec's response schema (``CreateChatCompletionResponse``,
        ``Response``, ...); a body that does not fit it is the item's ``problem``.
        """
        return typed_results(self.results(), self.endpoint)

    def write_results(self, path: str | os.PathLike[str]) -> ResultSummary:
        """Download what is missing, then write one JSON line per input request to ``path`` (atomically).

        Each line is :meth:`BatchResult.to_dict`: custom_id, outcome, status_code, body,
        error, request_id, batch_id. Memory stays flat: lines are joined one at a time.
        """
        self.download_results()
        return write_results(self._store, self.job_id, path)

    def write_unfinished(self, path: str | os.PathLike[str], *, include_failed: bool = False) -> int:
        """Write the input lines of requests that did not run (expired, cancelled, missing) to ``path``.

        With ``include_failed`` requests that failed are included too. Returns how many.
        """
        self.download_results()
        return write_unfinished(self._store, self.job_id, path, include_failed=include_failed)

    def resubmit_unfinished(self, *, include_failed: bool = False) -> int:
        """Send again, as new shards of this job, only the requests that did not run.

        Their results join the job's others (same ``write_results``). Requests already
        resubmitted and still running are not sent a third time. Returns how many were sent.
        """
        status = self.refresh()
        if not status.done:
            raise JobError(f"job {self.job_id} still has running batches; wait or cancel first")
        self.download_results()
        count = add_unfinished_shards(self._store, self._row, include_failed=include_failed)
        if count:
            self.start()
        return count
