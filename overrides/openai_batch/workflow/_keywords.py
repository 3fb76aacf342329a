"""The keyword options of a job's ``submit``/``prepare`` and ``wait``, listed once.

:class:`~._job.Job` and :class:`~._asyncjob.AsyncJob` take the same options, and a job's
records read them in one place (``JobCore``). Written out in every signature they were five
copies that drifted apart one edit at a time. Here each list is a ``TypedDict`` that the
methods take as ``**options: Unpack[...]`` (PEP 692): a type checker still checks every
keyword's name and type where it is written, editors still complete them, and
:func:`check_keywords` refuses a misspelt one at run time, as a plain signature would.
Defaults are applied where the options are read (``JobCore._prepared``, ``WaitOptions``); the
comments below give them.

Example::

    options: JobOptions = {"endpoint": "/v1/chat/completions", "max_attempts": 2}
    job = Job.submit(client, "requests.jsonl", **options)
    job.wait(**WaitKeywords(poll_interval=10.0, progress="auto"))
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from .._progress import BatchProgress, ProgressOption

if TYPE_CHECKING:
    from ..pricing import PriceTable
    from ._limits import BatchLimits
    from ._queue import QueuePolicy
    from ._store import JobStore

# ``Unpack`` goes with the options: ``**options: Unpack[JobOptions]`` is how they are taken.
__all__ = ["JobOptions", "Unpack", "WaitKeywords", "check_keywords"]


class JobOptions(TypedDict, total=False):
    """What defines and bounds a job: the options of ``Job.submit``/``prepare`` and ``AsyncJob``'s.

    Example::

        job = Job.submit(client, "requests.jsonl", **JobOptions(state="jobs.sqlite", max_cost=25.0))
    """

    endpoint: str | None  # None: the endpoint the input's first line names
    completion_window: str  # "24h"
    metadata: Mapping[str, str] | None  # tags on every batch, besides the job's own
    state: str | os.PathLike[str] | JobStore | None  # None: .openai-batch/jobs.sqlite
    limits: BatchLimits | None  # None: the Batch API's limits per batch (DEFAULT_LIMITS)
    output_expires_after: Mapping[str, Any] | None  # None: the service's default expiry
    new: bool  # False; True starts another job for the same input
    job_id: str | None  # resume this job (one that new=True started)
    queue: QueuePolicy | None  # None: QueuePolicy(), limits learnt from the service
    max_attempts: int  # DEFAULT_MAX_ATTEMPTS (3) sends of a request, in all
    max_cost: float | None  # USD; None: no cap
    prices: PriceTable | None  # None: the shipped price table


class WaitKeywords(TypedDict, total=False):
    """How a job's wait polls, shows progress and stops: the options of ``Job.wait`` and ``AsyncJob.wait``.

    (``sleep`` and ``events`` are taken beside these: their types differ between sync and async.)

    Example::

        job.wait(**WaitKeywords(poll_interval=10.0, deadline=3600.0, progress="auto"))
    """

    poll_interval: float  # 5.0 seconds, growing by backoff while nothing changes
    max_interval: float  # 60.0 seconds
    backoff: float  # 1.5
    deadline: float | None  # None: wait as long as it takes
    clock: Callable[[], float] | None  # None: time.monotonic
    on_progress: Callable[[BatchProgress], None] | None
    progress: ProgressOption  # None: no bar
    download: bool  # True: store each batch's results as it finishes
    fallback_poll: float | None  # DEFAULT_FALLBACK_POLL (300.0); None: never poll on events


def check_keywords(options: Mapping[str, object], allowed: type[Any], where: str) -> None:
    """Raise TypeError, as Python does for a plain signature, for a keyword ``allowed`` (a TypedDict) lacks."""
    known: frozenset[str] = allowed.__optional_keys__ | allowed.__required_keys__
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(f"{where}() got an unexpected keyword argument {unknown[0]!r}")
