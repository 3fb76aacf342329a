"""What the dashboard shows, read from the state file alone: pure data, no HTML.

Every figure that ``openai-batch status --json`` also gives comes from the same
:func:`~openai_batch.workflow._report.job_report`; what the dashboard adds (history, timeline,
failure groups, the estimate for the rest, the ETA) is read from the same store beside it.
Nothing here touches the network.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from .._batchinfo import TERMINAL_STATUSES
from ..pricing import CostEstimate, PriceTable, estimate_file_cost
from ..workflow._harvest import joined
from ..workflow._history import batch_times, poll_history
from ..workflow._report import JobReport, job_report
from ..workflow._results import Outcome
from ..workflow._status import BAD_OUTCOMES, build_status
from ..workflow._store import JobRow, JobStore
from ..workflow._usage import job_usage

__all__ = [
    "FailureGroup",
    "JobPage",
    "JobSummary",
    "TimelineRow",
    "eta",
    "failure_groups",
    "job_page",
    "job_summary",
    "provider_of",
]

#: Sample lines kept per failure group.
SAMPLES_PER_GROUP = 3
# A sample's message is cut to this many characters: the page is for a glance.
_MESSAGE_CHARS = 240


@attrs.frozen
class JobSummary:
    """One row of the jobs list: the job's report and the dashboard's figures around it.

    ``rest_low_usd``/``rest_high_usd`` estimate what the requests still pending will cost:
    the input file's estimate (``openai-batch estimate``) times the share still pending; None
    when not known (an unpriced model, unbounded output, or the input file gone).
    """

    row: JobRow
    report: JobReport
    provider: str
    rest_low_usd: float | None
    rest_high_usd: float | None
    eta: float | None
    #: When the last recorded poll saw it (the end, once every batch is final).
    last_seen: float | None
    #: Why some figures are missing (the input file cannot be read), else None.
    problem: str | None = None

    @property
    def batches_by_status(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for shard in self.report.status.shards:
            counts[shard.status] = counts.get(shard.status, 0) + 1
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    @property
    def outcomes(self) -> Mapping[str, int]:
        return self.report.status.outcomes or {}


@attrs.frozen
class TimelineRow:
    """One batch of the job: shard, attempt, status, and the service's timestamps (None: not reached)."""

    shard_index: int
    attempt: int
    batch_id: str | None
    status: str
    created_at: int | None = None
    in_progress_at: int | None = None
    finalizing_at: int | None = None
    ended_at: int | None = None


@attrs.frozen
class FailureGroup:
    """Requests that ended badly with one error code: how many, and a few (custom_id, status, message)."""

    outcome: str
    code: str
    count: int
    samples: tuple[tuple[str, int | None, str], ...]


@attrs.frozen
class JobPage:
    """Everything the job's page shows."""

    summary: JobSummary
    history: tuple[tuple[float, int, int], ...]
    timeline: tuple[TimelineRow, ...]
    failures: tuple[FailureGroup, ...]


def provider_of(row: JobRow) -> str:
    """The service a job runs on: its provider when the definition names one, else its API host."""
    definition: Mapping[str, Any] = row.definition
    named = definition.get("provider")
    if isinstance(named, str) and named:
        return named
    origin = definition.get("origin")
    base_url = origin.get("base_url") if isinstance(origin, dict) else None
    if not isinstance(base_url, str) or not base_url:
        return "(default)"
    parsed = urllib.parse.urlsplit(base_url)
    return parsed.netloc or base_url


def eta(history: Sequence[tuple[float, int, int]], request_count: int) -> float | None:
    """When the job should finish at the pace of its latest third of recorded polls, or None.

    None when fewer than two polls are recorded, nothing moved lately, or nothing is left.
    """
    if len(history) < 2:
        return None
    last_at, completed, failed = history[-1]
    remaining = request_count - completed - failed
    if remaining <= 0:
        return None
    since = last_at - (last_at - history[0][0]) / 3
    ref_at, ref_completed, ref_failed = next((sample for sample in history[:-1] if sample[0] >= since), history[-2])
    moved = completed + failed - ref_completed - ref_failed
    if moved <= 0 or last_at <= ref_at:
        return None
    return last_at + remaining * (last_at - ref_at) / moved


def _rest_estimate(estimate: CostEstimate | None, pending: int, requests: int) -> tuple[float | None, float | None]:
    if estimate is None or requests <= 0:
        return None, None
    share = pending / requests
    low, high = estimate.total_low_usd, estimate.total_high_usd
    return (None if low is None else low * share), (None if high is None else high * share)


def input_estimate(row: JobRow, prices: PriceTable) -> CostEstimate | None:
    """The input file's cost estimate (None when the file is gone or unreadable)."""
    try:
        return estimate_file_cost(Path(row.input_path), prices)
    except OSError:
        return None


def _report(store: JobStore, row: JobRow, prices: PriceTable) -> tuple[JobReport, str | None]:
    """The job's report; without outcomes, and why, when its input file cannot be read (moved, deleted)."""
    try:
        return job_report(store, row.job_id, prices), None
    except OSError as exc:
        status = build_status(row, store.shards(row.job_id), None, store.duplicates(row.job_id))
        problem = f"cannot read the input file {row.input_path} ({exc.strerror or exc}): outcomes are not known"
        return JobReport(status=status, usage=job_usage(store, row.job_id, prices)), problem


def job_summary(store: JobStore, row: JobRow, prices: PriceTable, estimate: CostEstimate | None) -> JobSummary:
    """The jobs-list row of ``row`` (``estimate``: its input's, see :func:`input_estimate`)."""
    report, problem = _report(store, row, prices)
    history = poll_history(store, row.job_id)
    outcomes = report.status.outcomes or {}
    low, high = _rest_estimate(estimate, outcomes.get("pending", 0), report.status.request_count)
    return JobSummary(
        row=row,
        report=report,
        provider=provider_of(row),
        rest_low_usd=low,
        rest_high_usd=high,
        eta=None if report.status.done else eta(history, report.status.request_count),
        last_seen=history[-1][0] if history else None,
        problem=problem,
    )


def timeline(store: JobStore, job_id: str) -> tuple[TimelineRow, ...]:
    """Every batch the job ran (earlier attempts too), by shard; shards not sent yet as rows without times."""
    rows = [
        TimelineRow(shard, attempt, batch_id, status, *times)
        for batch_id, shard, attempt, status, times in batch_times(store, job_id)
    ]
    seen = {row.batch_id for row in rows}
    # A batch created before its times were recorded (an older state file): its shard's own status.
    for shard in store.shards(job_id):
        if shard.batch_id is None or shard.batch_id not in seen:
            rows.append(TimelineRow(shard.shard_index, shard.attempt, shard.batch_id, shard.status))
    return tuple(sorted(rows, key=lambda row: (row.shard_index, row.attempt)))


def failure_groups(store: JobStore, job_id: str) -> tuple[FailureGroup, ...]:
    """Requests whose latest attempt ended badly, grouped by outcome and error code, largest group first."""
    groups: dict[tuple[str, str], list[Any]] = {}
    for result, _ in joined(store, job_id):
        if result.outcome.value not in BAD_OUTCOMES:
            continue
        error = result.error
        code = (error.code if error is not None else None) or (
            f"HTTP {result.status_code}" if result.status_code is not None else result.outcome.value
        )
        group = groups.setdefault((result.outcome.value, code), [0, []])
        group[0] += 1
        if len(group[1]) < SAMPLES_PER_GROUP:
            message = (error.message if error is not None else None) or ""
            group[1].append((result.custom_id, result.status_code, message[:_MESSAGE_CHARS]))
    return tuple(
        FailureGroup(outcome, code, count, tuple(samples))
        for (outcome, code), (count, samples) in sorted(groups.items(), key=lambda item: (-item[1][0], item[0]))
    )


def job_page(store: JobStore, summary: JobSummary) -> JobPage:
    """The job's page, around its (already read) summary."""
    job_id = summary.row.job_id
    bad = sum(summary.outcomes.get(outcome, 0) for outcome in BAD_OUTCOMES)
    return JobPage(
        summary=summary,
        history=tuple(poll_history(store, job_id)),
        timeline=timeline(store, job_id),
        failures=failure_groups(store, job_id) if bad and summary.problem is None else (),
    )


def running(summary: JobSummary) -> bool:
    """Whether some batch of the job has not reached a final status."""
    return any(s.status not in TERMINAL_STATUSES for s in summary.report.status.shards)


# Outcome names as the status JSON spells them, in the order the pages list them.
OUTCOME_ORDER = tuple(o.value for o in Outcome)
