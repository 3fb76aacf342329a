"""Serving the dashboard: :class:`DashboardServer` on a background thread (tests) and :func:`serve` (the CLI).

The socket is bound before uvicorn starts, so the port (``0``: any free one) is known for the
URL and the ``Host`` check. Only loopback addresses are accepted: the pages carry a job's
file paths, error messages and costs, and the token alone is not meant to guard them on a network.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import secrets
import socket
import threading
import time
from pathlib import Path
from types import TracebackType

import uvicorn

from ..pricing import PriceTable, load_prices
from ._app import DashboardApp, Guard
from ._reader import StateReader

__all__ = ["DashboardServer", "check_loopback"]

logger = logging.getLogger("openai_batch.dashboard")

_STARTUP_TIMEOUT = 10.0


def check_loopback(host: str) -> str:
    """``host`` if it is a loopback address (127.0.0.0/8, ::1), else ValueError naming it."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"--host {host!r}: give a loopback IP address such as 127.0.0.1") from None
    if not address.is_loopback:
        raise ValueError(f"--host {host}: the dashboard serves on a loopback address only (127.0.0.1 or ::1)")
    return host


class _Server(uvicorn.Server):
    """uvicorn's server, looking for a stop request every 10 ms (tests start and stop one per test)."""

    async def main_loop(self) -> None:
        while not await self.on_tick(0):
            await asyncio.sleep(0.01)


class DashboardServer:
    """The dashboard for one state file, on 127.0.0.1, with a fresh access token.

    Example::

        with DashboardServer(".openai-batch/jobs.sqlite") as dashboard:
            print(dashboard.url)     # http://127.0.0.1:53117/?token=...
    """

    def __init__(
        self,
        state: str | Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        prices: PriceTable | None = None,
        token: str | None = None,
    ) -> None:
        self.state = Path(state)
        self.host = check_loopback(host)
        self._port = port
        self._prices = prices
        #: The access token: in the printed URL, never logged.
        self.token = token or secrets.token_urlsafe(32)
        self._socket: socket.socket | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._reader: StateReader | None = None
        self._app: DashboardApp | None = None

    def __repr__(self) -> str:
        # The token stays out of reprs and tracebacks.
        return f"DashboardServer(state={str(self.state)!r}, host={self.host!r}, port={self._port})"

    @property
    def port(self) -> int:
        if self._socket is None:
            raise RuntimeError("the dashboard is not started")
        return int(self._socket.getsockname()[1])

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def url(self) -> str:
        """Where to open it: the origin, with the access token (exchanged for a cookie on first load)."""
        return f"{self.origin}/?token={self.token}"

    def bind(self) -> DashboardServer:
        """Take the port now (so :attr:`url` is known before serving); start and serve_forever do it too."""
        if self._socket is None:
            family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((self.host, self._port))
            except BaseException:
                sock.close()
                raise
            self._socket = sock
        return self

    def _config(self, *, in_thread: bool) -> uvicorn.Config:
        assert self._socket is not None
        self._reader = StateReader(self.state, prices=self._prices or load_prices())
        self._app = DashboardApp(self._reader, state_label=str(self.state))
        host = f"[{self.host}]" if ":" in self.host else self.host
        hosts = {f"{host}:{self.port}"}
        if ipaddress.ip_address(self.host).version == 4 and self.host == "127.0.0.1":
            hosts.add(f"localhost:{self.port}")
        guarded = Guard(self._app.asgi, token=self.token, hosts=hosts, cookie=f"openai_batch_dashboard_{self.port}")
        return uvicorn.Config(
            guarded,
            lifespan="off",
            log_level="warning",
            # In a thread inside someone else's process, leave their logging alone. Access logs
            # would print the first request's URL, token and all: they stay off.
            log_config=None if in_thread else uvicorn.config.LOGGING_CONFIG,
            access_log=False,
            server_header=False,
            timeout_graceful_shutdown=2,
        )

    def start(self) -> DashboardServer:
        """Serve on a background thread until :meth:`stop`."""
        if self._server is not None:
            raise RuntimeError("the dashboard is already started")
        try:
            self.bind()
            self._server = _Server(self._config(in_thread=True))
            self._thread = threading.Thread(
                target=self._server.run, kwargs={"sockets": [self._socket]}, name="dashboard", daemon=True
            )
            self._thread.start()
            deadline = time.monotonic() + _STARTUP_TIMEOUT
            while not self._server.started:
                if not self._thread.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError(f"the dashboard did not start on {self.host}:{self.port}")
                time.sleep(0.01)
        except BaseException:
            self.stop()
            raise
        return self

    def serve_forever(self) -> None:
        """Serve in the foreground until Ctrl-C (the ``openai-batch dashboard`` command)."""
        self.bind()
        assert self._socket is not None
        try:
            uvicorn.Server(self._config(in_thread=False)).run(sockets=[self._socket])
        finally:
            self._close()

    def stop(self) -> None:
        """End every open event stream, stop serving and release the port."""
        if self._app is not None:
            self._app.stopping.set()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._server = None
        self._close()

    def _close(self) -> None:
        if self._app is not None:
            self._app.stopping.set()
            self._app = None
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def __enter__(self) -> DashboardServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
