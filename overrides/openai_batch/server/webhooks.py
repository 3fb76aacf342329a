"""Send the service's signed batch webhook events to one URL, from a background thread, with retries.

When a batch reaches ``completed``, ``failed``, ``expired`` or ``cancelled`` the engine hands
the event to :class:`WebhookSender`, which only queues it: request handling and the processing
loop never wait on a receiver. The body has the service's shape (``WebhookBatchCompleted`` and
its siblings in the spec)::

    {"id": "evt_...", "object": "event", "type": "batch.completed", "created_at": 1719168000,
     "data": {"id": "batch_..."}}

and is signed per the Standard Webhooks scheme (headers ``webhook-id``, ``webhook-timestamp``,
``webhook-signature``) by the ``standardwebhooks`` package, as ``openai_batch.webhooks``
verifies it.

Two clocks, on purpose: ``created_at`` is the batch's own simulated time (its ``completed_at``
...), so the event agrees with the batch object; ``webhook-timestamp`` is the real wall clock at
each attempt, because it is what a receiver checks against its own clock (±300 s by default)
and simulated time may run hours ahead. Each attempt is signed afresh; a retry keeps the same
``webhook-id`` and body, so a receiver that de-duplicates by id acts once.

A delivery that fails (no connection, a timeout, any status other than 2xx) is tried again
after each of ``retry_delays`` (real seconds) in turn, then given up with a warning. Events
live in memory only: a server stopped or killed before delivering them does not send them
later (a waiting client's fallback poll covers that). No log line or repr holds the secret.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

import httpx

from ..webhooks import BATCH_EVENT_TYPES, _signer

__all__ = ["DEFAULT_RETRY_DELAYS", "WebhookSender", "check_webhook_url"]

logger = logging.getLogger(__name__)

#: Real seconds before each retry of a failed delivery: six retries over about two minutes.
DEFAULT_RETRY_DELAYS: Final = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
#: How long stopping the server waits for deliveries already due (real seconds).
DEFAULT_CLOSE_GRACE: Final = 2.0


def check_webhook_url(url: str) -> str:
    """``url`` if it is an absolute http(s) URL with a host; else a ValueError naming it."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"webhook URL must be an absolute http:// or https:// URL with a host, got {url!r}")
    return url


def _shown(url: str) -> str:
    # A URL may carry a token in its user part or query: logs show where, never how.
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}{parts.path}"


@dataclass
class _Delivery:
    webhook_id: str
    body: bytes
    event_type: str
    batch_id: str
    attempts: int = 0


class WebhookSender:
    """Signs batch events and POSTs them to ``url`` from a daemon thread, retrying failures.

    ``transport`` (an httpx transport), ``clock`` (Unix seconds, for ``webhook-timestamp``) and
    ``monotonic`` (for retry delays) are injectable for tests. ``delivered``, ``failed_attempts``
    and ``dropped`` count what happened.

    Example::

        sender = WebhookSender("http://127.0.0.1:9000/hooks", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        sender.start()
        sender.send("batch.completed", "batch_abc", created_at=1719168000)   # returns at once
        sender.close()
    """

    def __init__(
        self,
        url: str,
        secret: str | bytes,
        *,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if any(delay < 0 for delay in retry_delays):
            raise ValueError("retry delays must be >= 0 seconds")
        self._url = check_webhook_url(url)
        self._signer = _signer(secret)
        self._retry_delays = tuple(retry_delays)
        self._clock = clock
        self._monotonic = monotonic
        # trust_env off: a proxy from the environment must not see (or break) local deliveries.
        self._http = httpx.Client(timeout=timeout, transport=transport, trust_env=False, follow_redirects=False)
        self._pending: list[tuple[float, int, _Delivery]] = []
        self._order = itertools.count()
        self._wakeup = threading.Condition()
        self._close_by: float | None = None
        self._thread: threading.Thread | None = None
        self.delivered = 0
        self.failed_attempts = 0
        self.dropped = 0

    def __repr__(self) -> str:
        return f"WebhookSender({_shown(self._url)!r}, pending={len(self._pending)}, delivered={self.delivered})"

    def start(self) -> WebhookSender:
        if self._thread is not None:
            raise RuntimeError("the webhook sender is already started")
        self._thread = threading.Thread(target=self._run, name="batch-webhooks", daemon=True)
        self._thread.start()
        return self

    def send(self, event_type: str, batch_id: str, *, created_at: int) -> str:
        """Queue one event for delivery and return its ``webhook-id``; never blocks on the receiver."""
        if event_type not in BATCH_EVENT_TYPES:
            raise ValueError(f"not a batch event type: {event_type!r}")
        body = {
            "id": f"evt_{uuid.uuid4().hex}",
            "object": "event",
            "type": event_type,
            "created_at": int(created_at),
            "data": {"id": batch_id},
        }
        delivery = _Delivery(
            webhook_id=f"wh_{uuid.uuid4().hex}",
            body=json.dumps(body, separators=(",", ":")).encode(),
            event_type=event_type,
            batch_id=batch_id,
        )
        self._schedule(delivery, self._monotonic())
        return delivery.webhook_id

    def close(self, grace: float = DEFAULT_CLOSE_GRACE) -> None:
        """Deliver what is due within ``grace`` seconds, drop the rest (logged), stop the thread."""
        with self._wakeup:
            self._close_by = self._monotonic() + grace
            self._wakeup.notify()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._pending:
            logger.warning(
                "webhooks: %d event(s) to %s not delivered before the server stopped",
                len(self._pending),
                _shown(self._url),
            )
            self.dropped += len(self._pending)
            self._pending.clear()
        self._http.close()

    def _schedule(self, delivery: _Delivery, due: float) -> None:
        with self._wakeup:
            heapq.heappush(self._pending, (due, next(self._order), delivery))
            self._wakeup.notify()

    def _next(self) -> _Delivery | None:
        """The next delivery once it is due; None once closing leaves nothing due in the grace time."""
        with self._wakeup:
            while True:
                now = self._monotonic()
                due = self._pending[0][0] if self._pending else None
                if self._close_by is not None and (due is None or due > self._close_by or now > self._close_by):
                    return None
                if due is not None and due <= now:
                    return heapq.heappop(self._pending)[2]
                limits = [t - now for t in (due, self._close_by) if t is not None]
                self._wakeup.wait(min(limits) if limits else None)

    def _run(self) -> None:
        while (delivery := self._next()) is not None:
            try:
                self._attempt(delivery)
            except Exception:
                # A bug in one delivery must not end the thread that sends all the others.
                logger.exception("webhooks: delivering %s failed unexpectedly", delivery.webhook_id)

    def _attempt(self, delivery: _Delivery) -> None:
        delivery.attempts += 1
        timestamp = int(self._clock())
        signature = self._signer.sign(
            msg_id=delivery.webhook_id,
            timestamp=dt.datetime.fromtimestamp(timestamp, tz=dt.UTC),
            data=delivery.body.decode(),
        )
        headers = {
            "content-type": "application/json",
            "webhook-id": delivery.webhook_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature,
        }
        try:
            response = self._http.post(self._url, content=delivery.body, headers=headers)
        except httpx.HTTPError as exc:
            outcome = f"{type(exc).__name__}"
        else:
            if 200 <= response.status_code < 300:
                self.delivered += 1
                logger.debug("webhooks: %s for %s delivered", delivery.event_type, delivery.batch_id)
                return
            outcome = f"HTTP {response.status_code}"
        self.failed_attempts += 1
        retry = delivery.attempts - 1
        if retry >= len(self._retry_delays):
            self.dropped += 1
            logger.warning(
                "webhooks: gave up on %s for %s (%s) after %d attempt(s): %s",
                delivery.event_type,
                delivery.batch_id,
                delivery.webhook_id,
                delivery.attempts,
                outcome,
            )
            return
        delay = self._retry_delays[retry]
        logger.info(
            "webhooks: %s for %s to %s failed (%s); trying again in %gs",
            delivery.event_type,
            delivery.batch_id,
            _shown(self._url),
            outcome,
            delay,
        )
        self._schedule(delivery, self._monotonic() + delay)
