"""Snapshots of a job for callers: its shards' batches, and what a results file held."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from .._batchinfo import TERMINAL_STATUSES
from .._polling import combined_status
from ._store import JobRow, ShardRow

__all__ = [
    "BAD_OUTCOMES",
    "JobStatus",
    "ResultSummary",
    "ShardStatus",
    "SupersededCopy",
    "build_status",
    "ended_badly",
]


@attrs.frozen
class ShardStatus:
    """One shard of a job and the batch that runs it (``batch_id`` is None until created).

    ``retry_of`` says which outcomes a resubmission shard carries again (e.g. ``"expired"``).

    Example::

        for shard in job.status().shards:
            print(shard.index, shard.batch_id, shard.status, shard.completed)
    """

    index: int
    request_count: int
    status: str
    batch_id: str | None
    file_id: str | None
    attempt: int
    completed: int
    failed: int
    errors: tuple[dict[str, Any], ...]
    output_file_id: str | None
    error_file_id: str | None
    results_downloaded: bool
    retry_of: str | None

    def to_dict(self) -> dict[str, Any]:
        data = attrs.asdict(self)
        data["errors"] = list(self.errors)
        return data


@attrs.frozen
class SupersededCopy:
    """A copy another sender made of a shard's upload or batch, given up for the one every sender keeps.

    Its results, usage and cost are never read; a batch copy was cancelled (while validating,
    nothing of it ran). See ``_rivals``.

    Example::

        for copy in job.status().superseded:
            print(copy.kind, copy.id, "->", copy.kept)
    """

    kind: str
    id: str
    shard: int
    attempt: int
    kept: str

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.frozen
class JobStatus:
    """Where a job stands; ``status`` is the least advanced running batch, or the final mix.

    ``done`` is true once every batch is in a final state. ``outcomes`` (when asked for,
    ``job.status(outcomes=True)``) counts each input's latest outcome, and ``succeeded``
    follows from it: every input's latest attempt succeeded, so an expired shard whose
    requests were all resubmitted and succeeded counts as a success. Without outcomes,
    ``succeeded`` falls back to the batches: every one completed with no failed request.

    Example::

        status = job.refresh()
        print(status.status, status.completed, "/", status.request_count)
    """

    job_id: str
    input_path: str
    endpoint: str
    status: str
    request_count: int
    shards: tuple[ShardStatus, ...]
    outcomes: Mapping[str, int] | None = None
    #: Other senders' copies of this job's uploads and batches that were given up (see ``_rivals``).
    superseded: tuple[SupersededCopy, ...] = ()

    @property
    def completed(self) -> int:
        return sum(s.completed for s in self.shards)

    @property
    def failed(self) -> int:
        return sum(s.failed for s in self.shards)

    @property
    def batch_ids(self) -> list[str]:
        return [s.batch_id for s in self.shards if s.batch_id]

    @property
    def done(self) -> bool:
        return all(s.status in TERMINAL_STATUSES for s in self.shards)

    @property
    def succeeded(self) -> bool:
        if self.outcomes is not None:
            return self.done and not ended_badly(self.outcomes) and not self.outcomes.get("pending")
        return self.done and all(s.status == "completed" for s in self.shards) and self.failed == 0

    @property
    def queued(self) -> int:
        """Shards recorded but not sent yet."""
        return sum(1 for s in self.shards if s.batch_id is None and s.status == "pending")

    def to_dict(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "input_path": self.input_path,
            "endpoint": self.endpoint,
            "status": self.status,
            "request_count": self.request_count,
            "completed": self.completed,
            "failed": self.failed,
            "done": self.done,
            "succeeded": self.succeeded,
            "outcomes": None if self.outcomes is None else dict(self.outcomes),
            "shards": [s.to_dict() for s in self.shards],
            "superseded": [c.to_dict() for c in self.superseded],
        }


@attrs.frozen
class ResultSummary:
    """What :meth:`Job.write_results` wrote: the path and how many results had each outcome.

    Example::

        summary = job.write_results("results.jsonl")
        print(summary.total, summary.counts.get("failed", 0))
    """

    path: Path
    counts: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "total": self.total, "counts": dict(self.counts)}


#: Outcomes of inputs whose latest attempt ended without success.
BAD_OUTCOMES = frozenset({"failed", "expired", "cancelled", "missing"})


def ended_badly(counts: Mapping[str, int]) -> bool:
    """Whether any input's latest attempt ended failed, expired, cancelled or missing."""
    return any(counts.get(outcome, 0) for outcome in BAD_OUTCOMES)


def build_status(
    job: JobRow,
    shards: Sequence[ShardRow],
    outcomes: Mapping[str, int] | None = None,
    duplicates: Sequence[tuple[str, str, int, int, str]] = (),
) -> JobStatus:
    return JobStatus(
        outcomes=None if outcomes is None else dict(outcomes),
        superseded=tuple(
            SupersededCopy(kind=kind, id=object_id, shard=index, attempt=attempt, kept=kept)
            for kind, object_id, index, attempt, kept in duplicates
        ),
        job_id=job.job_id,
        input_path=job.input_path,
        endpoint=job.endpoint,
        status=combined_status([s.status for s in shards] or ["pending"]),
        request_count=job.request_count,
        shards=tuple(
            ShardStatus(
                index=s.shard_index,
                request_count=s.request_count,
                status=s.status,
                batch_id=s.batch_id,
                file_id=s.file_id,
                attempt=s.attempt,
                completed=s.completed,
                failed=s.failed,
                errors=tuple(s.errors or ()),
                output_file_id=s.output_file_id,
                error_file_id=s.error_file_id,
                results_downloaded=s.results_done,
                retry_of=s.retry_of_status,
            )
            for s in shards
        ),
    )
