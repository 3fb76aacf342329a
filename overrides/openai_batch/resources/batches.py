"""`client.batches`: create, retrieve, cancel and list batches.

Each operation is one flow function (module level, shared); `Batches` and
`AsyncBatches` only pick the runner. Every method takes per-call `timeout=` and
`max_retries=` overrides, except `wait`: its `timeout` is the wait's deadline (as the command
line's ``--timeout``) and each poll's HTTP timeout is `request_timeout`. Every returned batch
has its `metadata` as a plain dict, as the official SDK gives (see `_plain`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from openai_batch_api.api.batch import cancel_batch, list_batches, retrieve_batch
from openai_batch_api.models import Batch, ListBatchesResponse

from .. import _idempotency
from .._core import AsyncRuntime, Flow, HttpCall, SyncRuntime, generated_request
from .._fast_models import builder
from .._ids import require_id
from .._options import CallContext
from .._pagination import AsyncPage, PageData, SyncPage, page_data
from .._plain import plain_batch
from .._types import TimeoutTypes

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from .._event_wait import AsyncEventQueue, EventQueue
    from .._progress import BatchProgress, ProgressOption

__all__ = ["AsyncBatches", "Batches"]

# The generated parsers cost more CPU than the HTTP exchange itself: bodies are built by
# `_fast_models` (the same generated model objects, see there).
_fast_batch = builder(Batch)
_fast_list = builder(ListBatchesResponse)


def _build_batch(data: Any) -> Batch:
    return plain_batch(_fast_batch(data))


def _build_list(data: Any) -> ListBatchesResponse:
    page = _fast_list(data)
    for batch in page.data:
        plain_batch(batch)
    return page


def _create_payload(
    input_file_id: str,
    endpoint: str,
    completion_window: str,
    metadata: dict[str, str] | None,
    output_expires_after: Mapping[str, Any] | None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "input_file_id": require_id("input_file_id", input_file_id),
        "endpoint": endpoint,
        "completion_window": completion_window,
    }
    if metadata:
        payload["metadata"] = metadata
    if output_expires_after is not None:
        payload["output_expires_after"] = dict(output_expires_after)
    return payload


def _create_flow(
    runtime: SyncRuntime | AsyncRuntime,
    context: CallContext,
    input_file_id: str,
    endpoint: str,
    completion_window: str,
    metadata: Mapping[str, str] | None,
    output_expires_after: Mapping[str, Any] | None,
) -> Flow[Batch]:
    """The flow of one ``batches.create``, for either client: sent at most once (see ``_idempotency``)."""
    sent, token = _idempotency.tokenize_metadata(metadata)
    payload = _create_payload(input_file_id, endpoint, completion_window, sent, output_expires_after)
    return _idempotency.create_batch(payload, token, context.max_retries, runtime.policy)


# Retrieve, cancel and list are one request each: they run as `runtime.request(step, build)`,
# the generator-free form of the flow ``single_json(step, build)``.


def _retrieve(batch_id: str) -> HttpCall:
    return generated_request("retrieveBatch", retrieve_batch, batch_id=require_id("batch_id", batch_id))


def _cancel(batch_id: str) -> HttpCall:
    return generated_request("cancelBatch", cancel_batch, batch_id=require_id("batch_id", batch_id))


def _list_page(after: str | None, limit: int | None) -> HttpCall:
    kwargs: dict[str, Any] = {}
    if after is not None:
        kwargs["after"] = after
    if limit is not None:
        kwargs["limit"] = limit
    return generated_request("listBatches", list_batches, **kwargs)


class Batches:
    """Batch operations of a `BatchClient`, reached as ``client.batches``.

    >>> with BatchClient() as client:
    ...     batch = client.batches.create(input_file_id="file-abc", endpoint="/v1/chat/completions",
    ...                                   completion_window="24h", metadata={"job": "nightly"})
    ...     batch = client.batches.retrieve(batch.id)
    ...     for b in client.batches.list(limit=100):
    ...         print(b.id, b.status)
    """

    def __init__(self, runtime: SyncRuntime) -> None:
        self._runtime = runtime

    def create(
        self,
        *,
        input_file_id: str,
        endpoint: str,
        completion_window: str = "24h",
        metadata: Mapping[str, str] | None = None,
        output_expires_after: Mapping[str, Any] | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
    ) -> Batch:
        """Create a batch; retries never create a second one (see `_idempotency`).

        `metadata` gains the key ``openai_batch_token`` (unless it already has 16 keys).
        """
        runtime = self._runtime
        context = runtime.context(timeout, max_retries)
        flow = _create_flow(
            runtime, context, input_file_id, endpoint, completion_window, metadata, output_expires_after
        )
        return plain_batch(runtime.run("createBatch", flow, context))

    def retrieve(self, batch_id: str, *, timeout: TimeoutTypes | None = None, max_retries: int | None = None) -> Batch:
        runtime = self._runtime
        context = runtime.context(timeout, max_retries)  # options are checked before the id
        return runtime.request(_retrieve(batch_id), _build_batch, context)

    def cancel(self, batch_id: str, *, timeout: TimeoutTypes | None = None, max_retries: int | None = None) -> Batch:
        runtime = self._runtime
        context = runtime.context(timeout, max_retries)  # options are checked before the id
        return runtime.request(_cancel(batch_id), _build_batch, context)

    def list(
        self,
        *,
        limit: int | None = None,
        after: str | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
    ) -> SyncPage[Batch]:
        """All batches, newest first, fetched `limit` per request as you iterate (first page now)."""
        runtime = self._runtime

        def fetch(cursor: str | None) -> PageData[Batch]:
            body = runtime.request(_list_page(cursor, limit), _build_list, runtime.context(timeout, max_retries))
            return page_data("listBatches", body, cursor)

        return SyncPage(fetch, after)

    def wait(
        self,
        batch_id: str,
        *,
        poll_interval: float = 5.0,
        max_interval: float = 60.0,
        timeout: float | None = None,
        on_progress: Callable[[BatchProgress], None] | None = None,
        progress: ProgressOption = "auto",
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        request_timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        events: EventQueue | None = None,
        fallback_poll: float | None = 300.0,  # _polling.DEFAULT_FALLBACK_POLL, not imported until a wait
    ) -> Batch:
        """Poll until the batch is completed, failed, expired or cancelled, and return it.

        Backs off from `poll_interval` to `max_interval`, keeps polling through transient
        errors, and raises `BatchWaitTimeout` after `timeout` seconds (the wait's deadline,
        like the command line's ``--timeout``; ``None`` waits for as long as it takes). A
        progress bar is drawn when stderr is a terminal; `on_progress` is called on every poll
        either way. `request_timeout` and `max_retries` apply to each poll's HTTP request.
        With `events` (a queue of webhook `BatchEvent`s) it retrieves on start and per event
        instead of polling, falling back to a poll every `fallback_poll` seconds (None: never);
        see `wait_for_batch`.

        Example::

            batch = client.batches.wait(batch.id, timeout=3600)   # BatchWaitTimeout after an hour
        """
        # Imported here: the poller and its progress display are not needed by callers who never wait.
        from .._polling import wait_for_batch

        return wait_for_batch(
            _PerCall(self, request_timeout, max_retries),
            batch_id,
            poll_interval=poll_interval,
            max_interval=max_interval,
            deadline=timeout,
            on_progress=on_progress,
            progress=progress,
            sleep=sleep,
            clock=clock,
            events=events,
            fallback_poll=fallback_poll,
        )


class AsyncBatches:
    """Batch operations of an `AsyncBatchClient`, reached as ``client.batches``.

    >>> async with AsyncBatchClient() as client:
    ...     batch = await client.batches.retrieve("batch_abc")
    ...     async for b in client.batches.list(limit=100):
    ...         print(b.id, b.status)
    """

    def __init__(self, runtime: AsyncRuntime) -> None:
        self._runtime = runtime

    async def create(
        self,
        *,
        input_file_id: str,
        endpoint: str,
        completion_window: str = "24h",
        metadata: Mapping[str, str] | None = None,
        output_expires_after: Mapping[str, Any] | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
    ) -> Batch:
        """Create a batch; retries never create a second one (see `_idempotency`)."""
        runtime = self._runtime
        context = runtime.context(timeout, max_retries)
        flow = _create_flow(
            runtime, context, input_file_id, endpoint, completion_window, metadata, output_expires_after
        )
        return plain_batch(await runtime.run("createBatch", flow, context))

    async def retrieve(
        self, batch_id: str, *, timeout: TimeoutTypes | None = None, max_retries: int | None = None
    ) -> Batch:
        runtime = self._runtime
        context = runtime.context(timeout, max_retries)  # options are checked before the id
        return await runtime.request(_retrieve(batch_id), _build_batch, context)

    async def cancel(
        self, batch_id: str, *, timeout: TimeoutTypes | None = None, max_retries: int | None = None
    ) -> Batch:
        runtime = self._runtime
        context = runtime.context(timeout, max_retries)  # options are checked before the id
        return await runtime.request(_cancel(batch_id), _build_batch, context)

    def list(
        self,
        *,
        limit: int | None = None,
        after: str | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
    ) -> AsyncPage[Batch]:
        """All batches, newest first; nothing is fetched until you `await` or `async for` the page."""
        runtime = self._runtime

        async def fetch(cursor: str | None) -> PageData[Batch]:
            body = await runtime.request(_list_page(cursor, limit), _build_list, runtime.context(timeout, max_retries))
            return page_data("listBatches", body, cursor)

        return AsyncPage(fetch, after)

    async def wait(
        self,
        batch_id: str,
        *,
        poll_interval: float = 5.0,
        max_interval: float = 60.0,
        timeout: float | None = None,
        on_progress: Callable[[BatchProgress], None] | None = None,
        progress: ProgressOption = "auto",
        sleep: Callable[[float], Awaitable[None]] | None = None,
        clock: Callable[[], float] | None = None,
        request_timeout: TimeoutTypes | None = None,
        max_retries: int | None = None,
        events: AsyncEventQueue | None = None,
        fallback_poll: float | None = 300.0,  # _polling.DEFAULT_FALLBACK_POLL, not imported until a wait
    ) -> Batch:
        """The async twin of `Batches.wait`: `timeout` is the wait's deadline, `request_timeout` each poll's.

        `events` is an ``asyncio.Queue`` of webhook `BatchEvent`s (see `Batches.wait`).
        """
        from .._polling import async_wait_for_batch

        return await async_wait_for_batch(
            _PerCall(self, request_timeout, max_retries),
            batch_id,
            poll_interval=poll_interval,
            max_interval=max_interval,
            deadline=timeout,
            on_progress=on_progress,
            progress=progress,
            sleep=sleep,
            clock=clock,
            events=events,
            fallback_poll=fallback_poll,
        )


class _PerCall:
    """A batches resource as a wait sees it: ``retrieve(batch_id)``, with the wait's per-request options.

    One class serves both clients: for ``AsyncBatches`` the retrieve it returns is awaitable,
    and the async runner awaits it.
    """

    def __init__(self, batches: Batches | AsyncBatches, timeout: TimeoutTypes | None, max_retries: int | None) -> None:
        self._batches = batches
        self._timeout = timeout
        self._max_retries = max_retries

    def retrieve(self, batch_id: str) -> Any:
        return self._batches.retrieve(batch_id, timeout=self._timeout, max_retries=self._max_retries)
