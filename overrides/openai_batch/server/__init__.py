"""A local, stateful implementation of the Batch API's Files and Batches operations.

Behaves like the service (statuses, timestamps, request counts, output and error files,
validation errors, expiry, cancellation) on simulated time, so a whole batch job runs in
seconds with no key and no network. See app.py for the admin API and faults.py for faults.

Example::

    from openai_batch.server import LocalServer

    with LocalServer(speed=3600) as server:
        print(server.base_url)   # http://127.0.0.1:<port>/v1
"""

from .clock import Clock, ManualClock, ScaledClock
from .faults import FaultInjector
from .options import ServerOptions
from .runner import LocalServer, run

__all__ = ["Clock", "FaultInjector", "LocalServer", "ManualClock", "ScaledClock", "ServerOptions", "run"]
