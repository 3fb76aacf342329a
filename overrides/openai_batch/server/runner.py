"""Running the server: `LocalServer` in a background thread (tests, demos) and blocking `run()` (CLI)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from .app import ServerState, create_app
from .clock import Clock, ScaledClock
from .faults import ABORT_CONNECTION_KEY, FaultInjector
from .files import FileService
from .lifecycle import BatchEngine, Processor
from .options import ServerOptions, build_options
from .store import BatchRecord, Store
from .webhooks import WebhookSender

logger = logging.getLogger(__name__)

_STARTUP_TIMEOUT = 10.0


class _AbortableH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, plus a way for the application to close the connection
    without answering: the "drop" fault needs a client to see the server hang up."""

    def connection_made(  # type: ignore[override]
        self, transport: asyncio.Transport
    ) -> None:
        super().connection_made(transport)
        # Copied into each request's scope["state"] by the protocol.
        self.app_state = {**self.app_state, ABORT_CONNECTION_KEY: transport.close}


class _ThreadServer(uvicorn.Server):
    """uvicorn's server, checking for a stop request every 10 ms instead of 100 ms: tests start
    and stop a server per test."""

    async def main_loop(self) -> None:
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864_000
            await asyncio.sleep(0.01)


def build_state(data_dir: Path, options: ServerOptions, clock: Clock | None = None) -> ServerState:
    """The store, engine and services of a data directory.

    The simulated clock resumes from the last time saved in the store (never earlier than now),
    so timestamps keep increasing across restarts.
    """
    store = Store(data_dir)
    if clock is None:
        clock = ScaledClock(options.speed, start=max(time.time(), store.saved_clock() or 0.0))
    faults = FaultInjector(options.faults, token_limit_batches=options.token_limit_batches)
    webhooks = _webhook_sender(options)
    return ServerState(
        store=store,
        clock=clock,
        options=options,
        files=FileService(store, clock, options),
        engine=BatchEngine(store, clock, options, faults, on_final=None if webhooks is None else _notifier(webhooks)),
        faults=faults,
        webhooks=webhooks,
    )


def _webhook_sender(options: ServerOptions) -> WebhookSender | None:
    if options.webhook_url is None or options.webhook_secret is None:
        return None
    return WebhookSender(options.webhook_url, options.webhook_secret).start()


def _notifier(sender: WebhookSender) -> Callable[[BatchRecord], None]:
    def notify(record: BatchRecord) -> None:
        # created_at is when the batch reached the state, in the server's (simulated) time.
        stamp = getattr(record, f"{record.status}_at", None)
        sender.send(f"batch.{record.status}", record.id, created_at=int(stamp if stamp is not None else 0))

    return notify


def _config(state: ServerState, *, log_level: str, in_thread: bool, **kwargs: Any) -> uvicorn.Config:
    return uvicorn.Config(
        create_app(state),
        http=_AbortableH11Protocol,
        lifespan="off",
        log_level=log_level,
        # In a thread inside someone else's process, leave their logging configuration alone.
        log_config=None if in_thread else uvicorn.config.LOGGING_CONFIG,
        access_log=not in_thread,
        server_header=False,
        timeout_graceful_shutdown=2,
        **kwargs,
    )


class LocalServer:
    """A local Batch API server on 127.0.0.1 in a background thread.

    Options are those of ServerOptions (speed, throughput, fail_custom_id_pattern, faults, ...).
    Without `data_dir`, state lives in a temporary directory removed on stop.

    Example::

        with LocalServer(speed=3600) as server:
            client = BatchClient(api_key="sk-local", base_url=server.base_url)
            ...
            server.state.faults.add([{"kind": "error", "status": 429, "retry_after": 1, "count": 1}])
    """

    def __init__(
        self,
        data_dir: str | Path | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        speed: float = 60.0,
        clock: Clock | None = None,
        log_level: str = "warning",
        **options: Any,
    ) -> None:
        self.options = build_options(speed=speed, **options)
        self._data_dir = Path(data_dir) if data_dir is not None else None
        self._host = host
        self._port = port
        self._clock = clock
        self._log_level = log_level
        self._temp: tempfile.TemporaryDirectory[str] | None = None
        self._state: ServerState | None = None
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._processor: Processor | None = None

    @property
    def state(self) -> ServerState:
        if self._state is None:
            raise RuntimeError("the server is not started")
        return self._state

    @property
    def data_dir(self) -> Path:
        if self._data_dir is None:
            raise RuntimeError("the server is not started")
        return self._data_dir

    @property
    def port(self) -> int:
        if self._socket is None:
            raise RuntimeError("the server is not started")
        return int(self._socket.getsockname()[1])

    @property
    def root_url(self) -> str:
        """The server's root, e.g. http://127.0.0.1:53211: the endpoint of an emulated provider (Azure)."""
        return f"http://{self._host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The API root, e.g. http://127.0.0.1:53211/v1 (what OPENAI_BASE_URL expects)."""
        return f"http://{self._host}:{self.port}/v1"

    def start(self) -> LocalServer:
        if self._server is not None:
            raise RuntimeError("the server is already started")
        if self._data_dir is None:
            self._temp = tempfile.TemporaryDirectory(prefix="openai-batch-server-")
            self._data_dir = Path(self._temp.name)
        try:
            self._state = build_state(self._data_dir, self.options, self._clock)
            # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY only on sockets that say they are
            # TCP, and without it every response waits ~40 ms for a delayed ACK.
            self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._socket.bind((self._host, self._port))
            self._server = _ThreadServer(_config(self._state, log_level=self._log_level, in_thread=True))
            self._thread = threading.Thread(
                target=self._server.run, kwargs={"sockets": [self._socket]}, name="batch-server", daemon=True
            )
            self._thread.start()
            deadline = time.monotonic() + _STARTUP_TIMEOUT
            while not self._server.started:
                if not self._thread.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError(f"the local server did not start on {self._host}:{self.port}")
                time.sleep(0.01)
            self._processor = Processor(self._state.engine, self.options.tick_interval)
            self._processor.start()
        except BaseException:
            self.stop()
            raise
        logger.info("local Batch API server at %s (data in %s)", self.base_url, self._data_dir)
        return self

    def stop(self) -> None:
        """Stop processing and serving, release the port and, for a temporary data dir, remove it."""
        if self._processor is not None:
            self._processor.stop()
            self._processor = None
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._server = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        if self._state is not None:
            self._state.close()
            self._state = None
        if self._temp is not None:
            self._temp.cleanup()
            self._temp = None
            self._data_dir = None

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class _Terminated(Exception):
    """SIGTERM, turned into an exception so the data directory is cleaned up on the way out."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise _Terminated


def run(
    host: str = "127.0.0.1",
    port: int = 8000,
    data_dir: str | Path | None = None,
    *,
    speed: float = 60.0,
    log_level: str = "info",
    **options: Any,
) -> None:
    """Serve in the foreground until interrupted (Ctrl-C / SIGTERM): the `openai-batch serve` command.

    Without `data_dir`, state lives in a temporary directory removed on exit, whether the
    server stops on Ctrl-C or SIGTERM. Options are those of ServerOptions; without
    ``required_api_key`` the key in ``OPENAI_BATCH_SERVER_API_KEY`` (when set) is the only
    one accepted.
    """
    if "required_api_key" not in options:
        options["required_api_key"] = os.environ.get("OPENAI_BATCH_SERVER_API_KEY") or None
    server_options = build_options(speed=speed, **options)
    # uvicorn stops gracefully on SIGTERM and then re-raises it; the default action would end the
    # process on the spot and leave the temporary directory behind, so it becomes an exception.
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if in_main else None
    try:
        _serve(host, port, data_dir, server_options, log_level)
    except (KeyboardInterrupt, _Terminated):
        logger.info("local Batch API server stopped")
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)


def _serve(host: str, port: int, data_dir: str | Path | None, server_options: ServerOptions, log_level: str) -> None:
    with tempfile.TemporaryDirectory(prefix="openai-batch-server-") as temp:
        directory = Path(data_dir) if data_dir is not None else Path(temp)
        state = build_state(directory, server_options)
        processor = Processor(state.engine, server_options.tick_interval)
        processor.start()
        try:
            logger.info(
                "local Batch API server: base URL http://%s:%d/v1, data in %s%s, speed x%g, %s",
                host,
                port,
                directory,
                "" if data_dir is not None else " (temporary: removed when the server stops)",
                server_options.speed,
                "accepting only the configured key" if server_options.required_api_key else "accepting any key",
            )
            uvicorn.Server(_config(state, log_level=log_level, in_thread=False, host=host, port=port)).run()
        finally:
            processor.stop()
            state.close()
