"""A local, stateful implementation of the Batch API's Files and Batches operations.

Behaves like the service (statuses, timestamps, request counts, output and error files,
validation errors, expiry, cancellation) on simulated time, so a whole batch job runs in
seconds with no key and no network. See app.py for the admin API and faults.py for faults.

Example::

    from openai_batch.server import LocalServer

    with LocalServer(speed=3600) as server:
        print(server.base_url)   # http://127.0.0.1:<port>/v1
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .clock import Clock, ManualClock, ScaledClock
from .options import ServerOptions

if TYPE_CHECKING:
    from .faults import FaultInjector
    from .runner import LocalServer, run

# Loaded on first use: `openai-batch` builds its `serve` options from this package on every
# command, and Starlette and uvicorn (the runner's) cost ~0.2 s and ~10 MB to import.
_LAZY = {"FaultInjector": ".faults", "LocalServer": ".runner", "run": ".runner"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Clock", "FaultInjector", "LocalServer", "ManualClock", "ScaledClock", "ServerOptions", "run"]
