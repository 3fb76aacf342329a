"""A read-only job dashboard in the browser: ``openai-batch dashboard`` (the ``dashboard`` extra).

It serves, on a loopback address only, the jobs of one state file: every job newest first,
and one page per job (``/jobs/<id>``) with its figures, a progress-over-time chart, a
timeline of its batches, its failures grouped by error code, and its usage and cost per
model. The numbers are those of ``openai-batch status --json`` (one function builds both,
``workflow/_report``), and ``/jobs/<id>.json`` serves that very document. Pages update by
themselves as the state file changes (server-sent events), also while another process runs
``submit --wait`` on it. The dashboard reads the state file only: it never calls the API,
never sends, never cancels.

Design, after Datasette and Celery Flower: pages rendered on the server from this one
package, its stylesheet and ~40-line script served from ``static/`` in the package, no build
step, no CDN. The charts are hand-written SVG, drawn on the server (see ``_svg``): two simple
pictures do not justify vendoring a JavaScript chart library, and SVG drawn on the server is
in the page before any script runs.

Access: the printed URL carries a random token (``secrets.token_urlsafe``), exchanged on first
load for an ``HttpOnly``, ``SameSite=Strict`` cookie; a request without it gets 401, and one
whose ``Host`` is not the bound address and port gets 403 (see ``_app.Guard``).

Example::

    from openai_batch.dashboard import DashboardServer

    with DashboardServer(".openai-batch/jobs.sqlite") as dashboard:
        print(dashboard.url)      # open it in a browser
        input("press Enter to stop")
"""

from __future__ import annotations

try:
    import starlette  # noqa: F401
    import uvicorn  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised by the CLI's message
    raise ImportError(
        f"the dashboard needs the `dashboard` extra (pip install 'openai-batch-client[dashboard]'): {exc}"
    ) from exc

from ._server import DashboardServer, check_loopback

__all__ = ["DashboardServer", "check_loopback"]
