"""Verify and parse the service's signed batch webhook events (needs the ``webhooks`` extra).

The service can notify ``batch.completed``, ``batch.failed``, ``batch.expired`` and
``batch.cancelled`` to a URL of yours, signed per the Standard Webhooks scheme: headers
``webhook-id``, ``webhook-timestamp`` (Unix seconds) and ``webhook-signature``
(``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``, several space-separated when the secret is
being rotated), keyed with the base64-decoded ``whsec_`` secret shown when the endpoint was made.

The signature scheme itself (secret decoding, the signed content, the HMAC) is the
``standardwebhooks`` package's. Its own ``verify`` reads the wall clock, which cannot be
injected, and lets a malformed header escape as a bare ``ValueError``; so the timestamp window
(±300 s by default) and the comparison of the given signatures are checked here, against the
package's signature, in constant time.

A delivery is retried until it is acknowledged, with the same ``webhook-id``: a receiver
remembers the last ``remember`` ids it accepted and answers ``None`` for a repeat, so an
event is acted on once. Ids are remembered only after the signature holds, so a forged request
cannot mark a real event as seen.

No error or repr ever holds the secret.

Example::

    from openai_batch.webhooks import WebhookReceiver, WebhookError

    receiver = WebhookReceiver(os.environ["OPENAI_WEBHOOK_SECRET"])   # "whsec_..."

    def handle(request):                      # in your web framework: the raw body, as received
        try:
            event = receiver.receive(request.body, request.headers)
        except WebhookError:
            return 400
        if event is not None and event.type == "batch.completed":
            fetch_results(event.batch_id)
        return 200
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, Literal, cast

import attrs

from ._exceptions import OpenAIBatchError

if TYPE_CHECKING:
    from standardwebhooks import Webhook

__all__ = [
    "BATCH_EVENT_TYPES",
    "DEFAULT_TOLERANCE",
    "BatchEvent",
    "BatchEventType",
    "UnknownEventError",
    "WebhookError",
    "WebhookPayloadError",
    "WebhookReceiver",
    "WebhookVerificationError",
]

BatchEventType = Literal["batch.completed", "batch.failed", "batch.expired", "batch.cancelled"]
BATCH_EVENT_TYPES: Final[frozenset[str]] = frozenset(
    {"batch.completed", "batch.failed", "batch.expired", "batch.cancelled"}
)
#: Seconds a timestamp may lie before or after now (the scheme's five minutes).
DEFAULT_TOLERANCE: Final = 300.0
_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


class WebhookError(OpenAIBatchError):
    """A webhook request that cannot be accepted (answer it with a 4xx)."""


class WebhookVerificationError(WebhookError):
    """The request is not proven to come from the service: a header is missing or malformed,
    the timestamp is outside the tolerance, or no signature matches."""


class WebhookPayloadError(WebhookError):
    """The signature holds but the body is not an event object (no ``type``, no ``data.id`` ...)."""


class UnknownEventError(WebhookError):
    """A genuine, verified event of a type this module does not parse (e.g. ``response.completed``).

    ``event_type`` and ``payload`` (the parsed JSON body) are kept so a caller can handle it, or
    acknowledge it with a 2xx and move on; its ``webhook_id`` is remembered like any other.
    """

    def __init__(self, message: str, *, event_type: object, webhook_id: str, payload: Any) -> None:
        super().__init__(message)
        self.event_type = event_type
        self.webhook_id = webhook_id
        self.payload = payload


@attrs.frozen
class BatchEvent:
    """A verified batch event.

    ``created_at`` is when the batch reached that state (Unix seconds, from the body);
    ``event_id`` is the body's ``evt_...`` id and ``webhook_id`` the delivery's header.

    Example::

        event = BatchEvent(type="batch.completed", batch_id="batch_abc", created_at=1719168000,
                           event_id="evt_abc", webhook_id="wh_abc")
        event.batch_id      # "batch_abc"
    """

    type: BatchEventType
    batch_id: str
    created_at: int
    event_id: str
    webhook_id: str


def _signer(secret: str | bytes) -> Webhook:
    try:
        from standardwebhooks import Webhook
    except ImportError:
        raise ImportError(
            "openai_batch.webhooks needs the `webhooks` extra: pip install 'openai-batch-client[webhooks]'"
        ) from None
    try:
        if isinstance(secret, str):
            # The library drops characters that are not base64, so a mistyped secret would be
            # taken and fail every signature; refuse it here instead, with a clear message.
            encoded = secret.removeprefix("whsec_")
            base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
        return Webhook(secret)
    except Exception:
        # The library's message can quote the value; ours names the format only, never the secret.
        raise WebhookError(
            "the webhook secret is not a valid signing secret (expected 'whsec_' then base64, or raw bytes)"
        ) from None


def _signatures(header: str) -> list[str]:
    # "v1,<b64> v1,<b64>": other versions and malformed entries are skipped, as the scheme asks.
    return [entry[3:] for entry in header.split() if entry.startswith("v1,") and len(entry) > 3]


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class WebhookReceiver:
    """Verifies, de-duplicates and parses the service's batch webhook events.

    ``clock`` returns the time in Unix seconds (inject a fixed one in tests); ``tolerance``
    is how far, in seconds, a timestamp may be from it; ``remember`` bounds how many accepted
    ``webhook-id`` values are kept for spotting repeats (the oldest are forgotten first).
    Safe to share between threads.

    Example::

        receiver = WebhookReceiver("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        event = receiver.receive(body_bytes, headers)     # BatchEvent, or None for a repeat
    """

    def __init__(
        self,
        secret: str | bytes,
        *,
        tolerance: float = DEFAULT_TOLERANCE,
        clock: Callable[[], float] = time.time,
        remember: int = 10_000,
    ) -> None:
        if tolerance < 0:
            raise ValueError("tolerance must be >= 0 seconds")
        if remember < 1:
            raise ValueError("remember must be at least 1")
        self._signer = _signer(secret)
        self._tolerance = tolerance
        self._clock = clock
        self._remember = remember
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"WebhookReceiver(tolerance={self._tolerance:g}, remember={self._remember})"

    def verify(self, body: bytes | str, headers: Mapping[str, str]) -> Any:
        """The parsed JSON body once the signature and timestamp hold; raises :class:`WebhookVerificationError`.

        ``body`` must be the raw bytes as received: re-serialised JSON no longer matches.
        Repeats are not checked here (see :meth:`receive`).
        """
        given = {key.lower(): value for key, value in headers.items()}
        missing = [name for name in _HEADERS if not given.get(name)]
        if missing:
            raise WebhookVerificationError(f"missing webhook header(s): {', '.join(missing)}")
        webhook_id, stamp = given["webhook-id"], given["webhook-timestamp"].strip()
        if not (stamp.isascii() and stamp.isdigit()):
            raise WebhookVerificationError(f"webhook-timestamp is not Unix seconds: {stamp[:32]!r}")
        timestamp = int(stamp)
        now = self._clock()
        if timestamp < now - self._tolerance:
            raise WebhookVerificationError(
                f"webhook-timestamp is {now - timestamp:.0f} s old, over the {self._tolerance:g} s tolerance "
                "(a replay, or a clock that is wrong)"
            )
        if timestamp > now + self._tolerance:
            raise WebhookVerificationError(
                f"webhook-timestamp is {timestamp - now:.0f} s in the future, over the {self._tolerance:g} s tolerance "
                "(check this machine's clock)"
            )
        try:
            text = body.decode("utf-8") if isinstance(body, bytes) else body
        except UnicodeDecodeError:
            raise WebhookVerificationError("the webhook body is not UTF-8 text") from None
        moment = dt.datetime.fromtimestamp(timestamp, tz=dt.UTC)
        expected = self._signer.sign(msg_id=webhook_id, timestamp=moment, data=text).removeprefix("v1,")
        # Every candidate is compared (constant time each), so timing says nothing of which matched.
        matches = [hmac.compare_digest(expected.encode(), s.encode()) for s in _signatures(given["webhook-signature"])]
        if not any(matches):
            raise WebhookVerificationError(
                "no valid v1 signature in webhook-signature (a wrong secret, or a body changed after "
                "signing: verify the raw bytes as received)"
            )
        try:
            return json.loads(text)
        except ValueError:
            raise WebhookPayloadError("the webhook body is signed but is not JSON") from None

    def receive(self, body: bytes | str, headers: Mapping[str, str]) -> BatchEvent | None:
        """Verify, then parse one delivery: a :class:`BatchEvent`, or None when this ``webhook-id`` was seen.

        Raises :class:`WebhookVerificationError` (not from the service), :class:`WebhookPayloadError`
        (signed, but not an event) or :class:`UnknownEventError` (a verified event of another type).
        """
        payload = self.verify(body, headers)
        webhook_id = next(value for key, value in headers.items() if key.lower() == "webhook-id")
        if not self._first_time(webhook_id):
            return None
        if not isinstance(payload, dict):
            raise WebhookPayloadError("the webhook body is not a JSON object")
        event_type = payload.get("type")
        if event_type not in BATCH_EVENT_TYPES:
            raise UnknownEventError(
                f"not a batch event: type {event_type!r} (batch events are {', '.join(sorted(BATCH_EVENT_TYPES))})",
                event_type=event_type,
                webhook_id=webhook_id,
                payload=payload,
            )
        data = payload.get("data")
        batch_id = data.get("id") if isinstance(data, dict) else None
        created_at = _int(payload.get("created_at"))
        event_id = payload.get("id")
        if not isinstance(batch_id, str) or created_at is None or not isinstance(event_id, str):
            raise WebhookPayloadError(f"a {event_type} event needs id, created_at and data.id (webhook {webhook_id})")
        return BatchEvent(
            type=cast(BatchEventType, event_type),
            batch_id=batch_id,
            created_at=created_at,
            event_id=event_id,
            webhook_id=webhook_id,
        )

    def _first_time(self, webhook_id: str) -> bool:
        with self._lock:
            if webhook_id in self._seen:
                self._seen.move_to_end(webhook_id)
                return False
            self._seen[webhook_id] = None
            while len(self._seen) > self._remember:
                self._seen.popitem(last=False)
            return True
