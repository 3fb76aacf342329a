"""A job's report as last recorded: its status with outcome counts, and its usage and cost.

One function builds it for ``openai-batch status --json`` and for the dashboard, so the two
never show different numbers. It reads the state file (and the result files it indexes) only:
no network. ``status`` polls and downloads first; the dashboard never does.

Example::

    with JobStore(".openai-batch/jobs.sqlite") as store:
        report = job_report(store, "job_0123456789abcdef")
        report.status.outcomes            # {"succeeded": 990, "failed": 10}
        report.to_dict()                  # what `openai-batch status --json` prints
"""

from __future__ import annotations

from typing import Any

import attrs

from ..pricing import PriceTable
from ._errors import JobNotFoundError
from ._harvest import outcome_counts
from ._status import JobStatus, build_status
from ._store import JobStore
from ._usage import JobUsage, job_usage

__all__ = ["JobReport", "job_report"]


@attrs.frozen
class JobReport:
    """A job's :class:`JobStatus` (with outcomes) and :class:`JobUsage`, read together.

    Example::

        report = job_report(store, job_id, prices=load_prices())
        print(report.status.status, report.usage.cost_usd)
    """

    status: JobStatus
    usage: JobUsage

    def to_dict(self) -> dict[str, Any]:
        """The ``status --json`` document: the status's fields, and ``usage``."""
        return {**self.status.to_dict(), "usage": self.usage.to_dict()}


def job_report(store: JobStore, job_id: str, prices: PriceTable | None = None) -> JobReport:
    """The job as recorded in ``store`` (raises :class:`JobNotFoundError` for an unknown id)."""
    row = store.get_job(job_id)
    if row is None:
        raise JobNotFoundError(f"no job {job_id!r} in {store.path}")
    status = build_status(row, store.shards(job_id), outcome_counts(store, job_id), store.duplicates(job_id))
    return JobReport(status=status, usage=job_usage(store, job_id, prices))
