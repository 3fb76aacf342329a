"""Wait out transient faults within a job's deadline; let permanent errors through at once.

A job's run should finish the job: a reset connection, a 429, a 5xx or a lost answer is
waited out (with backoff, up to the deadline) instead of ending the command. Only a
permanent error (a 4xx other than 408/409/429, invalid input) or the deadline stops it.
An API that cannot be reached at all (connection refused, a name that does not resolve)
while nothing of the job has been sent is given a short minute, not the whole deadline:
it is almost always a wrong address, and the run can simply be started again.
The client below already retries each call a few times; this is the job-level patience
above it, for faults that outlast those retries.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from .._exceptions import APIConnectionError, APIStatusError
from ._engine import Flow, Pause

__all__ = ["DEFAULT_SEND_PATIENCE", "DEFAULT_UNREACHABLE_PATIENCE", "Patience", "is_transient", "is_unreachable"]

logger = logging.getLogger("openai_batch.workflow")

T = TypeVar("T")

#: How long sending waits out transient faults when the caller gives no deadline (seconds).
DEFAULT_SEND_PATIENCE = 900.0

#: How long a job that has sent nothing yet keeps trying an API it cannot connect to (seconds):
#: with the client's own retries of the last try (and slow name look-ups) the command ends within a minute.
DEFAULT_UNREACHABLE_PATIENCE = 50.0

_RETRYABLE_STATUSES = frozenset({408, 409, 429})


def is_transient(exc: BaseException) -> bool:
    """Whether the same call may succeed later: connection faults, timeouts, 408, 409, 429, 5xx."""
    if isinstance(exc, APIConnectionError):
        return True
    if isinstance(exc, APIStatusError):
        return exc.status_code in _RETRYABLE_STATUSES or exc.status_code >= 500
    return False


def is_unreachable(exc: BaseException) -> bool:
    """Whether no connection could be opened (refused, unresolved name): the request reached nobody."""
    return isinstance(exc, APIConnectionError) and bool(getattr(exc, "unreachable", False))


def _unreachable_error(exc: APIConnectionError, elapsed: float) -> APIConnectionError:
    """``exc`` said once, on one line, with the URL it could not reach and what that means for the job."""
    where = "the API"
    if exc.request is not None:
        url = exc.request.url
        where = f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}{url.path}"
    reason = str(exc).split(": ", 1)[-1]  # the operation is named by the URL already
    error = APIConnectionError(
        f"cannot reach {where} ({reason}); gave up after {elapsed:.0f}s, nothing of the job was sent",
        operation=exc.operation,
        request=exc.request,
        unreachable=True,
    )
    return error


class Patience:
    """Backoff and a deadline for one run of a job: ``call`` retries a step through transient faults.

    It decides; it does no I/O. Its waits are :class:`~._engine.Pause` steps, so the same
    patience serves the sync and the async runner.

    Example::

        patience = Patience(deadline=3600)
        batch = yield from patience.call("retrieving batch_abc", lambda: retrieve("batch_abc"))
    """

    def __init__(
        self,
        *,
        deadline: float | None = DEFAULT_SEND_PATIENCE,
        clock: Callable[[], float] | None = None,
        first_delay: float = 1.0,
        max_delay: float = 30.0,
        nothing_sent: Callable[[], bool] | None = None,
        unreachable: float = DEFAULT_UNREACHABLE_PATIENCE,
    ) -> None:
        # ``nothing_sent`` says whether the job has sent nothing yet (None: treat it as sent).
        # While it holds, an unreachable API is tried for ``unreachable`` seconds only.
        self._nothing_sent = nothing_sent
        self._unreachable = unreachable
        self._clock = clock or time.monotonic
        self._started = self._clock()
        self._deadline = deadline
        self._first_delay = first_delay
        self._max_delay = max_delay
        self.waits = 0

    def remaining(self) -> float | None:
        if self._deadline is None:
            return None
        return self._deadline - (self._clock() - self._started)

    def pause(self, what: str, exc: BaseException, attempt: int) -> Flow[None]:
        """Wait before trying ``what`` again after the transient ``exc``; re-raise it if time is up."""
        delay = min(self._first_delay * 2 ** min(attempt, 10), self._max_delay)
        remaining = self.remaining()
        if remaining is not None:
            if remaining <= 0:
                raise exc
            delay = min(delay, remaining)
        level = logging.WARNING
        if self._nothing_sent is not None and is_unreachable(exc) and self._nothing_sent():
            assert isinstance(exc, APIConnectionError)
            elapsed = self._clock() - self._started
            if elapsed >= self._unreachable:
                raise _unreachable_error(exc, elapsed) from None
            delay = min(delay, self._unreachable - elapsed)
            # One warning says what is tried; the command's own error says when it gives up.
            level = logging.WARNING if self.waits == 0 else logging.INFO
        logger.log(level, "%s failed (%s: %s); trying again in %.0fs", what, type(exc).__name__, exc, delay)
        self.waits += 1
        yield Pause(delay)

    def call(self, what: str, step: Callable[[], Flow[T]]) -> Flow[T]:
        """The flow ``step()``, run again after each transient fault until it succeeds or time is up."""
        attempt = 0
        while True:
            try:
                return (yield from step())
            except Exception as exc:
                if not is_transient(exc):
                    raise
                yield from self.pause(what, exc, attempt)
                attempt += 1
