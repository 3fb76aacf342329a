"""A fault-injecting HTTP proxy for wire tests: real faults on a real socket, in front of any server.

The local server can fault its own requests (`/v1/_admin/faults`), but a client meets most faults
between itself and the service: a connection reset, an answer lost after the service acted, a
gateway's 502, a download cut short by a proxy that did not frame the body. `FaultProxy` puts
those on the wire, in front of an unmodified upstream (usually `openai_batch.server.LocalServer`).

Every request is forwarded to the upstream, bodies streamed both ways. With probability `rate`
per request (a seeded `random.Random`, so one request sequence always meets the same faults) one
fault kind from `kinds` is applied instead:

======================  ===============================================================================
``"reset"``             the connection is reset (RST) before anything is forwarded: the upstream
                        never sees the request
``"lost_answer"``       the request is forwarded and carried out (the upstream's whole answer is read),
                        then the connection is closed without a byte of answer
``"429"``               429 with ``Retry-After`` / ``retry-after-ms`` of `retry_after` seconds, not forwarded
``"5xx"``               500, 502 or 503 (chosen by the same RNG), not forwarded
``"5xx_after"``         forwarded and carried out, then answered with 500, 502 or 503 instead
``"cut_line"``          ``GET /v1/files/{id}/content`` only: a 200 without Content-Length (chunked),
                        ended cleanly after the last whole line before a random point of the file
``"cut_mid"``           the same, ended cleanly in the middle of a line
======================  ===============================================================================

A cut download ends with a well-formed final chunk, so httpx raises nothing: the client sees a
clean 200 whose body is a strict prefix of the file. A cut kind drawn for any other request, or
for a content answer that is not a 200 of at least 2 bytes, falls back to the other kinds
(the request kinds where it applies are known before the draw, so it is never wasted).

Counters (`stats()`) are kept per request kind (``"POST /v1/files"``, ``"GET /v1/batches/{id}"``,
``"GET /v1/files/{id}/content"``...: the method and the path with ids replaced by ``{id}``) and
per fault kind. Requests under ``/v1/_admin`` are forwarded and never faulted.

Caps keep a test from livelocking: `max_faults` bounds the faults of the proxy's lifetime,
`max_in_a_row` the consecutive faults of one request kind (the next one of that kind passes);
`exclude` / `only` choose the request kinds that may be faulted; `active = False` pauses faults.

Example::

    with LocalServer(speed=1000) as server, FaultProxy(server.base_url, rate=0.3, seed=7) as proxy:
        with BatchClient(api_key="sk-test", base_url=proxy.base_url, sleep=lambda s: None) as client:
            ...
        stats = proxy.stats()
        print(stats.faults["lost_answer"], stats.requests["POST /v1/batches"])
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Final
from urllib.parse import urlsplit

import httpx
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

FAULT_KINDS: Final = ("reset", "lost_answer", "429", "5xx", "5xx_after", "cut_line", "cut_mid")
CUT_KINDS: Final = frozenset({"cut_line", "cut_mid"})
CONTENT_KIND: Final = "GET /v1/files/{id}/content"
ADMIN_PREFIX: Final = "/v1/_admin"
SERVER_ERRORS: Final = (500, 502, 503)

# Hop-by-hop headers (RFC 9110 7.6.1) belong to one connection and are never forwarded; the
# proxy also sets its own Host and asks for an identity body, so a cut counts the file's bytes.
_HOP_BY_HOP: Final = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"host",
        b"accept-encoding",
    }
)
_DROPPED_RESPONSE: Final = frozenset({b"connection", b"keep-alive", b"transfer-encoding", b"date", b"server"})
_CONNECTION_KEY: Final = "fault_proxy.connection"
_STARTUP_TIMEOUT: Final = 10.0


def request_kind(method: str, path: str) -> str:
    """``"GET /v1/files/{id}/content"`` for ``GET /v1/files/file-abc/content``: ids become ``{id}``."""
    segments = path.split("/")
    kind = [
        "{id}" if i > 0 and segments[i - 1] in ("files", "batches") and segment else segment
        for i, segment in enumerate(segments)
    ]
    return f"{method} {'/'.join(kind)}"


@dataclass(frozen=True)
class Cut:
    """One cut download: the bytes sent of the file's `length`."""

    path: str
    kind: str
    sent: int
    length: int


@dataclass(frozen=True)
class ProxyStats:
    """A snapshot of what the proxy did (every Counter is a copy)."""

    requests: Counter[str]  # request kind -> requests received (faulted or not)
    forwarded: Counter[str]  # request kind -> requests that reached the upstream
    faults: Counter[str]  # fault kind -> faults applied
    faults_by_request: Counter[tuple[str, str]]  # (request kind, fault kind) -> faults applied
    statuses: Counter[int]  # status codes the client received (not counting resets and lost answers)
    cuts: tuple[Cut, ...]

    @property
    def total_faults(self) -> int:
        return sum(self.faults.values())


@dataclass
class _Decision:
    kind: str | None
    status: int = 0  # for 5xx / 5xx_after
    fraction: float = 0.0  # where a cut falls, as a fraction of the file


@dataclass
class _Counters:
    requests: Counter[str] = field(default_factory=Counter)
    forwarded: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    faults_by_request: Counter[tuple[str, str]] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    cuts: list[Cut] = field(default_factory=list)
    in_a_row: Counter[str] = field(default_factory=Counter)


class _Connection:
    """The client connection of one request: what the faults need of the transport."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport

    def reset(self) -> None:
        """Close with RST (SO_LINGER 0): the client sees 'connection reset by peer'."""
        sock = self._transport.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
        self._transport.abort()

    def close(self) -> None:
        """Close with FIN and no answer: the client sees 'server disconnected without a response'."""
        self._transport.close()


class _Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, handing each request's connection to the application."""

    def connection_made(  # type: ignore[override]
        self, transport: asyncio.Transport
    ) -> None:
        super().connection_made(transport)
        # uvicorn copies app_state into each request's scope["state"].
        self.app_state = {**self.app_state, _CONNECTION_KEY: _Connection(transport)}


class _ThreadServer(uvicorn.Server):
    """uvicorn's server checking for a stop request every 10 ms (tests start one per test)."""

    async def main_loop(self) -> None:
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864_000
            await asyncio.sleep(0.01)


def _error_body(status: int, retry_after: float) -> bytes:
    if status == 429:
        error = {
            "message": f"Rate limit reached for requests. Please try again in {retry_after:g}s.",
            "type": "requests",
            "param": None,
            "code": "rate_limit_exceeded",
        }
    else:
        error = {
            "message": "The server had an error while processing your request. Sorry about that!",
            "type": "server_error",
            "param": None,
            "code": None,
        }
    return json.dumps({"error": error}).encode()


class FaultProxy:
    """A fault-injecting HTTP proxy on 127.0.0.1 in a background thread (see the module docstring).

    Example::

        with FaultProxy(server.base_url, rate=0.3, seed=1, exclude={"GET /v1/batches"}) as proxy:
            client = BatchClient(api_key="sk-test", base_url=proxy.base_url)
            ...
            assert proxy.stats().faults["reset"] > 0
    """

    def __init__(
        self,
        upstream_base_url: str,
        *,
        rate: float = 0.3,
        seed: int = 0,
        kinds: Iterable[str] = FAULT_KINDS,
        exclude: Iterable[str] = (),
        only: Iterable[str] | None = None,
        max_faults: int | None = None,
        max_in_a_row: int | None = 3,
        retry_after: float = 0.0,
    ) -> None:
        self.kinds = tuple(kinds)
        if unknown := sorted(set(self.kinds) - set(FAULT_KINDS)):
            raise ValueError(f"unknown fault kind(s) {unknown}; choose from {FAULT_KINDS}")
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"rate must be within [0, 1], got {rate}")
        if max_faults is not None and max_faults < 0:
            raise ValueError(f"max_faults must be >= 0, got {max_faults}")
        if max_in_a_row is not None and max_in_a_row < 1:
            raise ValueError(f"max_in_a_row must be >= 1 (or None), got {max_in_a_row}")
        if not 0.0 <= retry_after <= 60.0:
            raise ValueError(f"retry_after must be within [0, 60] s, got {retry_after}")
        parts = urlsplit(upstream_base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"upstream_base_url must be an http(s) URL, got {upstream_base_url!r}")
        self.upstream_origin = f"{parts.scheme}://{parts.netloc}"
        self._api_path = parts.path.rstrip("/")
        self.rate = rate
        self.seed = seed
        self.exclude = frozenset(exclude)
        self.only = frozenset(only) if only is not None else None
        self.max_faults = max_faults
        self.max_in_a_row = max_in_a_row
        self.retry_after = retry_after
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._active = True
        self._counters = _Counters()
        self._client: httpx.AsyncClient | None = None
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # --- public ---------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._socket is None:
            raise RuntimeError("the proxy is not started")
        return int(self._socket.getsockname()[1])

    @property
    def base_url(self) -> str:
        """The proxy's API root: the upstream's path on the proxy's port, e.g. http://127.0.0.1:5123/v1."""
        return f"http://127.0.0.1:{self.port}{self._api_path}"

    @property
    def active(self) -> bool:
        """Whether faults are injected (requests are forwarded either way)."""
        return self._active

    @active.setter
    def active(self, value: bool) -> None:
        with self._lock:
            self._active = value

    def stats(self) -> ProxyStats:
        with self._lock:
            c = self._counters
            return ProxyStats(
                requests=Counter(c.requests),
                forwarded=Counter(c.forwarded),
                faults=Counter(c.faults),
                faults_by_request=Counter(c.faults_by_request),
                statuses=Counter(c.statuses),
                cuts=tuple(c.cuts),
            )

    def start(self) -> FaultProxy:
        if self._server is not None:
            raise RuntimeError("the proxy is already started")
        try:
            # IPPROTO_TCP so that asyncio sets TCP_NODELAY (else every answer waits for a delayed ACK).
            self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._socket.bind(("127.0.0.1", 0))
            config = uvicorn.Config(
                self._app,
                http=_Protocol,
                interface="asgi3",
                lifespan="on",
                proxy_headers=False,
                log_level="warning",
                log_config=None,  # leave the test process's logging alone
                access_log=False,
                server_header=False,
                date_header=False,
                timeout_graceful_shutdown=2,
            )
            self._server = _ThreadServer(config)
            self._thread = threading.Thread(
                target=self._server.run, kwargs={"sockets": [self._socket]}, name="fault-proxy", daemon=True
            )
            self._thread.start()
            deadline = time.monotonic() + _STARTUP_TIMEOUT
            while not self._server.started:
                if not self._thread.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError("the fault proxy did not start")
                time.sleep(0.01)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop serving, close the upstream client and the listening socket; safe to call twice."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._server = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- decisions ------------------------------------------------------------------------------

    def _decide(self, kind: str, path: str) -> _Decision:
        with self._lock:
            self._counters.requests[kind] += 1
            if path.startswith(ADMIN_PREFIX) or not self._eligible(kind):
                return _Decision(None)
            if self.max_in_a_row is not None and self._counters.in_a_row[kind] >= self.max_in_a_row:
                self._counters.in_a_row[kind] = 0
                return _Decision(None)
            applicable = [k for k in self.kinds if k not in CUT_KINDS or kind == CONTENT_KIND]
            if not applicable or self._rng.random() >= self.rate:
                self._counters.in_a_row[kind] = 0
                return _Decision(None)
            fault = self._rng.choice(applicable)
            status = self._rng.choice(SERVER_ERRORS) if fault in ("5xx", "5xx_after") else 0
            fraction = self._rng.random() if fault in CUT_KINDS else 0.0
            return _Decision(fault, status, fraction)

    def _eligible(self, kind: str) -> bool:
        if not self._active or kind in self.exclude or (self.only is not None and kind not in self.only):
            return False
        return self.max_faults is None or sum(self._counters.faults.values()) < self.max_faults

    def _record(self, kind: str, fault: str | None, *, forwarded: bool, status: int | None) -> None:
        with self._lock:
            c = self._counters
            if forwarded:
                c.forwarded[kind] += 1
            if status is not None:
                c.statuses[status] += 1
            if fault is None:
                return
            c.faults[fault] += 1
            c.faults_by_request[(kind, fault)] += 1
            c.in_a_row[kind] += 1

    # --- the ASGI application -------------------------------------------------------------------

    async def _app(self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._handle(scope, receive, send)

    async def _lifespan(self, receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                # No pool limit and no timeout on reads: uploads and downloads of any size stream through.
                self._client = httpx.AsyncClient(
                    base_url=self.upstream_origin,
                    timeout=httpx.Timeout(60.0, read=None),
                    limits=httpx.Limits(max_connections=None, max_keepalive_connections=20),
                )
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._client is not None:
                    await self._client.aclose()
                    self._client = None
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _handle(self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        kind = request_kind(scope["method"], scope["path"])
        decision = self._decide(kind, scope["path"])
        connection: _Connection = scope["state"][_CONNECTION_KEY]
        fault = decision.kind
        if fault == "reset":
            self._record(kind, fault, forwarded=False, status=None)
            connection.reset()
            await _until_disconnect(receive)
            return
        if fault in ("429", "5xx"):
            try:
                await _drain(receive)
            except ConnectionError:
                return  # the client hung up while sending: nobody to answer
            status = 429 if fault == "429" else decision.status
            self._record(kind, fault, forwarded=False, status=status)
            await self._send_error(send, status)
            return
        assert self._client is not None
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in _HOP_BY_HOP]
        headers.append((b"accept-encoding", b"identity"))
        has_body = any(k.lower() in (b"content-length", b"transfer-encoding") for k, _ in scope["headers"])
        url = scope["raw_path"].decode("latin-1")
        if scope.get("query_string"):
            url += "?" + scope["query_string"].decode("latin-1")
        request = self._client.build_request(
            scope["method"], url, headers=headers, content=_body(receive) if has_body else None
        )
        try:
            response = await self._client.send(request, stream=True)
        except ConnectionError:
            return  # the client hung up while its body was being forwarded
        except httpx.HTTPError:
            # The upstream itself failed: say so as a gateway would (not counted as an injected fault).
            self._record(kind, None, forwarded=False, status=502)
            await self._send_error(send, 502)
            return
        try:
            if fault in ("lost_answer", "5xx_after"):
                await response.aread()  # the upstream has carried the request out and answered in full
                if fault == "lost_answer":
                    self._record(kind, fault, forwarded=True, status=None)
                    connection.close()
                    await _until_disconnect(receive)
                else:
                    self._record(kind, fault, forwarded=True, status=decision.status)
                    await self._send_error(send, decision.status)
                return
            length = response.headers.get("content-length")
            if fault in CUT_KINDS and response.status_code == 200 and length is not None and int(length) >= 2:
                await self._send_cut(send, response, kind, scope["path"], fault, int(length), decision.fraction)
                return
            self._record(kind, None, forwarded=True, status=response.status_code)
            await send({"type": "http.response.start", "status": response.status_code, "headers": _headers(response)})
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            await response.aclose()

    async def _send_error(self, send: Callable[..., Any], status: int) -> None:
        body = _error_body(status, self.retry_after)
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        if status == 429:
            headers.append((b"retry-after", str(math.ceil(self.retry_after)).encode()))
            headers.append((b"retry-after-ms", str(round(self.retry_after * 1000)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    async def _send_cut(
        self,
        send: Callable[..., Any],
        response: httpx.Response,
        kind: str,
        path: str,
        fault: str,
        length: int,
        fraction: float,
    ) -> None:
        """Stream a prefix of the body, without Content-Length, and end it cleanly.

        The cut falls at `target` (1 <= target < length). ``cut_line`` ends after the last newline
        before it (possibly nothing at all); ``cut_mid`` ends at it, moved by a byte if that would
        end on a newline. Bytes are held back only while the cut may still fall among them.
        """
        target = 1 + int(fraction * (length - 1))
        headers = [(k, v) for k, v in _headers(response) if k.lower() != b"content-length"]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        sent = 0
        window = b""  # read, not yet sent; starts at offset `sent`

        async def emit(data: bytes) -> None:
            nonlocal sent
            if data:
                await send({"type": "http.response.body", "body": data, "more_body": True})
                sent += len(data)

        async for chunk in response.aiter_raw():
            window += chunk
            if sent + len(window) <= target:  # the cut is not within reach yet
                if fault == "cut_line":
                    keep = window.rfind(b"\n") + 1
                else:
                    keep = len(window) - 1  # keep the last byte: the cut may have to move back over it
                await emit(window[:keep])
                window = window[keep:]
                continue
            at = target - sent  # the cut's index in `window`; window[at] exists
            if fault == "cut_line":
                end = window[:at].rfind(b"\n") + 1
            elif window[at - 1 : at] != b"\n":
                end = at
            elif target + 1 < length:
                end = at + 1  # one byte into the next line (JSONL has no empty lines)
            else:
                end = at - 1
            await emit(window[:end])
            break
        # Counted before the body ends, so a client that has read the whole answer sees the count.
        self._record(kind, fault, forwarded=True, status=200)
        with self._lock:
            self._counters.cuts.append(Cut(path, fault, sent, length))
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def _headers(response: httpx.Response) -> list[tuple[bytes, bytes]]:
    return [(k, v) for k, v in response.headers.raw if k.lower() not in _DROPPED_RESPONSE]


async def _body(receive: Callable[..., Any]) -> AsyncIterator[bytes]:
    """The client's request body, chunk by chunk as it arrives (never read whole)."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ConnectionError("the client disconnected while sending its request")
        if body := message.get("body", b""):
            yield body
        if not message.get("more_body", False):
            return


async def _drain(receive: Callable[..., Any]) -> None:
    """Read and discard the request body, so the connection can carry the next request."""
    async for _ in _body(receive):
        pass


async def _until_disconnect(receive: Callable[..., Any]) -> None:
    """Wait until uvicorn has seen the connection close, so it does not try to answer."""
    message: dict[str, Any] = {"type": "http.request"}
    while message["type"] != "http.disconnect":
        message = await receive()
