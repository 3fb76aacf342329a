"""Test hook: kill the process at a named point of a job, to prove resume loses and repeats nothing.

Set ``OPENAI_BATCH_TEST_CRASH_AT`` to ``point`` or ``point:N`` (several, comma-separated) and
the job SIGKILLs its own process the N-th time (default 1st) it reaches ``point``: no
``finally``, no flush, exactly like ``kill -9``. Points: ``after_shard``, ``before_upload``,
``after_upload``, ``after_upload_record``, ``before_batch_create``, ``after_batch_create``,
``after_batch_record``, ``during_download`` (counted per result line stored),
``after_download``. Unset (always, outside tests) it costs one environment lookup.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

__all__ = ["CRASH_ENV", "crash_point"]

CRASH_ENV = "OPENAI_BATCH_TEST_CRASH_AT"

_reached: Counter[str] = Counter()


def crash_point(name: str, count: int = 1) -> None:
    """Mark reaching ``name`` (``count`` times at once); die here if the test hook asks for it."""
    spec = os.environ.get(CRASH_ENV)
    if not spec:
        return
    before = _reached[name]
    _reached[name] += count
    for entry in spec.split(","):
        point, _, nth = entry.strip().partition(":")
        if point == name and before < int(nth or "1") <= _reached[name]:
            os.kill(os.getpid(), signal.SIGKILL)
