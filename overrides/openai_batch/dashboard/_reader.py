"""The dashboard's one reader of the state file, on one thread of its own.

SQLite connections belong to the thread that opened them, and reading a job (joining its
results to count outcomes) is the expensive part of a page, so every read goes through one
worker thread that owns the :class:`JobStore` and keeps each job's figures until something
about that job changes. ``PRAGMA data_version`` tells cheaply whether another process (a
``submit --wait``) committed since the last look; only then are the jobs' fingerprints
compared, and only changed jobs are read again.

The reader never writes what the job engine owns. Reading usage may store the per-file
token sums (a cache of the result files, exactly as ``openai-batch status`` does).

Example::

    reader = StateReader(Path(".openai-batch/jobs.sqlite"), prices=load_prices())
    summaries = await reader.run(reader.summaries)
    reader.close()
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import attrs

from ..pricing import CostEstimate, PriceTable
from ..workflow._store import JobStore
from ._views import JobPage, JobSummary, input_estimate, job_page, job_summary

__all__ = ["StateReader"]

_T = TypeVar("_T")


class StateReader:
    """Reads jobs from a state file on one worker thread; ``await reader.run(reader.summaries)``.

    A state file that does not exist yet reads as no jobs (and is not created): the
    dashboard may be started before the first ``submit``.
    """

    def __init__(self, path: Path, *, prices: PriceTable) -> None:
        self.path = path
        self._prices = prices
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="dashboard-state")
        self._store: JobStore | None = None
        self._summaries: dict[str, tuple[tuple[Any, ...], JobSummary]] = {}
        self._estimates: dict[str, CostEstimate | None] = {}

    async def run(self, function: Callable[..., _T], *args: Any) -> _T:
        """Call ``function(*args)`` on the reader's thread (where every method below must run)."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    def close(self) -> None:
        def shut() -> None:
            if self._store is not None:
                self._store.close()
                self._store = None

        self._executor.submit(shut).result()
        self._executor.shutdown(wait=True)

    # --- on the reader's thread ---------------------------------------------------------
    def _open(self) -> JobStore | None:
        if self._store is None and self.path.exists():
            self._store = JobStore(self.path)
        return self._store

    def version(self) -> int:
        """Changes when another process commits to the state file (-1 while it does not exist)."""
        store = self._open()
        return -1 if store is None else store.data_version()

    def _fingerprint(self, store: JobStore, job_id: str) -> tuple[Any, ...]:
        # What a job's figures depend on: its shards, its stored results and summed files, its polls,
        # and the copies given up for another sender's (they leave the usage and the timeline).
        return (
            repr([attrs.astuple(s) for s in store.shards(job_id)]),
            store.result_count(job_id),
            len(store.result_files(job_id)),
            store.poll_samples(job_id)[-1:],
            len(store.duplicates(job_id)),
        )

    def _summary(self, store: JobStore, job_id: str) -> JobSummary | None:
        row = store.get_job(job_id)
        if row is None:
            return None
        key = (self._fingerprint(store, job_id), repr(row))
        cached = self._summaries.get(job_id)
        if cached is not None and cached[0] == key:
            return cached[1]
        if job_id not in self._estimates:
            self._estimates[job_id] = input_estimate(row, self._prices)
        summary = job_summary(store, row, self._prices, self._estimates[job_id])
        self._summaries[job_id] = (key, summary)
        return summary

    def summaries(self) -> list[JobSummary]:
        """Every job of the state file, newest first."""
        store = self._open()
        if store is None:
            return []
        rows = sorted(store.list_jobs(), key=lambda row: row.created_at, reverse=True)
        return [s for s in (self._summary(store, row.job_id) for row in rows) if s is not None]

    def page(self, job_id: str) -> JobPage | None:
        """The job's page, or None when the state file holds no such job."""
        store = self._open()
        summary = None if store is None else self._summary(store, job_id)
        return None if store is None or summary is None else job_page(store, summary)

    def report(self, job_id: str) -> dict[str, Any] | None:
        """The job's ``openai-batch status --json`` document, or None when there is no such job."""
        summary = None
        store = self._open()
        if store is not None:
            summary = self._summary(store, job_id)
        return None if summary is None else summary.report.to_dict()
