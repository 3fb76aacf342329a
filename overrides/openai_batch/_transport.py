"""Retrying httpx transports: every request the client sends passes through one of these.

`RetryTransport` / `AsyncRetryTransport` wrap the real (or injected) transport. Living
below `httpx.Client`, they retry the generated endpoint functions and the hand-written
calls alike, after httpx has applied auth, so a retried request is re-sent exactly as
built. Both drive the same sans-IO `_Attempts` object; only the send and the sleep
differ between them.

A request is retried only when its body can be replayed (`httpx.ByteStream`: JSON,
empty bodies). Streamed uploads and batch creation are not retried here: the flows in
`_idempotency.py` resubmit them after checking that the first attempt did not land.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import httpx

from ._logging import logger, redact_headers
from ._options import current_call
from ._retry import RetryPolicy, should_retry_error, should_retry_status
from ._secret import Secret

SyncSleep = Callable[[float], None]
AsyncSleep = Callable[[float], Awaitable[None]]


class _Attempts:
    """Retry bookkeeping for one request: decides, logs, and records; never sends or sleeps."""

    __slots__ = ("attempt", "context", "max_retries", "policy", "request", "secret")

    def __init__(self, request: httpx.Request, policy: RetryPolicy, secret: Secret) -> None:
        self.request = request
        self.policy = policy
        self.secret = secret
        self.attempt = 0
        self.context = current_call()
        if self.context is not None:
            self.max_retries = self.context.transport_retries
            # httpcore reads the per-request timeout from this extension.
            request.extensions["timeout"] = self.context.timeout.as_dict()
        else:
            self.max_retries = policy.max_retries
        if not isinstance(request.stream, httpx.ByteStream):
            # A streamed body (file upload) may be half-consumed: never replay it here.
            self.max_retries = 0

    def sending(self) -> None:
        if logger.isEnabledFor(logging.DEBUG):  # skip building the header dict when off
            logger.debug(
                "HTTP %s %s attempt %d/%d headers=%s",
                self.request.method,
                self.request.url,
                self.attempt + 1,
                self.max_retries + 1,
                redact_headers(self.request.headers.items()),
            )

    def after_error(self, exc: Exception) -> float | None:
        """Delay before retrying after a transport failure, or None to raise it."""
        if self.attempt >= self.max_retries or not should_retry_error(exc):
            return None
        delay = self.policy.backoff(self.attempt)
        self._retrying(f"{type(exc).__name__}: {self.secret.scrub(str(exc))}", delay)
        return delay

    def after_response(self, response: httpx.Response) -> float | None:
        """Delay before retrying after this response, or None to return it."""
        headers = response.headers
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "HTTP %s %s -> %d request_id=%s",
                self.request.method,
                self.request.url,
                response.status_code,
                headers.get("x-request-id"),
            )
        status = response.status_code
        if status < 400 or self.attempt >= self.max_retries or not should_retry_status(status, headers):
            self._final(response)
            return None
        delay = self.policy.delay(self.attempt, headers)
        if delay is None:
            logger.info(
                "Not retrying %s %s: the server asked to wait more than 60 s", self.request.method, self.request.url
            )
            self._final(response)
            return None
        self._retrying(f"HTTP {status}", delay)
        return delay

    def _final(self, response: httpx.Response) -> None:
        if self.context is not None:
            self.context.last_response = response

    def _retrying(self, reason: str, delay: float) -> None:
        self.attempt += 1
        logger.info(
            "Retrying %s %s in %.3f s (retry %d of %d) after %s",
            self.request.method,
            self.request.url,
            delay,
            self.attempt,
            self.max_retries,
            reason,
        )


class RetryTransport(httpx.BaseTransport):
    """Wraps a sync transport with retries, backoff and per-call options.

    >>> transport = RetryTransport(httpx.HTTPTransport(), RetryPolicy(max_retries=2), Secret("sk-..."), time.sleep)
    >>> httpx.Client(transport=transport)
    """

    def __init__(self, inner: httpx.BaseTransport, policy: RetryPolicy, secret: Secret, sleep: SyncSleep) -> None:
        self._inner = inner
        self._policy = policy
        self._secret = secret
        self._sleep = sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        attempts = _Attempts(request, self._policy, self._secret)
        while True:
            attempts.sending()
            try:
                response = self._inner.handle_request(request)
            except Exception as exc:
                delay = attempts.after_error(exc)
                if delay is None:
                    raise
            else:
                delay = attempts.after_response(response)
                if delay is None:
                    return response
                _discard(response)
            self._sleep(delay)

    def close(self) -> None:
        self._inner.close()


class AsyncRetryTransport(httpx.AsyncBaseTransport):
    """The async twin of `RetryTransport` (same decisions, awaited send and sleep)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, policy: RetryPolicy, secret: Secret, sleep: AsyncSleep) -> None:
        self._inner = inner
        self._policy = policy
        self._secret = secret
        self._sleep = sleep

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        attempts = _Attempts(request, self._policy, self._secret)
        while True:
            attempts.sending()
            try:
                response = await self._inner.handle_async_request(request)
            except Exception as exc:
                delay = attempts.after_error(exc)
                if delay is None:
                    raise
            else:
                delay = attempts.after_response(response)
                if delay is None:
                    return response
                await _adiscard(response)
            await self._sleep(delay)

    async def aclose(self) -> None:
        await self._inner.aclose()


def _discard(response: httpx.Response) -> None:
    # Reading the (small) error body first lets the connection go back to the pool.
    try:
        response.read()
    except httpx.HTTPError:
        pass
    finally:
        response.close()


async def _adiscard(response: httpx.Response) -> None:
    try:
        await response.aread()
    except httpx.HTTPError:
        pass
    finally:
        await response.aclose()
