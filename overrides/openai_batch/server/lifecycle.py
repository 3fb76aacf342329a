"""The batch status machine and the loop that drives it.

validating -> in_progress -> finalizing -> completed, or
validating -> failed (input file breaks the rules, or the enqueued token limit is hit),
validating | in_progress -> expired (the 24 h window passed; finished results are kept),
validating | in_progress -> cancelling -> cancelled (finished results are kept).

`BatchEngine.tick()` advances every active batch to the clock's current simulated time and can be
called synchronously (lifecycle tests use a ManualClock); `Processor` calls it from a thread.

Exactly-once results across restarts: each tick executes a bounded chunk of requests, appends
their result lines to output.partial / errors.partial, then commits in one transaction the new
input position and the byte lengths of both files. Before writing, the files are truncated to
the committed lengths, so lines written by a run that died before committing are redone once.
"""

from __future__ import annotations

import builtins
import functools
import hashlib
import json
import logging
import math
import os
import re
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, BinaryIO

from .._tokens import TokenEstimator, estimate_file_tokens
from .caching import CACHING_ENDPOINTS, PromptCache
from .clock import Clock
from .errors import ApiError, bad_request, not_found
from .faults import FaultInjector
from .ids import derived_hex, new_batch_id, new_file_id
from .limits import LineFailures, TokenLimits
from .options import ServerOptions
from .params import list_page, parse_create_batch, window_seconds
from .responses import ENDPOINTS, RequestFailure, render
from .store import BatchRecord, FileRecord, Store, link_or_copy
from .validation import iter_lines, validate_input_file

logger = logging.getLogger(__name__)

COMPLETION_WINDOW_SECONDS = 24 * 3600
# The statuses whose input tokens count against the enqueued-token limit.
QUEUED_STATUSES = frozenset({"validating", "in_progress", "finalizing"})
CHUNK_TIME_BUDGET = 0.05
# How often (simulated seconds) expired files are swept from disk.
_SWEEP_EVERY = 60.0
_INPUT = "input.jsonl"
_OUTPUT = "output.partial"
_ERRORS = "errors.partial"
_UNFINISHED_MESSAGES = {
    "expired": ("batch_expired", "This request could not be executed before the completion window expired."),
    "cancelled": ("batch_cancelled", "This request was not executed because the batch was cancelled."),
}


def _line(record: dict[str, Any]) -> bytes:
    return json.dumps(record, separators=(",", ":")).encode() + b"\n"


def _truncate(path: Path, length: int) -> None:
    if path.exists() and path.stat().st_size > length:
        os.truncate(path, length)


def _token_limit_message(model: str | None, limit: int) -> str:
    return (
        f"Enqueued token limit reached for {model or 'this model'} in organization org-local. "
        f"Limit: {limit:,} enqueued tokens. Please try again once some in_progress batches have been completed."
    )


@functools.lru_cache(maxsize=16)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _line_error_body(status: int, custom_id: str) -> dict[str, Any]:
    """The body of an injected line failure: the service's shapes for 429 and 5xx."""
    if status == 429:
        return {
            "message": f"Rate limit reached for requests (injected for custom_id '{custom_id}').",
            "type": "requests",
            "param": None,
            "code": "rate_limit_exceeded",
        }
    return {
        "message": f"Injected failure for custom_id '{custom_id}'.",
        "type": "invalid_request_error" if status < 500 else "server_error",
        "param": None,
        "code": "injected_failure",
    }


def _fraction(custom_id: str) -> float:
    """A stable number in [0, 1) for a custom_id: the same requests fail on every run."""
    return int(hashlib.sha256(custom_id.encode()).hexdigest()[:8], 16) / 2**32


class BatchEngine:
    """Creates, lists, cancels and processes batches of one store.

    Example::

        engine = BatchEngine(store, ManualClock(), ServerOptions())
        batch = engine.create({"input_file_id": file_id, "endpoint": "/v1/chat/completions",
                               "completion_window": "24h"})
        clock.advance(3600); engine.tick()
    """

    def __init__(
        self,
        store: Store,
        clock: Clock,
        options: ServerOptions,
        faults: FaultInjector | None = None,
        *,
        on_final: Callable[[BatchRecord], None] | None = None,
    ) -> None:
        # Told of each batch once its final status is committed (the webhook sender queues an event).
        self._on_final = on_final
        self._store = store
        self._clock = clock
        self._options = options
        self._faults = faults or FaultInjector()
        # The same estimator as the client's, so a client budget and this server agree on a count.
        self._estimator = TokenEstimator()
        self._tick_lock = threading.Lock()
        self._last_sweep = -math.inf
        # Per running batch: the prompt cache of its lines so far, and the input offset it covers.
        self._prompt_caches: dict[str, tuple[int, PromptCache]] = {}

    # API operations

    @property
    def token_limits(self) -> TokenLimits:
        return self._faults.token_limits(self._options.token_limits)

    @property
    def line_failures(self) -> LineFailures:
        return self._faults.line_failures(self._options.line_failures)

    def _input_file(self, file_id: str, now: int) -> FileRecord:
        source = self._store.get_file(file_id, now=now)
        if source is None:
            raise bad_request(
                f"Invalid 'input_file_id': no file with id {file_id!r}.", param="input_file_id", code="invalid_value"
            )
        if source.purpose != "batch":
            raise bad_request(
                f"Invalid 'input_file_id': the file has purpose {source.purpose!r}; "
                "a batch input file must be uploaded with purpose 'batch'.",
                param="input_file_id",
                code="invalid_value",
            )
        return source

    def create(self, body: Any) -> BatchRecord:
        params = parse_create_batch(body, ENDPOINTS, self._options.completion_windows)
        now = int(self._clock.now())
        limits = self.token_limits
        queue_model: str | None = None
        estimate = 0
        if limits.mode == "reject" and limits.active:
            # Counted before taking the store lock: a 200 MB file takes seconds to estimate.
            with self._store.lock:
                source = self._input_file(params["input_file_id"], now)
            totals = estimate_file_tokens(self._store.file_path(source.id), estimator=self._estimator)
            queue_model = next((model for model in totals.by_model if model is not None), None)
            estimate = totals.total
        with self._store.lock:
            source = self._input_file(params["input_file_id"], now)
            if limits.mode == "reject" and limits.active:
                refusal = self._token_limit_message(limits, None, queue_model, estimate)
                if refusal is not None:
                    raise bad_request(refusal, code="token_limit_exceeded")
            record = BatchRecord(
                id=new_batch_id(),
                endpoint=params["endpoint"],
                input_file_id=source.id,
                completion_window=params["completion_window"],
                status="validating",
                created_at=now,
                expires_at=now + window_seconds(params["completion_window"]),
                metadata=params["metadata"],
                output_expires_after=params["output_expires_after"],
                token_estimate=estimate,
                queue_model=queue_model,
            )
            directory = self._store.batch_dir(record.id)
            directory.mkdir(parents=True, exist_ok=True)
            link_or_copy(self._store.file_path(source.id), directory / _INPUT)
            self._store.insert_batch(record)
        return record

    def enqueued_tokens(self, model: str | None) -> int:
        """Input tokens of `model`'s queued batches (what a provider's budget headers state)."""
        with self._store.lock:
            return self._enqueued(model, excluding=None)

    def input_model(self, file_id: str) -> str | None:
        """The model (deployment) the first request of an uploaded file names, if it is readable."""
        try:
            with self._store.file_path(file_id).open("rb") as handle:
                first = json.loads(handle.readline() or b"null")
        except (OSError, ValueError):
            return None
        body = first.get("body") if isinstance(first, dict) else None
        model = body.get("model") if isinstance(body, dict) else None
        return model if isinstance(model, str) else None

    def retrieve(self, batch_id: str) -> BatchRecord:
        record = self._store.get_batch(batch_id)
        if record is None:
            raise not_found(f"No batch found with id '{batch_id}'.", param="batch_id")
        return record

    def list(self, *, after: str | None, limit: int) -> dict[str, Any]:
        after_seq = None
        if after is not None:
            after_seq = self._store.batch_seq(after)
            if after_seq is None:
                raise bad_request(f"Invalid 'after': no batch with id {after!r}.", param="after")
        records, has_more = self._store.list_batches(after_seq=after_seq, limit=limit)
        return list_page([record.to_json() for record in records], has_more)

    def cancel(self, batch_id: str) -> BatchRecord:
        with self._store.lock:
            record = self.retrieve(batch_id)
            if record.status in ("cancelling", "cancelled"):
                return record
            if record.status not in ("validating", "in_progress"):
                raise ApiError(409, f"Cannot cancel a batch with status '{record.status}'.", param="batch_id")
            record.status = "cancelling"
            record.cancelling_at = int(self._clock.now())
            self._store.save_batch(record)
            return record

    def expire_now(self, batch_id: str) -> BatchRecord:
        """Ends the batch as if its completion window had just passed (admin and tests)."""
        with self._store.lock:
            record = self.retrieve(batch_id)
            if record.status not in ("validating", "in_progress"):
                raise ApiError(409, f"Cannot expire a batch with status '{record.status}'.", param="batch_id")
            self._close(record, "expired", int(self._clock.now()))
            return record

    # Processing

    def tick(self) -> None:
        """Advance every active batch to the current simulated time."""
        with self._tick_lock:
            now = self._clock.now()
            for batch_id in self._store.active_batch_ids():
                try:
                    self._advance(batch_id, now)
                except Exception:
                    # One broken batch must not stop the others; it is retried next tick.
                    logger.exception("processing batch %s failed", batch_id)
            if now - self._last_sweep >= _SWEEP_EVERY:
                self._last_sweep = now
                self._store.delete_expired_files(now)
            self._store.save_clock(now)

    def _advance(self, batch_id: str, now: float) -> None:
        stamp = int(now)
        record = self._store.get_batch(batch_id)
        if record is None:
            return
        if (
            record.status == "validating"
            and record.closing_as is None
            and now >= record.created_at + self._options.validating_seconds
        ):
            # Validation streams the whole file, so it runs without holding the store lock.
            limits = self.token_limits
            verdict = validate_input_file(
                self._store.batch_dir(batch_id) / _INPUT,
                endpoint=record.endpoint,
                max_requests=self._options.max_requests,
                max_input_bytes=self._options.max_input_bytes,
                max_embedding_inputs=self._options.max_embedding_inputs,
                max_reported_errors=self._options.max_reported_errors,
                count_tokens=self._estimator.request_tokens if limits.active else None,
            )
            with self._store.lock:
                record = self.retrieve(batch_id)
                if record.status != "validating":
                    return
                # Transitions are stamped when they were due, not when the tick noticed them, so a
                # jump of the clock runs the phases back to back as if time had flowed.
                validated_at = int(record.created_at + self._options.validating_seconds)
                record.model = verdict.model
                errors = verdict.errors or self._token_limit_errors(
                    record, limits, verdict.model, verdict.token_estimate
                )
                if errors:
                    record.status = "failed"
                    record.failed_at = validated_at
                    record.errors = errors
                    self._store.save_batch(record)
                    shutil.rmtree(self._store.batch_dir(batch_id), ignore_errors=True)
                    self._final(record)
                    return
                record.status = "in_progress"
                record.validated = True
                record.in_progress_at = validated_at
                record.total = verdict.total
                record.token_estimate = verdict.token_estimate
                record.queue_model = verdict.model
                self._store.save_batch(record)

        with self._store.lock:
            record = self.retrieve(batch_id)
            if record.closing_as in ("expired", "cancelled") and record.status in (
                "validating",
                "in_progress",
                "cancelling",
            ):
                self._close(record, record.closing_as, stamp)
                return
            if record.status == "in_progress":
                assert record.in_progress_at is not None
                # Only what the throughput allows before the window closes ever runs.
                horizon = min(now, record.expires_at)
                due = min(record.total, math.floor((horizon - record.in_progress_at) * self._options.throughput))
                if due - record.processed > self._options.chunk_size:
                    record.lagged_at = stamp
                budget = min(due - record.processed, self._options.chunk_size)
                if budget > 0:
                    done = self._consume(record, budget, now=min(stamp, record.expires_at), unfinished_as=None)
                    if done < budget:
                        record.lagged_at = stamp
                        self._store.save_batch(record)
                if record.processed >= record.total:
                    # When the last request ran: when it was due, unless the chunk bound made it late.
                    # (A lag is saved with the chunk that follows it.)
                    done_at = record.in_progress_at + math.ceil(record.total / self._options.throughput)
                    record.status = "finalizing"
                    record.finalizing_at = min(max(done_at, record.lagged_at or 0), record.expires_at)
                    self._plan_result_files(record)
                    self._store.save_batch(record)
                elif now >= record.expires_at and record.processed >= due:
                    self._close(record, "expired", record.expires_at)
            if record.status == "finalizing":
                assert record.finalizing_at is not None
                if now >= record.finalizing_at + self._options.finalizing_seconds:
                    self._publish(record, "completed", int(record.finalizing_at + self._options.finalizing_seconds))
            if record.status == "cancelling":
                assert record.cancelling_at is not None
                if now >= record.cancelling_at + self._options.cancelling_seconds:
                    self._close(record, "cancelled", int(record.cancelling_at + self._options.cancelling_seconds))

    def _token_limit_errors(
        self, record: BatchRecord, limits: TokenLimits, model: str | None, estimate: int
    ) -> builtins.list[dict[str, Any]]:
        """The validation error of a batch over its model's limit ("fail" mode, and the
        token_limit_batches fault in either mode); a batch admitted at create is not counted twice."""
        forced = self._faults.take_token_limit()
        message: str | None = None
        if forced:
            enqueued = self._enqueued(model, excluding=record.id)
            shown = limits.limit_for(model)
            message = _token_limit_message(model, shown if shown is not None else enqueued + estimate - 1)
        elif limits.mode == "fail" and limits.active:
            message = self._token_limit_message(limits, record.id, model, estimate)
        if message is None:
            return []
        return [{"code": "token_limit_exceeded", "message": message, "param": None, "line": None}]

    def _enqueued(self, model: str | None, *, excluding: str | None) -> int:
        """Input tokens of `model`'s batches counted by the queue: validating, in_progress, finalizing."""
        enqueued = 0
        for other_id in self._store.active_batch_ids():
            if other_id == excluding:
                continue
            other = self._store.get_batch(other_id)
            if other is not None and other.status in QUEUED_STATUSES and other.queue_model == model:
                enqueued += other.token_estimate
        return enqueued

    def _token_limit_message(
        self, limits: TokenLimits, batch_id: str | None, model: str | None, estimate: int
    ) -> str | None:
        """The refusal when `estimate` more tokens of `model` would pass its limit, else None."""
        limit = limits.limit_for(model)
        if limit is None or self._enqueued(model, excluding=batch_id) + estimate <= limit:
            return None
        return _token_limit_message(model, limit)

    def _close(self, record: BatchRecord, final_status: str, stamp: int) -> None:
        """Give every request not executed yet an error line, then publish the results."""
        # Saved first: after a crash, the next tick finishes closing the same way.
        record.closing_as = final_status
        self._store.save_batch(record)
        if record.validated:
            self._consume(record, record.total - record.processed, now=stamp, unfinished_as=final_status)
        self._publish(record, final_status, stamp)

    def _consume(self, record: BatchRecord, limit: int, *, now: int, unfinished_as: str | None) -> int:
        """Produce result lines for the next `limit` requests, commit the new position, and
        return how many were handled.

        `unfinished_as` None executes the requests, stopping early once the chunk has taken
        CHUNK_TIME_BUDGET real seconds (large embeddings are slow to fake, and API calls wait
        for the store lock meanwhile); "expired"/"cancelled" writes error lines for all.
        """
        deadline = time.monotonic() + CHUNK_TIME_BUDGET
        handled = 0
        # custom_ids failed by injection in this chunk, committed with the new position so that a
        # chunk redone after a crash fails the same lines again.
        failed_now: builtins.list[str] = []
        directory = self._store.batch_dir(record.id)
        output_path, errors_path = directory / _OUTPUT, directory / _ERRORS
        _truncate(output_path, record.output_bytes)
        _truncate(errors_path, record.error_bytes)
        if limit > 0:
            with (
                (directory / _INPUT).open("rb") as source,
                output_path.open("ab") as output,
                errors_path.open("ab") as errors,
            ):
                cache = self._prompt_cache(record, source) if unfinished_as is None else PromptCache()
                for number, offset, raw in iter_lines(source, record.input_offset, record.next_line):
                    if handled >= limit or (unfinished_as is None and handled and time.monotonic() > deadline):
                        break
                    handled += 1
                    request = json.loads(raw)
                    if unfinished_as is None:
                        self._execute(record, request, now, output, errors, failed_now, cache)
                    else:
                        code, message = _UNFINISHED_MESSAGES[unfinished_as]
                        errors.write(self._result_line(record, request, None, {"code": code, "message": message}))
                    record.input_offset = offset
                    record.next_line = number + 1
                    record.processed += 1
                for stream in (output, errors):
                    stream.flush()
                    os.fsync(stream.fileno())
                record.output_bytes = os.fstat(output.fileno()).st_size
                record.error_bytes = os.fstat(errors.fileno()).st_size
        with self._store.transaction() as conn:
            self._store.add_line_failures(failed_now, conn)
            self._store.save_batch(record, conn)
        if unfinished_as is None and limit > 0:
            self._prompt_caches[record.id] = (record.input_offset, cache)
        return handled

    def _prompt_cache(self, record: BatchRecord, source: BinaryIO) -> PromptCache:
        """The batch's prompt cache as of its committed position, rebuilt from its input when not held.

        It is held in memory only: after a restart (or a chunk that did not commit) the lines
        already processed are read again, so cache hits depend on the input alone.
        """
        held = self._prompt_caches.get(record.id)
        if held is not None and held[0] == record.input_offset:
            return held[1]
        cache = PromptCache()
        if record.endpoint in CACHING_ENDPOINTS and record.input_offset > 0:
            for _, offset, raw in iter_lines(source):
                if offset > record.input_offset:
                    break
                request = json.loads(raw)
                if isinstance(request.get("body"), dict):
                    cache.observe(record.endpoint, request["body"])
        return cache

    def _result_line(
        self,
        record: BatchRecord,
        request: dict[str, Any],
        response: dict[str, Any] | None,
        error: dict[str, Any] | None,
    ) -> bytes:
        custom_id = request["custom_id"]
        return _line(
            {
                "id": f"batch_req_{derived_hex(record.id, custom_id)}",
                "custom_id": custom_id,
                "response": response,
                "error": error,
            }
        )

    def _injected(self, custom_id: str, failures: LineFailures, failed_now: builtins.list[str]) -> bool:
        """Whether this execution of `custom_id` fails: it matches, and has not used up `times`."""
        matched = (failures.pattern is not None and _compiled(failures.pattern).search(custom_id) is not None) or (
            _fraction(custom_id) < failures.rate
        )
        if not matched:
            return False
        if failures.times is not None:
            # custom_ids are unique within a batch, so the chunk's own list adds at most one.
            if self._store.line_failures(custom_id) + failed_now.count(custom_id) >= failures.times:
                return False
        failed_now.append(custom_id)
        return True

    def _execute(
        self,
        record: BatchRecord,
        request: dict[str, Any],
        now: int,
        output: IO[bytes],
        errors: IO[bytes],
        failed_now: builtins.list[str],
        cache: PromptCache,
    ) -> None:
        custom_id = request["custom_id"]
        request_id = derived_hex(record.id, custom_id, "request")
        # Every line warms the cache, whatever its outcome: hits then depend on the input alone.
        body = request.get("body")
        cached = cache.observe(record.endpoint, body) if isinstance(body, dict) else 0
        failures = self.line_failures
        if self._injected(custom_id, failures, failed_now):
            status = failures.status
            body = {"error": _line_error_body(status, custom_id)}
            errors.write(
                self._result_line(
                    record, request, {"status_code": status, "request_id": request_id, "body": body}, None
                )
            )
            record.failed += 1
            return
        try:
            rendered = render(
                record.endpoint,
                request["body"],
                key=derived_hex(record.id, custom_id, "body"),
                created=now,
                cached_tokens=cached,
            )
        except RequestFailure as failure:
            body = {
                "error": {
                    "message": failure.message,
                    "type": "invalid_request_error",
                    "param": failure.param,
                    "code": failure.code,
                }
            }
            errors.write(
                self._result_line(record, request, {"status_code": 400, "request_id": request_id, "body": body}, None)
            )
            record.failed += 1
            return
        output.write(
            self._result_line(
                record, request, {"status_code": 200, "request_id": request_id, "body": rendered.body}, None
            )
        )
        record.completed += 1
        record.input_tokens += rendered.input_tokens
        record.output_tokens += rendered.output_tokens
        record.cached_tokens += rendered.cached_tokens
        record.reasoning_tokens += rendered.reasoning_tokens

    def _plan_result_files(self, record: BatchRecord) -> None:
        """Fix the result files' ids before moving any bytes, so a crash mid-publish can finish it."""
        if record.planned_output_file_id is None and record.output_bytes > 0:
            record.planned_output_file_id = new_file_id()
        if record.planned_error_file_id is None and record.error_bytes > 0:
            record.planned_error_file_id = new_file_id()

    def _publish(self, record: BatchRecord, final_status: str, stamp: int) -> None:
        """Turn the partial files into batch_output files and give the batch its final status."""
        self._plan_result_files(record)
        self._prompt_caches.pop(record.id, None)
        record.closing_as = final_status
        self._store.save_batch(record)
        directory = self._store.batch_dir(record.id)
        files: builtins.list[FileRecord] = []
        expiry = record.output_expires_after
        for planned, partial, size, kind in (
            (record.planned_output_file_id, directory / _OUTPUT, record.output_bytes, "output"),
            (record.planned_error_file_id, directory / _ERRORS, record.error_bytes, "error"),
        ):
            if planned is None:
                continue
            target = self._store.file_path(planned)
            if partial.exists():
                _truncate(partial, size)
                partial.replace(target)
            files.append(
                FileRecord(
                    id=planned,
                    bytes=size,
                    created_at=stamp,
                    filename=f"{record.id}_{kind}.jsonl",
                    purpose="batch_output",
                    expires_at=None if expiry is None else stamp + int(expiry["seconds"]),
                )
            )
        record.output_file_id = record.planned_output_file_id
        record.error_file_id = record.planned_error_file_id
        record.status = final_status
        setattr(record, f"{final_status}_at", stamp)
        with self._store.transaction() as conn:
            for file in files:
                if self._store.file_seq(file.id) is None:
                    self._store.insert_file(file, conn)
            self._store.save_batch(record, conn)
        shutil.rmtree(directory, ignore_errors=True)
        self._final(record)

    def _final(self, record: BatchRecord) -> None:
        if self._on_final is None:
            return
        try:
            self._on_final(record)
        except Exception:
            # A notification is a courtesy: it must never undo or stall the batch's processing.
            logger.exception("notifying the end of batch %s failed", record.id)


class Processor:
    """Runs `engine.tick()` every `interval` real seconds in a daemon thread.

    Example::

        processor = Processor(engine, interval=0.05)
        processor.start(); ...; processor.stop()
    """

    def __init__(self, engine: BatchEngine, interval: float) -> None:
        self._engine = engine
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="batch-processor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._engine.tick()
            except Exception:
                logger.exception("the batch processing loop failed; retrying")
