"""httpx's default transports, built on the first request rather than with the client.

Building an ``httpx.HTTPTransport`` loads the system's certificate store into a TLS
context, a few tens of milliseconds; a command that opens a client but finds everything it
needs in the local state (``status`` or ``results`` of a finished job) never sends a
request, so it should not pay for one.

Example::

    transport = LazyTransport()            # nothing built yet
    transport.handle_request(request)      # builds httpx.HTTPTransport(), then sends
"""

from __future__ import annotations

import threading

import httpx

__all__ = ["AsyncLazyTransport", "LazyTransport"]


class LazyTransport(httpx.BaseTransport):
    """An ``httpx.HTTPTransport()`` made on the first request (see the module's docstring)."""

    def __init__(self) -> None:
        self._inner: httpx.HTTPTransport | None = None
        self._lock = threading.Lock()

    def _transport(self) -> httpx.HTTPTransport:
        with self._lock:
            if self._inner is None:
                self._inner = httpx.HTTPTransport()
            return self._inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        inner = self._inner or self._transport()
        return inner.handle_request(request)

    def close(self) -> None:
        if self._inner is not None:
            self._inner.close()


class AsyncLazyTransport(httpx.AsyncBaseTransport):
    """An ``httpx.AsyncHTTPTransport()`` made on the first request (one event loop: no lock needed).

    Example::

        transport = AsyncLazyTransport()
        response = await transport.handle_async_request(request)
    """

    def __init__(self) -> None:
        self._inner: httpx.AsyncHTTPTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._inner is None:
            self._inner = httpx.AsyncHTTPTransport()
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        if self._inner is not None:
            await self._inner.aclose()
