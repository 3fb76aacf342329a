"""Describe a job before it has a ``Job`` handle: open its state file, record a new job or an adopted batch.

A new job is validated line by line first (nothing is recorded for input that breaks a
rule); an adopted batch, created elsewhere, becomes a job of one shard whose file is the
batch's own input, so its results can be joined and resubmitted like any other job's.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import attrs
from openai_batch_api.models import Batch

from .._download_flow import temp_path_for, unlink_quietly
from ..providers import ProviderProfile
from ._download import LineCutter
from ._engine import Flow, Stream
from ._errors import InputValidationError
from ._identity import JobConflictError, JobDefinition, client_origin
from ._limits import DEFAULT_LIMITS, BatchLimits, limits_for
from ._shard import ShardPlan, ShardPlanner
from ._store import DEFAULT_STATE_PATH, JobRow, JobStore, ShardRow
from ._upload import file_sha256
from ._validate import validate_input_file

__all__ = [
    "client_profile",
    "download_lines",
    "find_or_create",
    "job_limits",
    "job_origin",
    "new_job_row",
    "open_store",
    "record_adopted_batch",
]


def client_profile(client: object) -> ProviderProfile | None:
    """The profile of the service ``client`` speaks to (``client.provider``); None for one naming none (a fake)."""
    profile = getattr(client, "provider", None)
    return profile if isinstance(profile, ProviderProfile) else None


def job_origin(client: object, model: str | None) -> dict[str, str | None]:
    """Where a job sends its calls (see ``client_origin``), naming the deployment on a service that has them.

    On a service whose files name one model each (Azure: the deployment), ``model`` (the input's)
    is part of the job's identity, so a job for another deployment is another job.
    """
    profile = client_profile(client)
    deployment = model if profile is not None and profile.one_model_per_file else None
    return client_origin(client, deployment=deployment)


def job_limits(limits: BatchLimits | None, profile: ProviderProfile | None) -> BatchLimits:
    """A job's per-batch limits: the caller's, else the service's per-file limits (OpenAI's by default).

    They shard the input and are part of the job's definition, so a service with smaller files
    (Groq's 100 MB) gets more shards, never a file it refuses.
    """
    if limits is not None:
        return limits
    return DEFAULT_LIMITS if profile is None else limits_for(profile)


def open_store(state: str | os.PathLike[str] | JobStore | None) -> tuple[JobStore, bool]:
    """The store for ``state``, and whether the caller opened it (and so must close it)."""
    if isinstance(state, JobStore):
        return state, False
    return JobStore(DEFAULT_STATE_PATH if state is None else state), True


def find_or_create(
    store: JobStore,
    path: Path,
    definition: JobDefinition,
    job_id: str | None,
    limits: BatchLimits,
    profile: ProviderProfile | None = None,
) -> tuple[JobRow, bool, list[ShardPlan] | None]:
    """The recorded job this submit resumes, or a new one; whether it was recorded already; a new one's shards.

    A new job's input is checked by the rules of ``profile`` (the client's service).

    Refuses (:class:`JobConflictError`, naming what differs) to resume a job with other
    options, and to start a second plain job for an input already submitted with other
    options: that would bill the same requests twice.
    """
    if job_id is not None:
        row = store.get_job(job_id)
        if row is not None:
            diffs = JobDefinition.from_dict(row.definition).differences(definition)
            if diffs:
                raise JobConflictError(
                    f"job {job_id} was started with other options: {'; '.join(diffs)}; "
                    "rerun with the same options to resume it"
                )
            return row, True, None
        # Not recorded here (state deleted, or another machine): the service holds the rest.
        definition = attrs.evolve(definition, nonce=f"job:{job_id}")
        return _create(store, path, definition, job_id, limits, profile)
    row = store.get_job(definition.job_id)
    if row is not None:
        return row, True, None
    if definition.nonce is None:
        for other in store.jobs_for_input(definition.input_sha256):
            recorded = JobDefinition.from_dict(other.definition)
            if recorded.nonce is not None:
                continue
            differs = "; ".join(recorded.differences(definition)) or "none"
            if recorded.endpoint != definition.endpoint:
                # Another job would not help: the file's lines name the endpoint it was sent to.
                raise JobConflictError(
                    f"{path.name} was submitted before as job {other.job_id} to {recorded.endpoint}, and its "
                    f"lines' url is that endpoint, not {definition.endpoint}: drop --endpoint (or give "
                    f"--endpoint {recorded.endpoint}) to resume that job"
                )
            raise JobConflictError(
                f"{path.name} was submitted before as job {other.job_id} with other options ({differs}); "
                "rerun with those options to resume it, or add --new to start another job (billed again)"
            )
    return _create(store, path, definition, definition.job_id, limits, profile)


def _create(
    store: JobStore,
    path: Path,
    definition: JobDefinition,
    job_id: str,
    limits: BatchLimits,
    profile: ProviderProfile | None,
) -> tuple[JobRow, bool, list[ShardPlan]]:
    """Validate and plan a new job, keeping each shard's custom_ids in the store as it is planned; record it."""
    try:
        row, plans = new_job_row(
            path, definition, job_id, limits, profile=profile, keep_ids=partial(store.put_shard_inputs, job_id)
        )
    except BaseException:
        store.forget_shard_inputs(job_id)  # an input refused (or a stop) leaves no ids behind
        raise
    store.create_job(row)
    return row, False, plans


def new_job_row(
    path: Path,
    definition: JobDefinition,
    job_id: str,
    limits: BatchLimits | None = None,
    *,
    profile: ProviderProfile | None = None,
    keep_ids: Callable[[int, bytes], None] | None = None,
) -> tuple[JobRow, list[ShardPlan]]:
    """Validate the input (lines only: shards will fit the limits), describe a new job and plan its shards.

    One pass over the input does both: the validator hands each line it parsed to the
    planner, so a large input is read and parsed once, not twice. ``profile`` (the client's
    service) sets the rules (its endpoints, one deployment per file, no byte order mark) and,
    unless ``limits`` are given, the per-file limits the shards are cut to.
    """
    limits = job_limits(limits, profile)
    planner = ShardPlanner(endpoint=definition.endpoint, limits=limits, keep_ids=keep_ids)
    report = validate_input_file(
        path,
        endpoint=definition.endpoint,
        limits=limits,
        check_file_limits=False,
        observe=planner.add,
        profile=profile,
    )
    if not report.ok or report.endpoint is None:
        raise InputValidationError(report)
    stat = path.stat()
    row = JobRow(
        job_id=job_id,
        input_path=str(path),
        input_digest=definition.input_sha256,
        endpoint=report.endpoint,
        completion_window=definition.completion_window,
        metadata=dict(definition.metadata),
        limits=dict(definition.limits),
        definition=definition.to_dict(),
        request_count=report.request_count,
        input_size=stat.st_size,
        input_mtime_ns=stat.st_mtime_ns,
        created_at=time.time(),
    )
    return row, planner.finish()


def record_adopted_batch(store: JobStore, origin: dict[str, str | None], batch: Batch) -> Flow[tuple[JobRow, ShardRow]]:
    """Record a new job whose one shard is ``batch``; its input file is downloaded (streamed) as the shard."""
    # An adopted batch's job is named after the batch: adopting it again anywhere finds it.
    job_id = "job_" + hashlib.sha256(f"adopted:{batch.id}".encode()).hexdigest()[:16]
    directory = store.work_dir / job_id
    directory.mkdir(parents=True, exist_ok=True)
    shard_path = directory / f"{job_id}-shard00000.jsonl"
    yield from download_lines(batch.input_file_id, shard_path)
    report = validate_input_file(shard_path, endpoint=batch.endpoint, check_file_limits=False)
    digest = file_sha256(shard_path)
    definition = JobDefinition(
        input_sha256=digest,
        endpoint=batch.endpoint,
        completion_window=batch.completion_window,
        origin=origin,
        limits=DEFAULT_LIMITS.to_dict(),
        metadata={},
        nonce=f"adopted:{batch.id}",
    )
    stat = shard_path.stat()
    row = JobRow(
        job_id=job_id,
        input_path=str(shard_path),
        input_digest=digest,
        endpoint=batch.endpoint,
        completion_window=batch.completion_window,
        metadata={},
        limits=DEFAULT_LIMITS.to_dict(),
        definition=definition.to_dict(),
        request_count=report.request_count,
        sharded=True,
        discovered=True,
        input_size=stat.st_size,
        input_mtime_ns=stat.st_mtime_ns,
        created_at=time.time(),
    )
    shard = ShardRow(
        job_id=job_id,
        shard_index=0,
        path=str(shard_path),
        byte_offset=0,
        byte_size=report.byte_size,
        request_count=report.request_count,
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
    return row, shard


def download_lines(file_id: str, path: Path) -> Flow[None]:
    """Download file ``file_id`` to ``path`` (atomically), every line ending in a newline."""
    cutter = LineCutter()
    fd, temp = temp_path_for(path)
    try:
        with os.fdopen(fd, "wb") as out:
            yield Stream(file_id, lambda chunk: out.write(cutter.feed(chunk)))
            # Every line newline-terminated (only the last can lack it), so the file reads back line by line.
            if rest := cutter.rest():
                out.write(rest + b"\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    finally:
        unlink_quietly(temp)
