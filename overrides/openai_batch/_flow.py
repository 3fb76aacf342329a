"""Flows and their two runners: I/O written once, for a sync and an async client (sans-IO, as ``_core``).

An operation that needs several calls, waits or downloads is written once, as a *flow*: a
generator that yields the I/O it needs as a step and receives the result::

    def poll(batch_id):                                   # a flow
        batch = yield Call("batches", "retrieve", (batch_id,))
        return batch.status

:func:`run_sync` performs the steps with a :class:`~openai_batch.BatchClient` and a blocking
sleep; :func:`run_async` awaits them with an :class:`~openai_batch.AsyncBatchClient`. A step
that raises is thrown back into the flow (``generator.throw``), so recovery ("a lost answer:
look the batch up before creating it again") is also written once. The runners are the only
code that exists twice, and they only dispatch.

It sits below the resources, beside ``_core`` (which does the same for one HTTP exchange):
a single batch's wait (``_polling``) and the job engine (``workflow._engine``) both run here.
Local work (the state file, reading the input, writing result files) stays inside the flows:
it is the same on both sides and runs on the caller's thread.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias, TypeVar

from ._event_wait import AsyncEventQueue, EventQueue, drain, next_event, next_event_async

__all__ = [
    "Call",
    "Flow",
    "LockWait",
    "Pause",
    "Step",
    "Stream",
    "TakeEvents",
    "Walk",
    "run_async",
    "run_sync",
]

T = TypeVar("T")

Api: TypeAlias = Literal["batches", "files"]


@dataclass(frozen=True, slots=True)
class Call:
    """Step: ``client.<api>.<method>(*args, **kwargs)``; the result is what the client returns."""

    api: Api
    method: str
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Walk:
    """Step: iterate ``client.<api>.list(**kwargs)`` (newest first) while ``keep(item)`` says go on.

    The decision of where to stop is the flow's (``keep`` is pure bookkeeping); only the
    paging is the runner's. The result is None: ``keep`` collects what it wants.
    """

    api: Api
    kwargs: Mapping[str, Any]
    keep: Callable[[Any], bool]


@dataclass(frozen=True, slots=True)
class Stream:
    """Step: feed the bytes of file ``file_id`` to ``consume``, chunk by chunk, as they arrive."""

    file_id: str
    consume: Callable[[bytes], object]


@dataclass(frozen=True, slots=True)
class Pause:
    """Step: wait ``seconds`` with the caller's (injectable) sleep."""

    seconds: float


@dataclass(frozen=True, slots=True)
class TakeEvents:
    """Step: wait up to ``timeout`` seconds (None: until one comes) for webhook events; all queued ones."""

    timeout: float | None


@dataclass(frozen=True, slots=True)
class LockWait:
    """Step: another process holds the job's send lock; wait a moment (real time) before trying again."""

    seconds: float = 0.05


Step: TypeAlias = Call | Walk | Stream | Pause | TakeEvents | LockWait
Flow: TypeAlias = Generator[Step, Any, T]


def _drive(flow: Flow[T], answer: Any, error: BaseException | None) -> tuple[bool, Any]:
    """Advance ``flow`` with the last step's answer (or error): (True, result) when it returned."""
    try:
        step = flow.throw(error) if error is not None else flow.send(answer)
    except StopIteration as stop:
        return True, stop.value
    return False, step


def run_sync(
    flow: Flow[T],
    client: Any,
    *,
    sleep: Callable[[float], None] | None = None,
    events: EventQueue | None = None,
) -> T:
    """Run ``flow`` to its end with a sync client; ``sleep`` serves :class:`Pause` (default ``time.sleep``)."""
    pause = sleep or time.sleep
    answer: Any = None
    error: BaseException | None = None
    while True:
        done, value = _drive(flow, answer, error)
        if done:
            return value  # type: ignore[no-any-return]
        answer, error = None, None
        try:
            answer = _perform_sync(value, client, pause, events)
        except Exception as exc:
            error = exc


def _perform_sync(step: Step, client: Any, pause: Callable[[float], None], events: EventQueue | None) -> Any:
    if isinstance(step, Call):
        return getattr(getattr(client, step.api), step.method)(*step.args, **step.kwargs)
    if isinstance(step, Walk):
        for item in getattr(client, step.api).list(**step.kwargs):
            if not step.keep(item):
                break
        return None
    if isinstance(step, Stream):
        for chunk in client.files.content(step.file_id).iter_bytes():
            step.consume(chunk)
        return None
    if isinstance(step, Pause):
        pause(step.seconds)
        return None
    if isinstance(step, TakeEvents):
        assert events is not None, "an event wait without an event queue"
        return drain(events, next_event(events, step.timeout))
    time.sleep(step.seconds)  # LockWait: another process is sending; real time, not the test's clock
    return None


async def run_async(
    flow: Flow[T],
    client: Any,
    *,
    sleep: Callable[[float], Awaitable[None]] | None = None,
    events: AsyncEventQueue | None = None,
) -> T:
    """Run ``flow`` to its end with an async client; ``sleep`` serves :class:`Pause` (default ``anyio.sleep``)."""
    import anyio

    pause = sleep or anyio.sleep
    answer: Any = None
    error: BaseException | None = None
    while True:
        done, value = _drive(flow, answer, error)
        if done:
            return value  # type: ignore[no-any-return]
        answer, error = None, None
        try:
            answer = await _perform_async(value, client, pause, events)
        except Exception as exc:
            error = exc


async def _perform_async(
    step: Step, client: Any, pause: Callable[[float], Awaitable[None]], events: AsyncEventQueue | None
) -> Any:
    import anyio

    if isinstance(step, Call):
        return await getattr(getattr(client, step.api), step.method)(*step.args, **step.kwargs)
    if isinstance(step, Walk):
        async for item in getattr(client, step.api).list(**step.kwargs):
            if not step.keep(item):
                break
        return None
    if isinstance(step, Stream):
        async for chunk in client.files.content(step.file_id).iter_bytes():
            step.consume(chunk)
        return None
    if isinstance(step, Pause):
        await pause(step.seconds)
        return None
    if isinstance(step, TakeEvents):
        assert events is not None, "an event wait without an event queue"
        return await next_event_async(events, step.timeout, pause)
    await anyio.sleep(step.seconds)
    return None
