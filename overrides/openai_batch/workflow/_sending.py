"""Send a job's shards: plan the byte ranges, upload each shard, create one batch per shard.

Every step writes its intent to the store before it calls the server
(``upload_started_at``, ``batch_started_at``) and its outcome right after. A run that
died between the two, or lost the answer, first looks on the service for what it may have
sent (an upload by its file name, a batch by its ``JOB_TAG`` metadata; both derived from
the job id), so neither a crash nor a lost answer uploads a shard or bills a batch twice.
A look-up that fails is tried again with backoff within the run's deadline (``Patience``),
never skipped.

The caller holds the state file's send lock (see ``_lock``) around :func:`send_unsent`:
two processes sending the same job would otherwise both see a shard as not sent yet.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from openai_batch_api.models import Batch, OpenAIFile

from .._batchinfo import batch_errors, batch_metadata
from .._exceptions import ConflictError, NotFoundError
from .._files_content import write_atomically
from .._idempotency import TOKEN_KEY
from ._crash import crash_point
from ._discovery import discover, lookup_since
from ._engine import Call, Flow, Local, Walk, gather
from ._errors import JobError
from ._identity import INPUT_TAG, JOB_TAG, JobDefinition, shard_file_name
from ._limits import BatchLimits
from ._patience import Patience, is_transient
from ._queue import (
    TOKENS_TAG,
    Admission,
    Ledger,
    QueuePolicy,
    is_token_limit_failure,
    learn_limit,
    read_ledger,
    tokens_tag,
)
from ._ranges import iter_range_lines, open_range
from ._recording import apply_batch, record_batch
from ._rivals import earliest, losers, winner
from ._shard import ShardPlan, plan_shards
from ._store import JobRow, JobStore, ShardRow
from ._upload import file_sha256

if TYPE_CHECKING:
    from ..providers import StatedQueueBudget

__all__ = [
    "JOB_METADATA_KEY",
    "batch_key",
    "batch_tags",
    "check_input_unchanged",
    "find_batch",
    "new_attempt",
    "requeue_limit_failures",
    "requeue_withdrawn",
    "send_unsent",
    "settle_batches",
    "stated_budget",
    "tagged_batches",
    "withdrawn_by_a_sender",
]

logger = logging.getLogger("openai_batch.workflow")

T = TypeVar("T")

#: Metadata key on every batch a job creates: ``<job id>:<shard>:<attempt>``.
JOB_METADATA_KEY = JOB_TAG
# How long before a withdrawn wave-mate the wave's failed member can have been created (its
# members are created one after another, each after its upload).
_WAVE_SPAN = 6 * 3600


def send_unsent(
    store: JobStore,
    row: JobRow,
    patience: Patience,
    policy: QueuePolicy | None = None,
    *,
    plans: Sequence[ShardPlan] | None = None,
) -> Flow[JobRow]:
    """Plan the shards if not done yet, find what the service already has, then send what the queue admits.

    Shards go out in order while the account's queue has room for them (see ``_queue``);
    the rest stay queued locally for the next call (``Job.wait`` makes it as batches
    finish). A shard whose batch failed with ``token_limit_exceeded`` is queued again.
    Returns the job's row as stored afterwards. ``plans`` are the shards planned while
    the input was validated (a job created in this process); without them the input is
    planned again.
    """
    row = _ensure_shards(store, row, plans)
    if not row.discovered:
        yield from discover(store, row, patience)
        row = _reload(store, row)
    origin = origin_key(row)
    learnt = requeue_limit_failures(store, row, origin)
    shards = store.shards(row.job_id)
    pending = [s for s in shards if s.batch_id is None and s.status == "pending"]
    if not pending:
        return row
    if any(s.retry_of_status is None for s in pending):
        check_input_unchanged(store, row)
    ledger = yield from patience.call("reading the batch queue", lambda: read_ledger(shards))
    admission = Admission(store, origin, policy or QueuePolicy(), ledger)
    if learnt:
        yield from _withdraw_overflow(store, shards, admission, ledger, learnt)
    # The batches this call created while no budget was known: the wave's members so far.
    wave: list[ShardRow] = []
    for shard in pending:
        # A batch an interrupted run began creating may exist: if the service has it, record it.
        looked_up = shard.batch_started_at is not None and shard.file_id is not None
        if looked_up:
            found = yield from _look_up_batch(row, shard, patience)
            if found is not None:
                record_batch(store, shard, found)
                continue
        _check_fits_alone(admission, shard)
        reason = admission.refusal(shard)
        if reason is not None:
            logger.info("job %s: shard %d queued (%s)", row.job_id, shard.shard_index, reason)
            break
        admission.admit(shard)
        yield from _ensure_uploaded(store, row, shard, patience)
        ramping = admission.budget(shard.model) is None
        if ramping and wave and (yield from _wave_met_the_limit(store, wave, patience)):
            logger.info(
                "job %s: a batch of this wave found the queue full; shard %d waits", row.job_id, shard.shard_index
            )
            break
        stated = yield from _ensure_batch(store, row, shard, patience, looked_up=looked_up)
        if stated is not None:
            # The service's own word on the queue (Azure): the next shards are admitted against it.
            admission.take_stated(shard.model, stated)
        if ramping:
            wave.append(shard)
    return row


def _wave_met_the_limit(store: JobStore, wave: Sequence[ShardRow], patience: Patience) -> Flow[bool]:
    """Whether a batch of the wave so far already failed on the limit (its outcome is recorded).

    Read before each later member of a wave is created: an upload can take longer than a
    validation (a large shard on the service; a fast validation on the local server), so an
    earlier member may have found the queue full meanwhile, and the next would meet it too.
    """
    met = False
    for member in wave:
        if member.status != "validating" or member.batch_id is None:
            continue
        batch = yield from patience.call(
            f"reading batch {member.batch_id}", functools.partial(_retrieve, member.batch_id)
        )
        apply_batch(store, member, batch)
        met = met or (batch.status == "failed" and is_token_limit_failure(member.errors))
    return met


def _retrieve(batch_id: str) -> Flow[Batch]:
    batch: Batch = yield Call("batches", "retrieve", (batch_id,))
    return batch


def requeue_limit_failures(store: JobStore, row: JobRow, origin: str) -> dict[str | None, float]:
    """Each shard whose batch failed with ``token_limit_exceeded``: learn the limit, queue it again.

    Returns, per model that failed, when its limit was learnt or last lowered: the wave-mates
    sent before then were sent without it (see :func:`_withdraw_overflow`). The requeue is
    not a failure of the job: the shard's attempt number moves on (so its next batch has a
    tag of its own) but no request counts it, and the job's line retries are untouched.
    """
    learnt: dict[str | None, float] = {}
    for shard in store.shards(row.job_id):
        if shard.status == "failed" and is_token_limit_failure(shard.errors):
            learn_limit(store, origin, shard)
            logger.info("job %s: shard %d hit the enqueued-token limit; queued again", row.job_id, shard.shard_index)
            new_attempt(store, shard)
            learnt[shard.model] = store.limit_learnt_at(origin, shard.model or "") or time.time()
    return learnt


def _withdraw_overflow(
    store: JobStore,
    shards: Sequence[ShardRow],
    admission: Admission,
    ledger: Ledger,
    learnt: Mapping[str | None, float],
) -> Flow[None]:
    """After a limit failure: withdraw the wave-mates still in validation that the learnt limit does not hold.

    They were sent before the limit was known (or lowered). The service checks each against
    what passed before it, so, in the order they were sent, those that fit beside the passed
    batches are left to pass; each of the others would meet the full queue one validation
    later and fail in turn, so it is cancelled now, before it runs anything, and queued again
    (:func:`_withdraw`): it goes out again against the learnt limit. Leaving the ones that fit
    also keeps a cancel away from a batch about to pass, which would cut it short.
    """
    held: dict[str | None, float] = {}
    mates = sorted(
        (
            s
            for s in shards
            if s.model in learnt
            and s.status == "validating"
            and s.batch_id is not None
            and (s.batch_started_at or 0.0) < learnt[s.model]
        ),
        key=lambda s: (s.batch_started_at or 0.0, s.shard_index),
    )
    for shard in mates:
        budget = admission.budget(shard.model)
        passed = held.setdefault(shard.model, float(ledger.passed_tokens(shard.model)))
        if budget is not None and passed + shard.token_estimate <= budget:
            held[shard.model] = passed + shard.token_estimate
            continue
        yield from _withdraw(store, shard)


def _withdraw(store: JobStore, shard: ShardRow) -> Flow[None]:
    """Cancel ``shard``'s batch if it is still in validation, and queue the shard again; else record it.

    It is read first: a batch that passed validation since the job last polled it holds its
    place in the queue and is left to run. A fault or a refusal leaves it as it is, to be
    polled as usual (at worst it fails on the limit, which is learnt as any failure).
    """
    assert shard.batch_id is not None
    try:
        batch: Batch = yield Call("batches", "retrieve", (shard.batch_id,))
        if batch.status == "validating":
            batch = yield Call("batches", "cancel", (shard.batch_id,))
    except (ConflictError, NotFoundError):
        return
    except Exception as exc:
        if not is_transient(exc):
            raise
        logger.info(
            "job %s shard %d: could not withdraw batch %s (%s)", shard.job_id, shard.shard_index, shard.batch_id, exc
        )
        return
    if batch.status not in ("cancelling", "cancelled") or isinstance(batch.in_progress_at, int):
        # Passed validation (or ended) meanwhile: it is the shard's batch as any other.
        apply_batch(store, shard, batch)
        return
    requeue_withdrawn(store, shard, batch)


def requeue_withdrawn(store: JobStore, shard: ShardRow, batch: Batch) -> None:
    """Queue ``shard`` again under its next attempt: its ``batch`` was withdrawn from validation, having run nothing."""
    logger.info(
        "job %s shard %d: batch %s withdrawn from validation (the queue is full); queued again",
        shard.job_id,
        shard.shard_index,
        batch.id,
    )
    with store.transaction():
        store.record_attempt(shard.job_id, shard.shard_index, shard.attempt, batch.id, str(batch.status), None)
        new_attempt(store, shard)
    shard.batch_id, shard.status, shard.attempt = None, "pending", shard.attempt + 1


def withdrawn_by_a_sender(shard: ShardRow, batch: Batch) -> Flow[bool]:
    """Whether ``batch``, found cancelled though this job did not cancel it, was withdrawn by a sender of the job.

    A sender with a state of its own (another machine) withdraws a wave's mates once one of
    them failed on the limit, and sends them again under the next attempt; this sender sees
    only a cancelled batch. It was withdrawn if it never ran and a batch of the same job
    failed on the limit around then (waves are discrete, so that failure is of its own wave,
    created at most :data:`_WAVE_SPAN` before it). Anything else was cancelled by someone,
    and stays the shard's outcome.
    """
    if isinstance(batch.in_progress_at, int):
        return False
    batches, keep = gather(lookup_since(batch.created_at - _WAVE_SPAN))
    yield Walk("batches", {"limit": 100}, keep)
    prefix = f"{shard.job_id}:"
    return any(
        str(batch_metadata(b).get(JOB_TAG, "")).startswith(prefix)
        and b.status == "failed"
        and is_token_limit_failure(batch_errors(b))
        for b in batches
    )


def origin_key(row: JobRow) -> str:
    """The API origin of a job as one string: learnt queue limits are kept per origin."""
    origin = row.definition.get("origin") or {}
    return json.dumps(origin, sort_keys=True)


def _check_fits_alone(admission: Admission, shard: ShardRow) -> None:
    budget = admission.budget(shard.model)
    if budget is not None and shard.token_estimate > budget:
        raise JobError(
            f"job {shard.job_id}: shard {shard.shard_index} alone is {shard.token_estimate:,} estimated tokens, "
            f"over the {budget:,.0f} the queue allows for {shard.model}; start a new job with a smaller "
            "--max-requests-per-batch (or give the budget with --max-enqueued-tokens, which caps each shard)"
        )


def _look_up_batch(row: JobRow, shard: ShardRow, patience: Patience) -> Flow[Batch | None]:
    """The batch of ``shard``'s current attempt, if an earlier try (or run, or another sender) created it."""
    key = batch_key(shard)
    since = lookup_since(shard.batch_started_at or 0)
    found = yield from patience.call(f"looking up batch {key}", lambda: find_batch(key, since))
    if found is not None:
        logger.info("job %s shard %d: found batch %s", row.job_id, shard.shard_index, found.id)
    return found


def _reload(store: JobStore, row: JobRow) -> JobRow:
    stored = store.get_job(row.job_id)
    assert stored is not None
    return stored


def batch_key(shard: ShardRow) -> str:
    """The ``JOB_TAG`` value of the batch for ``shard``'s current attempt."""
    return f"{shard.job_id}:{shard.shard_index}:{shard.attempt}"


def batch_tags(row: JobRow, shard: ShardRow) -> dict[str, str]:
    """The metadata a shard's batch carries: the user's, plus the tags that identify it."""
    key = batch_key(shard)
    definition = JobDefinition.from_dict(row.definition)
    # The key doubles as the client's duplicate-detection token, so nothing in it is random.
    return {
        **row.metadata,
        JOB_TAG: key,
        INPUT_TAG: definition.input_tag,
        TOKEN_KEY: key,
        TOKENS_TAG: tokens_tag(shard.model, shard.token_estimate),
    }


def tagged_batches(key: str, since: float | None = None) -> Flow[list[Batch]]:
    """Every batch (newest first) carrying ``key`` as its ``JOB_TAG``; ``since`` (Unix seconds) ends the walk."""
    batches, keep = gather(since)
    yield Walk("batches", {"limit": 100}, keep)
    return [b for b in batches if batch_metadata(b).get(JOB_TAG) == key]


def find_batch(key: str, since: float | None = None) -> Flow[Batch | None]:
    """The batch every sender keeps (see ``_rivals``) of those carrying ``key``, if the service has one."""
    tagged = yield from tagged_batches(key, since)
    return winner(tagged) if tagged else None


def new_attempt(store: JobStore, shard: ShardRow) -> None:
    """Make ``shard`` pending again under the next attempt number, reusing its upload.

    The new attempt number gives the next batch a new ``JOB_TAG``, so the look-up before
    creating it cannot mistake the failed batch for it.
    """
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
    store.update_shard(shard.job_id, shard.shard_index, **fields)


def check_input_unchanged(store: JobStore, row: JobRow) -> None:
    """Raise :class:`JobError` if the input file no longer holds what the job was defined from.

    Shards are byte ranges of it, so a changed input would send (or join) other requests.
    Size and mtime are checked first; the file is hashed again only if they moved.
    """
    path = Path(row.input_path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise JobError(f"job {row.job_id}: its input file {path} is gone; restore it to go on") from None
    if stat.st_size == row.input_size and stat.st_mtime_ns == row.input_mtime_ns:
        return
    if stat.st_size != row.input_size or file_sha256(path) != row.input_digest:
        raise JobError(f"job {row.job_id}: its input file {path} changed since the job began; restore it to go on")
    store.update_job(row.job_id, input_mtime_ns=stat.st_mtime_ns)


def _compact_lines(row: JobRow, plan_offset: int, plan_size: int) -> Iterator[bytes]:
    for raw in iter_range_lines(row.input_path, plan_offset, plan_size):
        yield raw if raw.endswith(b"\n") else raw + b"\n"


def _ensure_shards(store: JobStore, row: JobRow, plans: Sequence[ShardPlan] | None) -> JobRow:
    if row.sharded:
        return row
    if plans is None:
        plans = plan_shards(row.input_path, endpoint=row.endpoint, limits=BatchLimits.from_dict(row.limits))
    crash_point("after_shard")
    directory = store.work_dir / row.job_id
    rows = []
    for plan in plans:
        path, offset, size = row.input_path, plan.offset, plan.byte_size
        if plan.needs_copy:
            # Blank lines inside the range: upload a compact copy of its requests instead.
            directory.mkdir(parents=True, exist_ok=True)
            copy = directory / shard_file_name(row.job_id, plan.index)
            write_atomically(copy, _compact_lines(row, plan.offset, plan.byte_size))
            path, offset, size = str(copy), 0, copy.stat().st_size
        rows.append(
            ShardRow(
                job_id=row.job_id,
                shard_index=plan.index,
                path=path,
                byte_offset=offset,
                byte_size=size,
                request_count=plan.request_count,
                first_line=plan.first_line,
                token=shard_file_name(row.job_id, plan.index),
                model=plan.model,
                token_estimate=plan.token_estimate,
            )
        )
    # One transaction: a crash leaves either no shards recorded (planned again next run,
    # to the same ranges and names) or all of them.
    with store.transaction():
        store.add_shards(rows)
        store.update_job(row.job_id, sharded=True)
    return _reload(store, row)


def _send_once(
    patience: Patience,
    what: str,
    *,
    look_first: bool,
    look_up: Callable[[], Flow[T | None]],
    mark_intent: Callable[[], None],
    send: Callable[[], Flow[T]],
) -> Flow[T]:
    """Send something that bills (an upload, a batch) at most once, through transient faults.

    Before each try the intent is recorded (``mark_intent``); after a transient fault, whose
    outcome is unknown, the next round first looks the object up (``look_up``, itself
    retried within the deadline) and sends again only if the service does not have it.
    ``look_first`` looks before the first try too (an earlier run recorded an intent).
    """
    attempt = 0
    look = look_first
    while True:
        if look:
            found = yield from look_up()
            if found is not None:
                return found
        mark_intent()
        try:
            return (yield from send())
        except Exception as exc:
            if not is_transient(exc):
                raise
            yield from patience.pause(what, exc, attempt)
            attempt += 1
            look = True


def _ensure_uploaded(store: JobStore, row: JobRow, shard: ShardRow, patience: Patience) -> Flow[None]:
    if shard.file_id is not None:
        return

    def look_up() -> Flow[OpenAIFile | None]:
        since = lookup_since(shard.upload_started_at or 0)
        found = yield from patience.call(f"looking up {shard.token}", lambda: _find_upload(shard, since))
        if found is not None:
            logger.info("job %s shard %d: found upload %s", row.job_id, shard.shard_index, found.id)
        return found

    def mark_intent() -> None:
        shard.upload_started_at = time.time()
        store.update_shard(row.job_id, shard.shard_index, upload_started_at=shard.upload_started_at)
        crash_point("before_upload")

    def send() -> Flow[OpenAIFile]:
        with open_range(shard.path, shard.byte_offset, shard.byte_size) as part:
            uploaded: OpenAIFile = yield Call(
                "files", "create", (), {"file": part, "filename": shard.token, "purpose": "batch"}
            )
        return uploaded

    uploaded = yield from _send_once(
        patience,
        f"uploading shard {shard.shard_index} of job {row.job_id}",
        look_first=shard.upload_started_at is not None,
        look_up=look_up,
        mark_intent=mark_intent,
        send=send,
    )
    crash_point("after_upload")
    kept = yield from patience.call(
        f"checking for other uploads of {shard.token}", lambda: _settle_uploads(store, shard, uploaded)
    )
    store.update_shard(row.job_id, shard.shard_index, file_id=kept.id)
    shard.file_id = kept.id
    crash_point("after_upload_record")


def _find_upload(shard: ShardRow, since: float) -> Flow[OpenAIFile | None]:
    copies = yield from _uploads_of(shard, since)
    return earliest(copies) if copies else None


def _uploads_of(shard: ShardRow, since: float) -> Flow[list[OpenAIFile]]:
    # The name is unique to this job's shard (see shard_file_name); the size must match as well.
    files, keep = gather(since)
    yield Walk("files", {"purpose": "batch", "order": "desc"}, keep)
    return [f for f in files if f.filename == shard.token and f.bytes_ == shard.byte_size]


def _settle_uploads(store: JobStore, shard: ShardRow, ours: OpenAIFile) -> Flow[OpenAIFile]:
    """After an upload: if other senders uploaded the same shard, keep the earliest copy; delete ours if it lost."""
    copies = yield from _uploads_of(shard, lookup_since(shard.upload_started_at or time.time()))
    kept = earliest([ours, *(c for c in copies if c.id != ours.id)])
    if kept.id != ours.id:
        logger.info(
            "job %s shard %d: upload %s is a duplicate of %s; deleting it",
            shard.job_id,
            shard.shard_index,
            ours.id,
            kept.id,
        )
        store.record_duplicate(shard.job_id, shard.shard_index, shard.attempt, "file", ours.id, kept.id)
        try:
            yield Call("files", "delete", (ours.id,))
        except NotFoundError:
            pass
    return kept


def _ensure_batch(
    store: JobStore, row: JobRow, shard: ShardRow, patience: Patience, *, looked_up: bool
) -> Flow[StatedQueueBudget | None]:
    """Create the shard's batch; after a failed try, look it up before trying again.

    ``looked_up``: the caller already looked for a batch an earlier run may have created.
    Right after creating, the batches other senders made for the same shard and attempt are
    settled (see ``_rivals``): every sender keeps the same one and cancels the rest.
    Returns the queue budget the service stated when it created the batch (None: none stated,
    or the batch was found, not created, by this run).
    """
    if shard.batch_id is not None:
        return None
    assert shard.file_id is not None

    def mark_intent() -> None:
        shard.batch_started_at = time.time()
        store.update_shard(row.job_id, shard.shard_index, batch_started_at=shard.batch_started_at)
        crash_point("before_batch_create")

    batch = yield from _send_once(
        patience,
        f"creating the batch of shard {shard.shard_index} of job {row.job_id}",
        look_first=shard.batch_started_at is not None and not looked_up,
        look_up=lambda: _look_up_batch(row, shard, patience),
        mark_intent=mark_intent,
        send=lambda: _create(row, shard),
    )
    crash_point("after_batch_create")
    stated = yield from stated_budget(batch.id, shard.model)
    kept = yield from patience.call(
        f"checking for other batches of {batch_key(shard)}", lambda: settle_batches(store, shard, batch)
    )
    record_batch(store, shard, kept)
    crash_point("after_batch_record")
    return stated


def stated_budget(batch_id: str, model: str | None) -> Flow[StatedQueueBudget | None]:
    """The queue budget the service stated in the answer that created ``batch_id`` (the client keeps it).

    ``model`` (the lines' model: on Azure, the deployment) is noted against the batch first, so
    the client's ``stated_queue_budget(model=...)`` answers for the deployment too, whatever
    model the answer itself named. None from a service that states no budget.
    """
    if model is not None:
        yield Local("note_batch_model", {"batch_id": batch_id, "model": model})
    stated: StatedQueueBudget | None = yield Local("stated_queue_budget", {"batch_id": batch_id})
    return stated


def settle_batches(store: JobStore, shard: ShardRow, ours: Batch) -> Flow[Batch]:
    """The batch of ``shard``'s attempt every sender keeps, given ours; the others are cancelled and recorded.

    A loser that cannot be cancelled any more (it finished meanwhile) is still recorded as
    superseded: its results are never read.
    """
    since = lookup_since(shard.batch_started_at or time.time())
    tagged = yield from tagged_batches(batch_key(shard), since)
    copies = [ours, *(b for b in tagged if b.id != ours.id)]
    kept = winner(copies)
    cancellable = {b.id for b in losers(copies, kept)}
    for other in copies:
        if other.id == kept.id:
            continue
        if not store.is_duplicate(shard.job_id, other.id):
            logger.warning(
                "job %s shard %d: batch %s duplicates %s (another sender); cancelling it",
                shard.job_id,
                shard.shard_index,
                other.id,
                kept.id,
            )
            store.record_duplicate(shard.job_id, shard.shard_index, shard.attempt, "batch", other.id, kept.id)
        if other.id in cancellable:
            yield from _cancel_quietly(other.id)
    return kept


def _cancel_quietly(batch_id: str) -> Flow[None]:
    """Cancel a superseded batch; one another sender already cancelled, or that just ended, is left as it is."""
    try:
        yield Call("batches", "cancel", (batch_id,))
    except (ConflictError, NotFoundError):
        pass


def _create(row: JobRow, shard: ShardRow) -> Flow[Batch]:
    assert shard.file_id is not None
    definition = JobDefinition.from_dict(row.definition)
    options: dict[str, Any] = {}
    if definition.output_expires_after is not None:
        options["output_expires_after"] = dict(definition.output_expires_after)
    batch: Batch = yield Call(
        "batches",
        "create",
        (),
        {
            "input_file_id": shard.file_id,
            "endpoint": row.endpoint,
            "completion_window": row.completion_window,
            "metadata": batch_tags(row, shard),
            **options,
        },
    )
    return batch
