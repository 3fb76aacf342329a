"""When to retry and how long to wait: pure decisions shared by every sync and async caller.

Nothing here performs I/O or sleeps. The retrying transports (`_transport.py`) and the
duplicate-safe create flows (`_idempotency.py`) ask these functions and do the waiting
themselves with the injected `sleep`, so tests assert the exact delays requested.

Rules (the same as the official SDK's, so users see familiar behaviour):

- retried: connection errors and timeouts; statuses 408, 409, 429 and >= 500;
- ``x-should-retry: true`` / ``false`` from the server overrides the status rule;
- the delay is the server's ``retry-after-ms``, else ``Retry-After`` (seconds, or an HTTP
  date measured against the injected clock), when it is between 0 and 60 s; a longer
  server delay stops retrying (the caller decides whether to come back later);
- otherwise capped exponential backoff: 0.5 s * 2**attempt, at most 8 s, minus up to
  25 % random jitter (so many clients do not retry in lockstep).
"""

from __future__ import annotations

import email.utils
import enum
import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final

import httpx

INITIAL_DELAY: Final = 0.5
MAX_BACKOFF: Final = 8.0
MAX_SERVER_DELAY: Final = 60.0
RETRYABLE_STATUSES: Final = frozenset({408, 409, 429})

Clock = Callable[[], float]
"""Wall-clock time in Unix seconds (``time.time``); compared with Retry-After dates and `created_at`."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Backoff parameters plus the injected clock and random source.

    >>> policy = RetryPolicy(max_retries=3, rng=random.Random(7), clock=lambda: 1_700_000_000.0)
    """

    max_retries: int = 2
    rng: random.Random = field(default_factory=random.Random)
    clock: Clock = time.time

    def backoff(self, attempt: int) -> float:
        """Delay before retry number `attempt + 1` when the server gave no hint."""
        base = min(INITIAL_DELAY * 2.0 ** min(attempt, 32), MAX_BACKOFF)
        return base * (1.0 - 0.25 * self.rng.random())

    def delay(self, attempt: int, headers: Mapping[str, str] | None) -> float | None:
        """Seconds to wait before the next attempt, or None when the server asks for more than 60 s."""
        server = server_delay(headers, self.clock) if headers is not None else None
        if server is not None:
            if server > MAX_SERVER_DELAY:
                return None
            if server >= 0:
                return server
        return self.backoff(attempt)


def server_delay(headers: Mapping[str, str], clock: Clock) -> float | None:
    """The wait the server asked for: ``retry-after-ms``, then ``Retry-After`` (seconds or HTTP date)."""
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) / divisor
        except ValueError:
            continue
        if math.isfinite(seconds):
            return seconds
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP date is always GMT; a zone-less one is read as such
        return None
    return max(when.timestamp() - clock(), 0.0)


def should_retry_status(status_code: int, headers: Mapping[str, str]) -> bool:
    """Is this error status worth another attempt? The server's ``x-should-retry`` wins."""
    hint = headers.get("x-should-retry")
    if hint == "true":
        return True
    if hint == "false":
        return False
    return status_code in RETRYABLE_STATUSES or status_code >= 500


def should_retry_error(exc: Exception) -> bool:
    """Transport failures that a second attempt can fix (not bad URLs or protocol misuse on our side)."""
    return isinstance(exc, httpx.TimeoutException | httpx.NetworkError | httpx.RemoteProtocolError)


class Outcome(enum.Enum):
    """What a failed non-idempotent request (create a batch, upload a file) may have done."""

    NOT_APPLIED = "not_applied"  # the server certainly did not act: safe to resubmit
    UNKNOWN = "unknown"  # it may have acted: look for the result before resubmitting
    FINAL = "final"  # a definite error: do not retry at all


def error_outcome(exc: Exception) -> Outcome:
    """Classify a transport failure of a request that must not be applied twice."""
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        # Failed before a single byte of the request was written.
        return Outcome.NOT_APPLIED
    if should_retry_error(exc):
        return Outcome.UNKNOWN
    return Outcome.FINAL


def status_outcome(status_code: int, headers: Mapping[str, str]) -> Outcome:
    """Classify an error status of a request that must not be applied twice."""
    if not should_retry_status(status_code, headers):
        return Outcome.FINAL
    if status_code in RETRYABLE_STATUSES:
        # 408/409/429 are refusals issued before the request is processed.
        return Outcome.NOT_APPLIED
    # 5xx (or a retry hint on another status): the server may have created it and then failed.
    return Outcome.UNKNOWN
