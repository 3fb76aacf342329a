"""A whole batch job: validate, shard, upload, create batches, wait, collect results, resume.

Everything the job learns is written to its :class:`JobStore` before it acts on it, so the
same ``Job.submit`` run again after a crash (even ``kill -9``) carries on where the first
stopped: it never uploads a shard or creates a batch twice, and never loses a result line.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from openai_batch_api.models import Batch, OpenAIFile

from .._files_content import write_atomically
from ._batchinfo import TERMINAL_STATUSES, batch_counts, batch_errors, batch_metadata, format_errors, optional_str
from ._crash import crash_point
from ._download import async_store_result_file, store_result_file
from ._errors import InputValidationError, JobError, JobNotFoundError
from ._join import UNFINISHED, join_results
from ._limits import DEFAULT_LIMITS, BatchLimits
from ._lock import job_lock
from ._progress import BatchProgress, ProgressOption, ProgressSink, make_progress_sink
from ._protocols import AsyncJobClient, ClientLike
from ._results import BatchResult, Outcome
from ._shard import shard_input_file
from ._status import JobStatus, ResultSummary, build_status
from ._store import DEFAULT_STATE_PATH, JobRow, JobStore, ShardRow
from ._upload import check_input_file, file_sha256, peek_endpoint
from ._validate import validate_input_file
from ._wait import TRANSIENT_ERRORS, PollSchedule, Snapshot

__all__ = ["JOB_METADATA_KEY", "Job"]

logger = logging.getLogger("openai_batch.workflow")

#: Metadata key on every batch a job creates: ``<job id>:<shard>:<attempt>``. It lets a
#: resumed job find a batch whose creation it did not live to record.
JOB_METADATA_KEY = "openai_batch_job"

# How far back (newest first) a resumed job looks for an upload or batch it may have made.
_LOOKUP_LIMIT = 10_000
# No circular-reference check: result bodies are plain JSON trees.
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


def _lock_path(store: JobStore, digest: str) -> Path:
    return store.work_dir / "locks" / f"{digest[:32]}.lock"


def _new_job_row(
    path: Path,
    digest: str,
    endpoint: str | None,
    completion_window: str,
    metadata: Mapping[str, str] | None,
    limits: BatchLimits,
) -> JobRow:
    """Validate the input (lines only: shards will fit the limits) and describe a new job."""
    report = validate_input_file(path, endpoint=endpoint, limits=limits, check_file_limits=False)
    if not report.ok or report.endpoint is None:
        raise InputValidationError(report)
    return JobRow(
        job_id=f"job_{secrets.token_hex(8)}",
        input_path=str(path),
        input_digest=digest,
        endpoint=report.endpoint,
        completion_window=completion_window,
        metadata=dict(metadata or {}),
        limits=limits.to_dict(),
        request_count=report.request_count,
        created_at=time.time(),
    )


def _open_store(state: str | os.PathLike[str] | JobStore | None) -> tuple[JobStore, bool]:
    if isinstance(state, JobStore):
        return state, False
    return JobStore(DEFAULT_STATE_PATH if state is None else state), True


class Job:
    """A batch job of any size, recorded in a local state file so it survives crashes.

    ``submit`` validates the input, splits it into shards that fit one batch each, uploads
    them and creates one batch per shard. Calling it again with the same file resumes the
    same job (nothing is sent twice); ``new=True`` starts another one.

    Example::

        with BatchClient() as client:
            with Job.submit(client, "requests.jsonl", state=".openai-batch/jobs.sqlite") as job:
                job.wait(progress="auto")
                summary = job.write_results("results.jsonl")
                print(summary.counts)   # {"succeeded": 119990, "failed": 10, ...}

    The job id (``job.job_id``) reopens it later: ``Job.open(client, job_id)``. Shard files
    (a copy of the input, cut up) live next to the state file, in ``jobs/<job id>/``; keep
    them until the results are written, since results are joined back in their order.
    """

    def __init__(self, client: ClientLike, store: JobStore, row: JobRow, *, owns_store: bool = False) -> None:
        self._client = client
        self._store = store
        self._row = row
        self._owns_store = owns_store
        #: True when this handle picked up a job an earlier run had started.
        self.resumed = False

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
        new: bool = False,
    ) -> Job:
        """Start (or resume) the job for ``input_path`` and send every shard not sent yet.

        Raises :class:`InputValidationError` (nothing uploaded) when a line breaks a rule.
        ``limits`` caps each batch (defaults: the Batch API's); a resumed job keeps the
        limits it started with.
        """
        path = Path(input_path).resolve()
        if not path.is_file():
            raise JobError(f"input file {path} does not exist")
        store, owns = _open_store(state)
        try:
            digest = file_sha256(path)
            endpoint = endpoint or peek_endpoint(path)
            limits = limits or DEFAULT_LIMITS
            # Held while looking for the job and recording it: two runs started together
            # must end up with one job, not two.
            with job_lock(_lock_path(store, digest)):
                row = None
                if endpoint is not None and not new:
                    row = store.find_job(digest, endpoint, completion_window)
                resumed = row is not None
                if row is None:
                    row = _new_job_row(path, digest, endpoint, completion_window, metadata, limits)
                    store.create_job(row)
                else:
                    logger.info("resuming job %s for %s", row.job_id, path)
            job = cls(client, store, row, owns_store=owns)
            job.resumed = resumed
        except BaseException:
            if owns:
                store.close()
            raise
        try:
            job.start()
        except BaseException:
            job.close()
            raise
        return job

    @classmethod
    def open(cls, client: ClientLike, job_id: str, *, state: str | os.PathLike[str] | JobStore | None = None) -> Job:
        """Reopen a recorded job by its id (``job_…``) or by the id of one of its batches."""
        store, owns = _open_store(state)
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
        store, owns = _open_store(state)
        try:
            known = store.get_job(store.job_of_batch(batch_id) or "")
            if known is not None:
                return cls(client, store, known, owns_store=owns)
            batch = client.batches.retrieve(batch_id)
            job_id = f"job_{secrets.token_hex(8)}"
            directory = store.work_dir / job_id
            directory.mkdir(parents=True, exist_ok=True)
            shard_path = directory / f"{job_id}-shard00000.jsonl"
            _download(client, batch.input_file_id, shard_path)
            report = validate_input_file(shard_path, endpoint=batch.endpoint, check_file_limits=False)
            row = JobRow(
                job_id=job_id,
                input_path=str(shard_path),
                input_digest=file_sha256(shard_path),
                endpoint=batch.endpoint,
                completion_window=batch.completion_window,
                metadata={},
                limits=DEFAULT_LIMITS.to_dict(),
                request_count=report.request_count,
                sharded=True,
                created_at=time.time(),
            )
            shard = ShardRow(
                job_id=job_id,
                shard_index=0,
                path=str(shard_path),
                request_count=report.request_count,
                byte_size=report.byte_size,
                first_line=1,
                token=shard_path.name,
                file_id=batch.input_file_id,
                batch_id=batch.id,
                status=batch.status,
            )
            with store.transaction():
                store.create_job(row)
                store.add_shards([shard])
                store.record_attempt(job_id, 0, 1, batch.id, batch.status, None)
            job = cls(client, store, row, owns_store=owns)
            job._apply(shard, batch)
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
        return f"Job({self.job_id!r}, input={self._row.input_path!r}, endpoint={self.endpoint!r})"

    def _shards(self) -> list[ShardRow]:
        return self._store.shards(self.job_id)

    def _reload(self) -> None:
        row = self._store.get_job(self.job_id)
        assert row is not None
        self._row = row

    # --- sending ------------------------------------------------------------------------
    def start(self) -> None:
        """Shard the input if not done yet, then upload and create a batch for every shard lacking one."""
        with job_lock(_lock_path(self._store, self._row.input_digest)):
            self._reload()
            if self._row.cancel_requested:
                return
            self._ensure_shards()
            for shard in self._shards():
                if shard.batch_id is None and shard.status == "pending":
                    self._ensure_uploaded(shard)
                    self._ensure_batch(shard)

    def _shard_name(self, index: int) -> str:
        # The file name doubles as the upload's lookup token: job ids are random, so a
        # file of this name on the server can only be this shard's upload.
        return f"{self.job_id}-shard{index:05d}.jsonl"

    def _ensure_shards(self) -> None:
        if self._row.sharded:
            missing = [s for s in self._shards() if s.file_id is None and not Path(s.path).exists()]
            if missing:
                self._reshard(missing)
            return
        directory = self._store.work_dir / self.job_id
        specs = shard_input_file(
            self._row.input_path, directory, endpoint=self.endpoint, limits=self.limits, name=self._shard_name
        )
        crash_point("after_shard")
        rows = [
            ShardRow(
                job_id=self.job_id,
                shard_index=spec.index,
                path=str(spec.path),
                request_count=spec.request_count,
                byte_size=spec.byte_size,
                first_line=spec.first_line,
                token=spec.path.name,
            )
            for spec in specs
        ]
        with self._store.transaction():
            self._store.add_shards(rows)
            self._store.update_job(self.job_id, sharded=True)
        self._reload()

    def _reshard(self, missing: list[ShardRow]) -> None:
        """Shard files went missing before upload: cut them again from the (unchanged) input."""
        if not self.input_path.exists() or file_sha256(self.input_path) != self._row.input_digest:
            names = ", ".join(s.path for s in missing)
            raise JobError(f"job {self.job_id}: shard files {names} are gone and the input {self.input_path} changed")
        shard_input_file(
            self.input_path,
            self._store.work_dir / self.job_id,
            endpoint=self.endpoint,
            limits=self.limits,
            name=self._shard_name,
        )

    def _ensure_uploaded(self, shard: ShardRow) -> None:
        if shard.file_id is not None:
            return
        if shard.upload_started_at is not None:
            found = self._find_upload(shard)
            if found is not None:
                logger.info(
                    "job %s shard %d: found upload %s from an interrupted run", self.job_id, shard.shard_index, found.id
                )
                self._store.update_shard(self.job_id, shard.shard_index, file_id=found.id)
                shard.file_id = found.id
                return
        # Checked again right before sending: the shard on disk is exactly what is billed.
        check_input_file(shard.path, endpoint=self.endpoint, limits=self.limits)
        self._store.update_shard(self.job_id, shard.shard_index, upload_started_at=time.time())
        crash_point("before_upload")
        uploaded = self._client.files.create(file=Path(shard.path), purpose="batch")
        crash_point("after_upload")
        self._store.update_shard(self.job_id, shard.shard_index, file_id=uploaded.id)
        shard.file_id = uploaded.id
        crash_point("after_upload_record")

    def _find_upload(self, shard: ShardRow) -> OpenAIFile | None:
        name = Path(shard.path).name
        for seen, item in enumerate(self._client.files.list(purpose="batch", order="desc")):
            if item.filename == name and item.bytes_ == shard.byte_size:
                return item
            if seen >= _LOOKUP_LIMIT:
                break
        return None

    def _batch_key(self, shard: ShardRow) -> str:
        return f"{self.job_id}:{shard.shard_index}:{shard.attempt}"

    def _ensure_batch(self, shard: ShardRow) -> None:
        if shard.batch_id is not None:
            return
        assert shard.file_id is not None
        key = self._batch_key(shard)
        if shard.batch_started_at is not None:
            found = self._find_batch(key)
            if found is not None:
                logger.info(
                    "job %s shard %d: found batch %s from an interrupted run", self.job_id, shard.shard_index, found.id
                )
                self._record_batch(shard, found)
                return
        self._store.update_shard(self.job_id, shard.shard_index, batch_started_at=time.time())
        crash_point("before_batch_create")
        batch = self._client.batches.create(
            input_file_id=shard.file_id,
            endpoint=self.endpoint,
            completion_window=self._row.completion_window,
            metadata={**self._row.metadata, JOB_METADATA_KEY: key},
        )
        crash_point("after_batch_create")
        self._record_batch(shard, batch)
        crash_point("after_batch_record")

    def _find_batch(self, key: str) -> Batch | None:
        for seen, batch in enumerate(self._client.batches.list(limit=100)):
            if batch_metadata(batch).get(JOB_METADATA_KEY) == key:
                return batch
            if seen >= _LOOKUP_LIMIT:
                break
        return None

    def _record_batch(self, shard: ShardRow, batch: Batch) -> None:
        with self._store.transaction():
            self._store.update_shard(self.job_id, shard.shard_index, batch_id=batch.id)
            self._store.record_attempt(self.job_id, shard.shard_index, shard.attempt, batch.id, batch.status, None)
        shard.batch_id = batch.id
        self._apply(shard, batch)

    def _apply(self, shard: ShardRow, batch: Batch) -> None:
        """Record what a retrieved batch says about its shard."""
        total, completed, failed = batch_counts(batch)
        errors = batch_errors(batch) or None
        fields: dict[str, Any] = {
            "status": batch.status,
            "total": total,
            "completed": completed,
            "failed": failed,
            "output_file_id": optional_str(batch.output_file_id),
            "error_file_id": optional_str(batch.error_file_id),
            "errors": errors,
        }
        with self._store.transaction():
            self._store.update_shard(self.job_id, shard.shard_index, **fields)
            if batch.status in TERMINAL_STATUSES:
                self._store.record_attempt(
                    self.job_id, shard.shard_index, shard.attempt, batch.id, batch.status, errors
                )
        for name, value in fields.items():
            setattr(shard, name, value)

    # --- watching -----------------------------------------------------------------------
    def status(self) -> JobStatus:
        """The job as last recorded (no network); see :meth:`refresh`."""
        return build_status(self._row, self._shards())

    # The sync and async waits share every decision below (which shards to poll, what a
    # polled batch changes, which files to download, when to stop, how long to sleep);
    # only the network calls differ. All store access stays on the caller's thread.

    def _pollable(self) -> list[tuple[ShardRow, str]]:
        """Shards whose batch is still running, to poll now, each with its batch id."""
        return [(s, s.batch_id) for s in self._shards() if s.batch_id is not None and s.status not in TERMINAL_STATUSES]

    def _apply_polled(self, shard: ShardRow, batch: Batch) -> None:
        self._apply(shard, batch)
        if batch.status == "failed":
            logger.warning(
                "batch %s (job %s shard %d) failed: %s",
                batch.id,
                self.job_id,
                shard.shard_index,
                format_errors(shard.errors or []),
            )

    def _poll_failed(self, shard: ShardRow, exc: Exception) -> None:
        # The batch goes on server-side; a failed poll only delays the news.
        logger.warning("polling batch %s failed (%s); will poll again", shard.batch_id, exc)

    def refresh(self) -> JobStatus:
        """Poll every running batch once; connection errors, 429s and 5xx leave a shard as it was."""
        for shard, batch_id in self._pollable():
            try:
                batch = self._client.batches.retrieve(batch_id)
            except TRANSIENT_ERRORS as exc:
                self._poll_failed(shard, exc)
                continue
            self._apply_polled(shard, batch)
        return self.status()

    async def refresh_async(self, client: AsyncJobClient) -> JobStatus:
        """:meth:`refresh` polling with an :class:`~openai_batch.AsyncBatchClient`."""
        for shard, batch_id in self._pollable():
            try:
                batch = await client.batches.retrieve(batch_id)
            except TRANSIENT_ERRORS as exc:
                self._poll_failed(shard, exc)
                continue
            self._apply_polled(shard, batch)
        return self.status()

    def _snapshots(self) -> tuple[tuple[str, ...], list[Snapshot]]:
        shards = self._shards()
        ids = tuple(s.batch_id or f"shard {s.shard_index}" for s in shards)
        # A shard's own request count is its total even before its batch reports one.
        return ids, [(s.status, s.request_count, s.completed, s.failed) for s in shards]

    def _unsent(self) -> bool:
        """Whether some shard still needs ``start()`` (not cut yet, or no batch created for it)."""
        return not self._row.sharded or any(s.batch_id is None and s.status == "pending" for s in self._shards())

    def _watch(
        self,
        poll_interval: float,
        max_interval: float,
        backoff: float,
        deadline: float | None,
        clock: Callable[[], float] | None,
        on_progress: Callable[[BatchProgress], None] | None,
        progress: ProgressOption,
    ) -> _JobWatch:
        schedule = PollSchedule(
            poll_interval=poll_interval,
            max_interval=max_interval,
            backoff=backoff,
            deadline=deadline,
            clock=clock or time.monotonic,
        )
        return _JobWatch(self, schedule, make_progress_sink(progress, on_progress))

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
    ) -> JobStatus:
        """Poll all of the job's batches until each is final, with one combined progress.

        Shards not sent yet (an earlier run stopped) are sent first. With ``download`` (the
        default) each batch's result files are stored as soon as it finishes. Options as for
        :func:`~openai_batch.workflow.wait_for_batch`; on timeout :class:`BatchWaitTimeout`
        names the batches still running.
        """
        sleep = sleep or time.sleep
        if self._unsent():
            self.start()
        with self._watch(poll_interval, max_interval, backoff, deadline, clock, on_progress, progress) as watch:
            while True:
                status = self.refresh()
                downloaded = not download or self._download_tolerant()
                delay = watch.after_poll(status, downloaded)
                if delay is None:
                    return self.status()
                sleep(delay)

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
    ) -> JobStatus:
        """:meth:`wait`, polling and downloading with an :class:`~openai_batch.AsyncBatchClient`.

        Same options, same records in the state file; ``sleep`` is awaited (default
        ``anyio.sleep``). Unlike :meth:`wait` it sends nothing: shards not sent yet raise
        :class:`JobError` (send them with :meth:`submit` or :meth:`start`, which take the
        sync client, then wait here). Call it from the thread that opened the job: the
        state file is used on that thread only.

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
        if self._unsent() and not self._row.cancel_requested:
            unsent = [s.shard_index for s in self._shards() if s.batch_id is None and s.status == "pending"]
            which = f"shards {unsent}" if unsent and self._row.sharded else "its input (not sharded yet)"
            raise JobError(
                f"job {self.job_id}: {which} not sent yet; run Job.submit(...) or job.start() "
                "with a sync BatchClient first, then wait_async"
            )
        with self._watch(poll_interval, max_interval, backoff, deadline, clock, on_progress, progress) as watch:
            while True:
                status = await self.refresh_async(client)
                downloaded = not download or await self._download_tolerant_async(client)
                delay = watch.after_poll(status, downloaded)
                if delay is None:
                    return self.status()
                await sleep(delay)

    def cancel(self) -> JobStatus:
        """Cancel every running batch and send no further shard; finished results stay available."""
        self._store.update_job(self.job_id, cancel_requested=True)
        self._reload()
        for shard in self._shards():
            if shard.batch_id is None and shard.batch_started_at is not None and shard.file_id is not None:
                found = self._find_batch(self._batch_key(shard))
                if found is not None:
                    self._record_batch(shard, found)
            if shard.batch_id is None:
                if shard.status == "pending":
                    self._store.update_shard(self.job_id, shard.shard_index, status="cancelled")
                continue
            if shard.status not in TERMINAL_STATUSES and shard.status != "cancelling":
                self._apply(shard, self._client.batches.cancel(shard.batch_id))
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
            fields: dict[str, Any] = {
                "attempt": shard.attempt + 1,
                "batch_id": None,
                "batch_started_at": None,
                "status": "pending",
                "total": 0,
                "completed": 0,
                "failed": 0,
                "output_file_id": None,
                "error_file_id": None,
                "results_done": False,
                "errors": None,
            }
            self._store.update_shard(self.job_id, shard.shard_index, **fields)
        self.start()
        return [s.shard_index for s in failed]

    # --- results ------------------------------------------------------------------------
    def _downloads_due(self) -> list[tuple[ShardRow, list[str]]]:
        """Finished shards whose results are not stored yet, each with its result file ids."""
        return [
            (shard, [f for f in (shard.output_file_id, shard.error_file_id) if f])
            for shard in self._shards()
            if shard.status in TERMINAL_STATUSES and not shard.results_done
        ]

    def _downloaded(self, shard: ShardRow) -> None:
        self._store.update_shard(self.job_id, shard.shard_index, results_done=True)
        crash_point("after_download")

    def download_results(self) -> int:
        """Store the output and error lines of every finished batch not stored yet; returns lines stored.

        Lines stream in and are committed in chunks; a run killed half-way re-reads the file
        next time (rows are keyed by custom_id, so nothing doubles).
        """
        stored = 0
        for shard, file_ids in self._downloads_due():
            for file_id in file_ids:
                stored += store_result_file(self._client, self._store, shard, file_id)
            self._downloaded(shard)
        return stored

    async def download_results_async(self, client: AsyncJobClient) -> int:
        """:meth:`download_results` streaming with an :class:`~openai_batch.AsyncBatchClient`."""
        stored = 0
        for shard, file_ids in self._downloads_due():
            for file_id in file_ids:
                stored += await async_store_result_file(client, self._store, shard, file_id)
            self._downloaded(shard)
        return stored

    def _download_failed(self, exc: Exception) -> bool:
        logger.warning("downloading results of job %s failed (%s); will try again", self.job_id, exc)
        return False

    def _download_tolerant(self) -> bool:
        """``download_results`` for the wait loop: a transient error leaves it for the next poll (returns False)."""
        try:
            self.download_results()
        except TRANSIENT_ERRORS as exc:
            return self._download_failed(exc)
        return True

    async def _download_tolerant_async(self, client: AsyncJobClient) -> bool:
        try:
            await self.download_results_async(client)
        except TRANSIENT_ERRORS as exc:
            return self._download_failed(exc)
        return True

    def _joined(self) -> Iterator[tuple[BatchResult, bytes]]:
        return join_results(self._store, self.job_id, self._shards())

    def results(self) -> Iterator[BatchResult]:
        """One :class:`BatchResult` per input request, in input order (call after :meth:`download_results`)."""
        for result, _ in self._joined():
            yield result

    def write_results(self, path: str | os.PathLike[str]) -> ResultSummary:
        """Download what is missing, then write one JSON line per input request to ``path`` (atomically).

        Each line is :meth:`BatchResult.to_dict`: custom_id, outcome, status_code, body,
        error, request_id, batch_id. Memory stays flat: lines are joined one at a time.
        """
        self.download_results()
        target = Path(path)
        counts: dict[str, int] = {}

        def lines() -> Iterator[bytes]:
            for result in self.results():
                counts[result.outcome.value] = counts.get(result.outcome.value, 0) + 1
                yield _encode(result.to_dict()).encode() + b"\n"

        write_atomically(target, lines())
        return ResultSummary(target, counts)

    def write_unfinished(self, path: str | os.PathLike[str], *, include_failed: bool = False) -> int:
        """Write the input lines of requests that did not run (expired, cancelled, missing) to ``path``.

        With ``include_failed`` requests that failed are included too. Returns how many.
        """
        self.download_results()
        wanted = _unfinished_outcomes(include_failed)
        count = 0

        def lines() -> Iterator[bytes]:
            nonlocal count
            for result, raw in self._joined():
                if result.outcome in wanted:
                    count += 1
                    yield raw if raw.endswith(b"\n") else raw + b"\n"

        write_atomically(Path(path), lines())
        return count

    def resubmit_unfinished(self, *, include_failed: bool = False) -> int:
        """Send again, as new shards of this job, only the requests that did not run.

        Their results join the job's others (same ``write_results``). Requests already
        resubmitted and still running are not sent a third time. Returns how many were sent.
        """
        status = self.refresh()
        if not status.done:
            raise JobError(f"job {self.job_id} still has running batches; wait or cancel first")
        self.download_results()
        shards = self._shards()
        next_index = max(s.shard_index for s in shards) + 1
        attempt_tag = secrets.token_hex(3)
        directory = self._store.work_dir / self.job_id
        staging = directory / f"resubmit-{attempt_tag}.jsonl"
        wanted = _unfinished_outcomes(include_failed)
        ids: list[str] = []
        reasons: set[str] = set()
        with staging.open("wb") as out:
            for result, raw in self._joined():
                if result.outcome in wanted:
                    out.write(raw if raw.endswith(b"\n") else raw + b"\n")
                    ids.append(result.custom_id)
                    reasons.add(result.outcome.value)
        try:
            if not ids:
                return 0
            specs = shard_input_file(
                staging,
                directory,
                endpoint=self.endpoint,
                limits=self.limits,
                name=lambda k: f"{self.job_id}-retry{attempt_tag}-shard{next_index + k:05d}.jsonl",
            )
            rows = [
                ShardRow(
                    job_id=self.job_id,
                    shard_index=next_index + spec.index,
                    path=str(spec.path),
                    request_count=spec.request_count,
                    byte_size=spec.byte_size,
                    first_line=spec.first_line,
                    token=spec.path.name,
                    retry_of_status="+".join(sorted(reasons)),
                )
                for spec in specs
            ]
            # Which new shard holds each id follows from the shard sizes, in order.
            owners: list[tuple[str, int]] = []
            position = 0
            for spec in specs:
                owners.extend((cid, next_index + spec.index) for cid in ids[position : position + spec.request_count])
                position += spec.request_count
            with self._store.transaction():
                self._store.add_shards(rows)
                self._store.mark_retried(self.job_id, owners)
                # The old rows only said "did not run"; the new shards' rows will say what happened.
                self._store.delete_results(self.job_id, ids)
                self._store.update_job(self.job_id, cancel_requested=False)
        finally:
            staging.unlink(missing_ok=True)
        self.start()
        return len(ids)


def _unfinished_outcomes(include_failed: bool) -> frozenset[Outcome]:
    return UNFINISHED | {Outcome.FAILED} if include_failed else UNFINISHED


def _download(client: ClientLike, file_id: str, path: Path) -> None:
    lines = client.files.content(file_id).iter_lines()
    write_atomically(path, (line if line.endswith(b"\n") else line + b"\n" for line in lines))


class _JobWatch:
    """The decisions of one wait on a job, shared by :meth:`Job.wait` and :meth:`Job.wait_async`.

    After each round of polling and downloading, :meth:`after_poll` reports the combined
    progress and says whether the wait is over (``None``) or how long to sleep; past the
    deadline it raises :class:`BatchWaitTimeout`. Closing it closes the progress display.
    """

    def __init__(self, job: Job, schedule: PollSchedule, sink: ProgressSink) -> None:
        self._job = job
        self._schedule = schedule
        self._sink = sink

    def after_poll(self, status: JobStatus, downloaded: bool) -> float | None:
        ids, snapshots = self._job._snapshots()
        self._sink.update(self._schedule.observe(ids, snapshots))
        if status.done and downloaded:
            return None
        running = [s.batch_id or f"shard {s.index}" for s in status.shards if s.status not in TERMINAL_STATUSES]
        return self._schedule.next_sleep(running or ["(downloading results)"], status.status)

    def __enter__(self) -> _JobWatch:
        return self

    def __exit__(self, *exc: object) -> None:
        self._sink.close()
