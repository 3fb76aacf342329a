"""httpx's default transports, built on the first request rather than with the client.

Building an ``httpx.HTTPTransport`` loads the system's certificate store into a TLS
context, a few tens of milliseconds; a command that opens a client but finds everything it
needs in the local state (``status`` or ``results`` of a finished job) never sends a
request, so it should not pay for one.

For the same reason a plain ``http://`` request (a local server, a compatible service on a
private network) goes through a transport of its own whose TLS context loads no certificate:
plain HTTP never uses one. That context still requires a verified certificate, so it fails
closed: were it ever asked for a TLS connection it would refuse every server. Every other
request (``https://``) goes through the default transport, which verifies as httpx always does.

Example::

    transport = LazyTransport()            # nothing built yet
    transport.handle_request(request)      # builds httpx.HTTPTransport() (for https), then sends
"""

from __future__ import annotations

import ssl
import threading

import httpx

__all__ = ["AsyncLazyTransport", "LazyTransport"]


def _plain(request: httpx.Request) -> bool:
    return request.url.scheme == "http"


def _no_certificates() -> ssl.SSLContext:
    """A client TLS context that trusts no certificate at all (verification stays required)."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class LazyTransport(httpx.BaseTransport):
    """``httpx.HTTPTransport()`` made on the first request, one for plain HTTP (see the module's docstring)."""

    def __init__(self) -> None:
        self._inner: httpx.HTTPTransport | None = None
        self._plain: httpx.HTTPTransport | None = None
        self._lock = threading.Lock()

    def _transport(self, plain: bool) -> httpx.HTTPTransport:
        with self._lock:
            if plain:
                if self._plain is None:
                    self._plain = httpx.HTTPTransport(verify=_no_certificates())
                return self._plain
            if self._inner is None:
                self._inner = httpx.HTTPTransport()
            return self._inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        plain = _plain(request)
        inner = (self._plain if plain else self._inner) or self._transport(plain)
        return inner.handle_request(request)

    def close(self) -> None:
        for inner in (self._inner, self._plain):
            if inner is not None:
                inner.close()


class AsyncLazyTransport(httpx.AsyncBaseTransport):
    """``httpx.AsyncHTTPTransport()`` made on the first request (one event loop: no lock needed).

    Example::

        transport = AsyncLazyTransport()
        response = await transport.handle_async_request(request)
    """

    def __init__(self) -> None:
        self._inner: httpx.AsyncHTTPTransport | None = None
        self._plain: httpx.AsyncHTTPTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if _plain(request):
            if self._plain is None:
                self._plain = httpx.AsyncHTTPTransport(verify=_no_certificates())
            return await self._plain.handle_async_request(request)
        if self._inner is None:
            self._inner = httpx.AsyncHTTPTransport()
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        for inner in (self._inner, self._plain):
            if inner is not None:
                await inner.aclose()
