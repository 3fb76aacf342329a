"""The dashboard's web application: a guard in front, read-only pages and their live updates behind.

Routes (all GET; anything else is 405):

* ``/``: every job, newest first; ``/jobs/{id}``: one job;
* ``/jobs/{id}.json``: that job's ``openai-batch status --json`` document, read from the state file;
* ``/events`` and ``/jobs/{id}/events``: server-sent events, each a new ``<main>`` for the page,
  sent when the state file changed (or every few seconds, for the times that move on their own);
* ``/static/...``: the stylesheet and the script, served from the package.

The guard answers before any of them. A request whose ``Host`` is not the address and port the
server bound is refused (403): a page on another site that a DNS name re-bound to 127.0.0.1,
or a forwarded port, never reaches the pages. Then a request must carry the access token,
once in the URL (``?token=``, answered with a redirect that sets it as an ``HttpOnly``,
``SameSite=Strict`` cookie and drops it from the address bar) or in that cookie; anything
else gets 401. Starlette's ``TrustedHostMiddleware`` is not used because it ignores the port.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import AsyncIterator, Callable
from http.cookies import SimpleCookie
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl, urlencode

import anyio
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.responses import StreamingResponse as _Streaming
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from ._html import job_live, jobs_live, page
from ._reader import StateReader

__all__ = ["DashboardApp", "Guard"]

#: Seconds between two looks at the state file's version, per open page.
CHECK_INTERVAL = 0.5
#: Seconds after which a page is rendered again even if nothing changed (its ETA and "in ..." move on).
REFRESH_INTERVAL = 10.0

# Pages only ever load from this server; scripts and styles from its files, never inline.
_SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        b"base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    ),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"cache-control", b"no-store"),
]


class Guard:
    """ASGI middleware: the right ``Host`` (else 403), then the access token (else 401).

    Example::

        app = Guard(inner_app, token=secrets.token_urlsafe(32), hosts={"127.0.0.1:8765"}, cookie="dash_8765")
    """

    def __init__(self, app: ASGIApp, *, token: str, hosts: set[str], cookie: str) -> None:
        self._app = app
        self._token = token.encode()
        self._hosts = frozenset(h.lower() for h in hosts)
        self._cookie = cookie

    def _matches(self, candidate: str | None) -> bool:
        return candidate is not None and secrets.compare_digest(candidate.encode(), self._token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if headers.get("host", "").lower() not in self._hosts:
            await PlainTextResponse("this dashboard answers only at the address it printed", 403)(scope, receive, send)
            return
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        given = next((value for key, value in query if key == "token"), None)
        if given is not None:
            if not self._matches(given):
                await _unauthorised()(scope, receive, send)
                return
            # Keep the token out of the address bar, the history and any later Referer.
            rest = urlencode([(k, v) for k, v in query if k != "token"])
            target = scope.get("path", "/") + (f"?{rest}" if rest else "")
            redirect = RedirectResponse(target, status_code=303)
            redirect.set_cookie(self._cookie, given, httponly=True, samesite="strict", path="/")
            await redirect(scope, receive, send)
            return
        cookies = SimpleCookie(headers.get("cookie", ""))
        morsel = cookies.get(self._cookie)
        if not self._matches(None if morsel is None else morsel.value):
            await _unauthorised()(scope, receive, send)
            return

        async def send_secured(message: Any) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *_SECURITY_HEADERS]}
            await send(message)

        await self._app(scope, receive, send_secured)


def _unauthorised() -> Response:
    return PlainTextResponse(
        "open the URL that `openai-batch dashboard` printed: it carries the access token", status_code=401
    )


class DashboardApp:
    """The dashboard's pages over one :class:`StateReader`; ``stopping`` ends every open event stream.

    Example::

        app = DashboardApp(reader, state_label=".openai-batch/jobs.sqlite")
        asgi = Guard(app.asgi, token=token, hosts={"127.0.0.1:8765"}, cookie="dash_8765")
    """

    def __init__(self, reader: StateReader, *, state_label: str, clock: Callable[[], float] = time.time) -> None:
        self._reader = reader
        self._label = state_label
        self._clock = clock
        self.stopping = threading.Event()
        static = resources.files(__package__) / "static"
        self.asgi = Starlette(
            routes=[
                Route("/", self._jobs_page),
                Route("/events", self._jobs_events),
                Route("/jobs/{job_id}.json", self._job_json),
                Route("/jobs/{job_id}/events", self._job_events),
                Route("/jobs/{job_id}", self._job_page),
                Mount("/static", StaticFiles(directory=str(static)), name="static"),
            ]
        )

    # --- rendering on the reader's thread -----------------------------------------------
    def _jobs_html(self) -> str:
        return jobs_live(self._reader.summaries(), state_path=self._label, now=self._clock())

    def _job_html(self, job_id: str) -> str | None:
        data = self._reader.page(job_id)
        return None if data is None else job_live(data, now=self._clock())

    # --- routes -------------------------------------------------------------------------
    async def _jobs_page(self, request: Request) -> Response:
        live = await self._reader.run(self._jobs_html)
        return HTMLResponse(page("Jobs", live, events="/events"))

    async def _job_page(self, request: Request) -> Response:
        job_id = request.path_params["job_id"]
        live = await self._reader.run(self._job_html, job_id)
        if live is None:
            return PlainTextResponse(f"no job {job_id!r} in {self._label}", status_code=404)
        crumbs = f' <span class="crumb">/ {job_id[:24]}</span>'
        return HTMLResponse(page(job_id, live, events=f"/jobs/{job_id}/events", crumbs=crumbs))

    async def _job_json(self, request: Request) -> Response:
        job_id = request.path_params["job_id"]
        report = await self._reader.run(self._reader.report, job_id)
        if report is None:
            return JSONResponse({"error": f"no job {job_id!r} in {self._label}"}, status_code=404)
        return JSONResponse(report)

    async def _jobs_events(self, request: Request) -> Response:
        return _stream(self._updates(self._jobs_html))

    async def _job_events(self, request: Request) -> Response:
        job_id = request.path_params["job_id"]
        return _stream(self._updates(lambda: self._job_html(job_id) or "<p class='empty'>This job is gone.</p>"))

    async def _updates(self, render: Callable[[], str]) -> AsyncIterator[str]:
        """One event per new rendering of the page's live part; comments keep the connection open."""
        version: int | None = None
        sent: str | None = None
        rendered_at = 0.0
        while not self.stopping.is_set():
            now = time.monotonic()
            current = await self._reader.run(self._reader.version)
            if current != version or now - rendered_at >= REFRESH_INTERVAL:
                version, rendered_at = current, now
                live = await self._reader.run(render)
                if live != sent:
                    sent = live
                    yield _event("update", live)
                else:
                    yield ": unchanged\n\n"
            await anyio.sleep(CHECK_INTERVAL)


def _event(name: str, data: str) -> str:
    # Each line of the data gets its own "data:" field; the browser joins them with newlines.
    lines = "".join(f"data: {line}\n" for line in data.split("\n"))
    return f"event: {name}\n{lines}\n"


def _stream(events: AsyncIterator[str]) -> Response:
    return _Streaming(events, media_type="text/event-stream", headers={"x-accel-buffering": "no"})
