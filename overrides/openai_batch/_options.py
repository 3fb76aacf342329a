"""Per-call options (timeout, max_retries) carried from a resource method down to the transport.

The generated endpoint functions take no timeout or extensions argument, and the
shared `httpx.Client` must not be mutated per call (another thread or task may be
using it). So a call publishes its options in a `ContextVar` for its duration and the
retrying transport, which sees every request, reads them:

- `max_retries` bounds the transport's retry loop for this call;
- `timeout` replaces the request's ``timeout`` extension, which httpcore honours.

A ContextVar is per thread and per asyncio/trio task, so concurrent calls never see each
other's options. The transport also records the last response it returned in the
call's context, so a body that fails to parse can be attached to the error raised.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import httpx


@dataclass(slots=True)
class CallContext:
    """What one public call asked for, plus what its transport saw.

    `max_retries` is the call's budget; `transport_retries` is what the transport may
    spend on the step in flight (0 while a duplicate-safe flow does its own retrying).
    """

    timeout: httpx.Timeout
    max_retries: int
    transport_retries: int = -1
    last_response: httpx.Response | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.transport_retries < 0:
            self.transport_retries = self.max_retries


# Public to the runners in `_core`, which set and reset it directly on their hot path:
# `call_scope` is the same two calls plus a generator-based context manager around them.
CURRENT_CALL: ContextVar[CallContext | None] = ContextVar("openai_batch_call", default=None)


def current_call() -> CallContext | None:
    return CURRENT_CALL.get()


@contextmanager
def call_scope(context: CallContext) -> Iterator[CallContext]:
    """Publish `context` to the transport while the body runs (never across a `yield` to user code)."""
    token = CURRENT_CALL.set(context)
    try:
        yield context
    finally:
        CURRENT_CALL.reset(token)
