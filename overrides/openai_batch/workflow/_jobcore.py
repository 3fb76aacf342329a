"""What a job is and decides, written once for :class:`Job` (sync) and :class:`AsyncJob` (async).

Everything the job learns is written to its :class:`JobStore` before it acts on it, and
everything it sends carries tags derived from its id, so the same submit run again after a
crash (even ``kill -9``), with the state gone, or by several senders at once, carries on where
the others stopped: it never uploads a shard or creates a batch twice that it keeps, and never
loses a result line.

:class:`JobCore` holds the job's records and its decisions as flows (see ``_engine``): what to
send next, what a poll or an event means, when a download counts, what to retry. ``Job`` runs
them with the sync runner and ``AsyncJob`` with the async one; neither has a loop of its own.
The work lives in one module per stage: ``_opening`` (a new or adopted job's records),
``_sending`` (shard, upload, create, with write-ahead intents and the duplicate rule),
``_watching`` (polling and the wait's decisions), ``_events`` (waits on webhook events),
``_harvest`` (result files and the joined results), ``_resubmit`` (new shards for requests that
did not run), ``_discovery`` (what the service already holds) and ``_prune`` (clean-up).
"""

from __future__ import annotations

import functools
import logging
import math
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar, Unpack, overload

from .._batchinfo import TERMINAL_STATUSES, format_errors
from .._progress import check_progress_option
from ..pricing import PriceTable, load_prices
from ._budget import BudgetExceededError, check_budget
from ._engine import Call, Flow, LockWait, Pause
from ._errors import JobError, JobNotFoundError
from ._events import DEFAULT_FALLBACK_POLL, EventSchedule, wait_on_events
from ._harvest import download_results, download_tolerant, joined, outcome_counts, write_results, write_unfinished
from ._identity import JobDefinition
from ._keywords import JobOptions, WaitKeywords, check_keywords
from ._limits import BatchLimits
from ._lock import SendLock, job_lock
from ._opening import client_profile, find_or_create, job_limits, job_origin, open_store
from ._patience import DEFAULT_SEND_PATIENCE, Patience
from ._problems import ParsedResult
from ._queue import QueuePolicy, is_token_limit_failure
from ._recording import apply_batch, record_batch
from ._resubmit import DEFAULT_MAX_ATTEMPTS, add_retry_shards, add_unfinished_shards, needs_line_retries
from ._results import BatchResult
from ._sending import batch_key, find_batch, new_attempt, send_unsent
from ._shard import ShardPlan
from ._status import JobStatus, ResultSummary, build_status
from ._store import JobRow, JobStore, ShardRow
from ._structured import structured_results
from ._typed import ResultBody, typed_results
from ._upload import file_sha256, peek_endpoint, peek_model
from ._usage import JobUsage, job_usage
from ._watching import poll_running, unsent, watch_job

__all__ = ["JobCore", "WaitOptions"]

logger = logging.getLogger("openai_batch.workflow")

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ..providers import ProviderProfile
    from ..tables._write import Requests

_M = TypeVar("_M", bound="BaseModel")
_J = TypeVar("_J", bound="JobCore[Any]")
_C = TypeVar("_C")


def default_prices(profile: ProviderProfile | None) -> PriceTable | None:
    """The price table shipped for ``profile``'s service (None: no profile, the shipped OpenAI table)."""
    return None if profile is None else load_prices(provider=profile)


class WaitOptions:
    """The options of one wait, as :meth:`Job.wait` and :meth:`AsyncJob.wait` take them (checked once)."""

    def __init__(self, *, events: bool = False, **options: Unpack[WaitKeywords]) -> None:
        check_keywords(options, WaitKeywords, "wait")
        self.progress = options.get("progress")
        check_progress_option(self.progress)  # a wrong value fails here, before anything is sent
        self.poll_interval = options.get("poll_interval", 5.0)
        self.max_interval = options.get("max_interval", 60.0)
        self.backoff = options.get("backoff", 1.5)
        self.deadline = options.get("deadline")
        self.clock = options.get("clock")
        self.on_progress = options.get("on_progress")
        self.download = options.get("download", True)
        self.events = events
        self.fallback_poll = options.get("fallback_poll", DEFAULT_FALLBACK_POLL)
        # Checked before anything is sent: a wrong value is the caller's, not the service's.
        EventSchedule(self.fallback_poll, self.poll_interval, self.deadline, self.clock)


class JobCore(Generic[_C]):
    """A batch job's records and decisions; see :class:`Job` and :class:`AsyncJob` for the runners.

    ``_C`` is the client the runner calls: a ``BatchClient`` for ``Job``, an async one for ``AsyncJob``.
    """

    def __init__(
        self,
        client: _C,
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
        #: The service the job's client speaks to (its profile): its prices are the usage's default.
        self.provider = client_profile(client)
        self._store = store
        self._row = row
        self._owns_store = owns_store
        #: True when this handle picked up a job an earlier run (or another sender) had started.
        self.resumed = False
        # Shards planned while a new job's input was validated, until the first send records them.
        self._plans: list[ShardPlan] | None = None

    # --- opening ------------------------------------------------------------------------
    @classmethod
    def _prepare(cls: type[_J], client: Any, input_path: str | os.PathLike[str], options: JobOptions) -> _J:
        """A handle on the job ``options`` define for ``input_path``, validated and recorded (``prepare``)."""
        store, owns, row, resumed, plans = cls._prepared(client, input_path, options)
        queue, max_attempts = options.get("queue"), options.get("max_attempts", DEFAULT_MAX_ATTEMPTS)
        job = cls(client, store, row, owns_store=owns, queue=queue, max_attempts=max_attempts)
        job.resumed = resumed
        job._plans = plans
        return job

    @classmethod
    def _prepared(
        cls: type[_J], client: object, input_path: str | os.PathLike[str], options: JobOptions
    ) -> tuple[JobStore, bool, JobRow, bool, list[ShardPlan] | None]:
        """Validate, check ``max_cost``, record (or find) the job: what a new handle needs. No network.

        The one place the job's options (see ``_keywords``) are read, and their defaults given.
        """
        check_keywords(options, JobOptions, "submit")
        endpoint = options.get("endpoint")
        completion_window = options.get("completion_window", "24h")
        metadata = options.get("metadata")
        limits = options.get("limits")
        output_expires_after = options.get("output_expires_after")
        new = options.get("new", False)
        job_id = options.get("job_id")
        max_attempts = options.get("max_attempts", DEFAULT_MAX_ATTEMPTS)
        max_cost = options.get("max_cost")
        if max_cost is not None and not (max_cost >= 0 and math.isfinite(max_cost)):
            raise ValueError(f"max_cost must be a number of USD, 0 or more; got {max_cost}")
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be 1 or more, got {max_attempts}")
        path = Path(input_path).resolve()
        if path.is_dir():
            raise JobError(f"input {path} is a directory, not a JSONL file")
        if not path.is_file():
            raise JobError(f"input file {path} does not exist")
        if new and job_id is not None:
            raise JobError("give either new=True (another job) or job_id= (resume that job), not both")
        # The client's service: its rules check the input, its per-file limits shard it (unless
        # `limits` are given), its deployment (Azure) names the job, its prices bound the cost.
        profile = client_profile(client)
        if profile is not None and completion_window not in profile.completion_windows:
            # Refused here, before anything is read or sent, as the command line refuses it.
            raise ValueError(
                f"completion_window {completion_window!r}: {profile.name} offers only "
                f"{', '.join(profile.completion_windows)}"
            )
        limits = job_limits(limits, profile)
        store, owns = open_store(options.get("state"))
        try:
            definition = JobDefinition(
                input_sha256=file_sha256(path),
                endpoint=endpoint or peek_endpoint(path) or "",
                completion_window=completion_window,
                origin=job_origin(client, peek_model(path)),
                limits=limits.to_dict(),
                metadata=dict(metadata or {}),
                output_expires_after=None if output_expires_after is None else dict(output_expires_after),
                nonce=JobDefinition.new_nonce() if new else None,
            )
            # Held while looking for the job and recording it: two runs sharing a state file
            # must end up with one job, not two. (Runs with separate state files are kept
            # apart by the service's record; see ``_rivals``.)
            with job_lock(store.send_lock):
                row, resumed, plans = find_or_create(store, path, definition, job_id, limits, profile)
                if max_cost is not None and unsent(row, store.shards(row.job_id)):
                    try:
                        prices = options.get("prices")
                        check_budget(path, max_cost, prices if prices is not None else default_prices(profile))
                    except BudgetExceededError:
                        if not resumed:
                            store.delete_job(row.job_id)
                        raise
        except BaseException:
            if owns:
                store.close()
            raise
        return store, owns, row, resumed, plans

    @staticmethod
    def _table_input(
        table: object, requests: Requests, id_column: str | None, options: dict[str, Any]
    ) -> Callable[[], Path]:
        """The build of ``submit_table``'s request file, to run before the submit (``options`` loses ``requests_path``).

        Returned unrun: the build reads and renders the whole table (CPU and file work, no
        state file), so :class:`AsyncJob` runs it on a worker thread and :class:`Job` in place.
        """
        from ..tables import write_job_input

        return functools.partial(
            write_job_input,
            table,
            requests,
            id_column=id_column,
            state=options.get("state"),
            requests_path=options.pop("requests_path", None),
        )

    @classmethod
    def _opened(
        cls: type[_J], job_id: str, state: str | os.PathLike[str] | JobStore | None
    ) -> tuple[JobStore, bool, JobRow]:
        """The recorded job ``job_id`` (or the job of batch ``job_id``) and its store."""
        store, owns = open_store(state)
        row = store.get_job(job_id) or store.get_job(store.job_of_batch(job_id) or "")
        if row is None:
            if owns:
                store.close()
            raise JobNotFoundError(f"no job or batch {job_id!r} in {store.path}")
        return store, owns, row

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

    def __repr__(self) -> str:
        if not hasattr(self, "_row"):  # not opened: repr must still work (tracebacks with locals call it)
            return f"{type(self).__name__}(<not opened>)"
        return f"{type(self).__name__}({self.job_id!r}, input={self._row.input_path!r}, endpoint={self.endpoint!r})"

    def _shards(self) -> list[ShardRow]:
        return self._store.shards(self.job_id)

    def _reload(self) -> None:
        row = self._store.get_job(self.job_id)
        assert row is not None
        self._row = row

    # --- local reads (no network) -------------------------------------------------------
    def status(self, *, outcomes: bool = False) -> JobStatus:
        """The job as last recorded (no network); see ``refresh``.

        With ``outcomes`` the stored results are joined to the inputs (one pass over the
        job) to count each input's latest outcome: ``status.outcomes`` and the
        :attr:`~JobStatus.succeeded` it implies.
        """
        counts = outcome_counts(self._store, self.job_id) if outcomes else None
        return build_status(self._row, self._shards(), counts, self._store.duplicates(self.job_id))

    def usage(self, *, prices: PriceTable | None = None) -> JobUsage:
        """Tokens used per model (input, cached, output, reasoning) and their cost, from the downloaded results.

        Summed from each result line's own ``usage`` (each file once; the sums are kept in
        the state file), priced at the batch rates of ``prices`` (default: the shipped
        table), and checked against each finished batch's ``usage`` where the service
        filled it: differences are in ``mismatches``, never raised. Superseded duplicates
        (another sender's copies) are never counted. No network: download first (the wait
        does, as batches finish). The default table is the one the client's service ships
        (``load_prices(provider=...)``): on a service without one every price is unknown, never
        borrowed from OpenAI's.
        """
        return job_usage(self._store, self.job_id, prices if prices is not None else default_prices(self.provider))

    def outcome_counts(self) -> dict[str, int]:
        """How many inputs had each latest outcome (``succeeded``, ``failed``, ``pending``, ...)."""
        return outcome_counts(self._store, self.job_id)

    @overload
    def results(self) -> Iterator[BatchResult]: ...
    @overload
    def results(self, *, parse: type[_M]) -> Iterator[ParsedResult[_M]]: ...
    def results(self, *, parse: type[_M] | None = None) -> Iterator[BatchResult] | Iterator[ParsedResult[_M]]:
        """One :class:`BatchResult` per input request, in input order (after the results are downloaded).

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
        ``polars.from_arrow(...)`` is one call away. Reads what is downloaded (no network),
        from the state file, so an :class:`AsyncJob` calls it on the event loop's thread too.
        """
        from ..tables import results_table

        if options.get("prices") is None:  # cost columns at the prices of the client's service, as usage()
            options["prices"] = default_prices(self.provider)
        return results_table(self._store, self.job_id, endpoint=self.endpoint, **options)

    def typed_results(self) -> Iterator[ParsedResult[ResultBody]]:
        """Each result with its body parsed into the endpoint's generated model (``parsed``).

        The model is the spec's response schema (``CreateChatCompletionResponse``,
        ``Response``, ...); a body that does not fit it is the item's ``problem``.
        """
        return typed_results(self.results(), self.endpoint)

    # --- flows: sending -----------------------------------------------------------------
    def _start(self, deadline: float | None, clock: Callable[[], float] | None) -> Flow[None]:
        """Plan the shards if not done yet, then upload and create a batch for every shard the queue admits."""
        patience = Patience(
            deadline=DEFAULT_SEND_PATIENCE if deadline is None else deadline, clock=clock, nothing_sent=self._unsent_all
        )
        lock = SendLock(self._store.send_lock)
        while not lock.try_acquire():
            yield LockWait()
        try:
            self._reload()
            if self._row.cancel_requested:
                return
            found_before = sum(1 for s in self._shards() if s.batch_id is not None)
            self._row = yield from send_unsent(self._store, self._row, patience, self.queue, plans=self._plans)
            self._plans = None  # recorded as the job's shards by now
            if not self.resumed and found_before == 0 and self._row.discovered:
                # Batches found on the service (state deleted, another machine, another sender): a resume.
                self.resumed = any(s.batch_id is not None and s.batch_started_at is None for s in self._shards())
        finally:
            lock.release()

    def _unsent_all(self) -> bool:
        """Whether nothing of the job was ever sent (no upload or batch begun, here or by a run before)."""
        return not any(
            s.upload_started_at is not None or s.file_id is not None or s.batch_started_at is not None or s.batch_id
            for s in self._shards()
        )

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

    # --- flows: watching ----------------------------------------------------------------
    def _refresh(self) -> Flow[JobStatus]:
        yield from poll_running(self._store, self.job_id)
        return self.status()

    def _wait(self, options: WaitOptions) -> Flow[JobStatus]:
        """Send what the queue admits, poll (or take events), download, retry lines: until the job is done."""
        if unsent(self._row, self._shards()):
            yield from self._start(options.deadline, options.clock)
        with watch_job(
            self._store,
            self.job_id,
            poll_interval=options.poll_interval,
            max_interval=options.max_interval,
            backoff=options.backoff,
            deadline=options.deadline,
            clock=options.clock,
            on_progress=options.on_progress,
            progress=options.progress,
        ) as watch:
            if options.events:
                schedule = EventSchedule(options.fallback_poll, options.poll_interval, options.deadline, options.clock)
                return (
                    yield from wait_on_events(
                        self._store, self.job_id, watch=watch, schedule=schedule, settle=lambda: self._settle(options)
                    )
                )
            while True:
                yield from poll_running(self._store, self.job_id)
                status, downloaded = yield from self._settle(options)
                delay = watch.after_poll(status, downloaded)
                if delay is None:
                    return status
                yield Pause(delay)

    def _settle(self, options: WaitOptions) -> Flow[tuple[JobStatus, bool]]:
        """After batches were refreshed: store finished results, send what now has room, say where the job stands."""
        downloaded = not options.download or (yield from download_tolerant(self._store, self.job_id))
        if self._sendable():
            yield from self._start(options.deadline, options.clock)
        elif options.download and downloaded and self._retry_lines():
            yield from self._start(options.deadline, options.clock)
        self._reload()
        return self.status(), downloaded

    # --- flows: acting on batches -------------------------------------------------------
    def _cancel(self) -> Flow[JobStatus]:
        self._store.update_job(self.job_id, cancel_requested=True)
        self._reload()
        for shard in self._shards():
            # A batch an interrupted run began creating may exist unrecorded: find it, or
            # it would run on, uncancelled, after the job says it is cancelled.
            if shard.batch_id is None and shard.batch_started_at is not None and shard.file_id is not None:
                found = yield from find_batch(batch_key(shard))
                if found is not None:
                    record_batch(self._store, shard, found)
            if shard.batch_id is None:
                if shard.status == "pending":
                    self._store.update_shard(self.job_id, shard.shard_index, status="cancelled")
                continue
            if shard.status not in TERMINAL_STATUSES and shard.status != "cancelling":
                apply_batch(self._store, shard, (yield Call("batches", "cancel", (shard.batch_id,))))
        return self.status()

    def _retry_failed(self, delay: float) -> Flow[list[int]]:
        failed = [s for s in self._shards() if s.status == "failed"]
        if not failed:
            return []
        if delay > 0:
            yield Pause(delay)
        self._store.update_job(self.job_id, cancel_requested=False)
        self._reload()
        for shard in failed:
            logger.info(
                "job %s: retrying shard %d (%s)", self.job_id, shard.shard_index, format_errors(shard.errors or [])
            )
            new_attempt(self._store, shard)
        yield from self._start(None, None)
        return [s.shard_index for s in failed]

    def _resubmit_unfinished(self, include_failed: bool) -> Flow[int]:
        status = yield from self._refresh()
        if not status.done:
            raise JobError(f"job {self.job_id} still has running batches; wait or cancel first")
        yield from download_results(self._store, self.job_id)
        count = add_unfinished_shards(self._store, self._row, include_failed=include_failed)
        if count:
            yield from self._start(None, None)
        return count

    # --- flows: results -----------------------------------------------------------------
    def _download(self) -> Flow[int]:
        return (yield from download_results(self._store, self.job_id))

    def _download_tolerant(self) -> Flow[bool]:
        return (yield from download_tolerant(self._store, self.job_id))

    def _write_results(self, path: str | os.PathLike[str]) -> Flow[ResultSummary]:
        yield from download_results(self._store, self.job_id)
        return write_results(self._store, self.job_id, path)

    def _write_unfinished(self, path: str | os.PathLike[str], include_failed: bool) -> Flow[int]:
        yield from download_results(self._store, self.job_id)
        return write_unfinished(self._store, self.job_id, path, include_failed=include_failed)
