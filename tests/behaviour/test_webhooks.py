"""Signed batch webhook events: verification, the timestamp window, repeats, parsing, and no secret in errors."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import pickle
from typing import Any

import pytest
from openai_batch.webhooks import (
    BatchEvent,
    UnknownEventError,
    WebhookError,
    WebhookPayloadError,
    WebhookReceiver,
    WebhookVerificationError,
)
from standardwebhooks import Webhook

KEY = b"batch-webhook-test-key-0123456789"
SECRET = "whsec_" + base64.b64encode(KEY).decode()
NOW = 1_900_000_000


def clock() -> float:
    return float(NOW)


def event(kind: str = "batch.completed", batch_id: str = "batch_abc", **extra: Any) -> bytes:
    body = {"id": "evt_123", "object": "event", "type": kind, "created_at": NOW - 5, "data": {"id": batch_id}}
    body.update(extra)
    return json.dumps(body).encode()


def hand_signed(body: bytes, *, webhook_id: str = "wh_1", timestamp: int = NOW, key: bytes = KEY) -> dict[str, str]:
    """Headers signed by hand with hmac, independently of the library the module uses."""
    digest = hmac.new(key, f"{webhook_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
    }


def library_signed(body: bytes, *, webhook_id: str = "wh_1", timestamp: int = NOW) -> dict[str, str]:
    import datetime as dt

    moment = dt.datetime.fromtimestamp(timestamp, tz=dt.UTC)
    signature = Webhook(SECRET).sign(msg_id=webhook_id, timestamp=moment, data=body.decode())
    return {"Webhook-Id": webhook_id, "Webhook-Timestamp": str(timestamp), "Webhook-Signature": signature}


@pytest.fixture
def receiver() -> WebhookReceiver:
    return WebhookReceiver(SECRET, clock=clock)


@pytest.mark.parametrize("kind", ["batch.completed", "batch.failed", "batch.expired", "batch.cancelled"])
def test_a_good_signature_gives_the_typed_event(receiver: WebhookReceiver, kind: str) -> None:
    body = event(kind)
    assert receiver.receive(body, hand_signed(body)) == BatchEvent(
        type=kind,  # type: ignore[arg-type]
        batch_id="batch_abc",
        created_at=NOW - 5,
        event_id="evt_123",
        webhook_id="wh_1",
    )


def test_the_librarys_signature_and_any_header_case_are_accepted(receiver: WebhookReceiver) -> None:
    body = event()
    received = receiver.receive(body, library_signed(body))
    assert received is not None and received.batch_id == "batch_abc"


def test_a_rotated_secret_matches_any_of_the_signatures(receiver: WebhookReceiver) -> None:
    body = event()
    headers = hand_signed(body)
    wrong = hand_signed(body, key=b"an-older-key")["webhook-signature"]
    headers["webhook-signature"] = f"v2,ignored {wrong} {headers['webhook-signature']} v1"
    assert receiver.receive(body, headers) is not None


@pytest.mark.parametrize(
    "tamper",
    [
        lambda h, b: ({**h, "webhook-signature": hand_signed(b, key=b"another key")["webhook-signature"]}, b),
        lambda h, b: (h, b.replace(b"batch_abc", b"batch_xyz")),  # body changed after signing
        lambda h, b: ({**h, "webhook-id": "wh_2"}, b),  # the id is signed too
        lambda h, b: ({**h, "webhook-timestamp": str(NOW - 1)}, b),  # and the timestamp
        lambda h, b: ({**h, "webhook-signature": "v1,not-base64!"}, b),
        lambda h, b: ({**h, "webhook-signature": "garbage"}, b),
    ],
)
def test_a_bad_signature_is_refused(receiver: WebhookReceiver, tamper: Any) -> None:
    body = event()
    headers, sent = tamper(hand_signed(body), body)
    with pytest.raises(WebhookVerificationError, match="no valid v1 signature"):
        receiver.receive(sent, headers)


@pytest.mark.parametrize(
    ("offset", "message"), [(-301, "301 s old"), (301, "301 s in the future"), (-3600, "3600 s old")]
)
def test_stale_and_future_timestamps_are_refused(receiver: WebhookReceiver, offset: int, message: str) -> None:
    body = event()
    with pytest.raises(WebhookVerificationError, match=message):
        receiver.receive(body, hand_signed(body, timestamp=NOW + offset))


@pytest.mark.parametrize("offset", [-300, 300, 0])
def test_timestamps_within_the_tolerance_are_accepted(receiver: WebhookReceiver, offset: int) -> None:
    body = event()
    assert receiver.receive(body, hand_signed(body, timestamp=NOW + offset)) is not None


def test_the_tolerance_is_a_setting() -> None:
    body = event()
    strict = WebhookReceiver(SECRET, clock=clock, tolerance=10)
    with pytest.raises(WebhookVerificationError, match="over the 10 s tolerance"):
        strict.receive(body, hand_signed(body, timestamp=NOW - 11))


@pytest.mark.parametrize("value", ["", "soon", "1.9e9", "-5", "١٢٣"])
def test_a_timestamp_that_is_not_unix_seconds_is_refused(receiver: WebhookReceiver, value: str) -> None:
    body = event()
    headers = {**hand_signed(body), "webhook-timestamp": value}
    with pytest.raises(WebhookVerificationError, match="webhook-timestamp"):
        receiver.receive(body, headers)


def test_missing_headers_are_named(receiver: WebhookReceiver) -> None:
    body = event()
    headers = hand_signed(body)
    del headers["webhook-id"], headers["webhook-signature"]
    with pytest.raises(WebhookVerificationError, match="missing webhook header\\(s\\): webhook-id, webhook-signature"):
        receiver.receive(body, headers)


def test_a_duplicate_delivery_is_ignored(receiver: WebhookReceiver) -> None:
    body = event()
    assert receiver.receive(body, hand_signed(body)) is not None
    # The retry of the same delivery, signed again a minute later: same webhook-id.
    assert receiver.receive(body, hand_signed(body, timestamp=NOW + 60)) is None
    other = event(batch_id="batch_other")
    received = receiver.receive(other, hand_signed(other, webhook_id="wh_2"))
    assert received is not None and received.batch_id == "batch_other"


def test_a_forged_request_does_not_mark_an_id_as_seen(receiver: WebhookReceiver) -> None:
    body = event()
    forged = hand_signed(body, key=b"attacker")
    with pytest.raises(WebhookVerificationError):
        receiver.receive(body, forged)
    assert receiver.receive(body, hand_signed(body)) is not None


def test_the_memory_of_seen_ids_is_bounded() -> None:
    receiver = WebhookReceiver(SECRET, clock=clock, remember=2)
    body = event()
    for webhook_id in ("wh_a", "wh_b", "wh_c"):
        assert receiver.receive(body, hand_signed(body, webhook_id=webhook_id)) is not None
    assert receiver.receive(body, hand_signed(body, webhook_id="wh_c")) is None
    assert receiver.receive(body, hand_signed(body, webhook_id="wh_b")) is None
    # The oldest was forgotten: its repeat is accepted again.
    assert receiver.receive(body, hand_signed(body, webhook_id="wh_a")) is not None


def test_an_unknown_event_type_is_verified_then_reported(receiver: WebhookReceiver) -> None:
    body = event("response.completed", batch_id="resp_1")
    with pytest.raises(UnknownEventError, match=r"not a batch event: type 'response\.completed'") as caught:
        receiver.receive(body, hand_signed(body))
    assert caught.value.event_type == "response.completed"
    assert caught.value.webhook_id == "wh_1"
    assert caught.value.payload["data"] == {"id": "resp_1"}
    assert receiver.receive(body, hand_signed(body)) is None  # its repeat is a repeat like any other


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[1, 2]", "not a JSON object"),
        (b"not json", "not JSON"),
        (event(data={}), "needs id, created_at and data.id"),
        (event(created_at="yesterday"), "needs id, created_at and data.id"),
        (event(created_at=True), "needs id, created_at and data.id"),
    ],
)
def test_a_signed_body_that_is_not_an_event_is_a_payload_error(
    receiver: WebhookReceiver, body: bytes, message: str
) -> None:
    with pytest.raises(WebhookPayloadError, match=message):
        receiver.receive(body, hand_signed(body))


def test_a_body_that_is_not_utf8_is_refused(receiver: WebhookReceiver) -> None:
    body = b"\xff\xfe"
    with pytest.raises(WebhookVerificationError, match="UTF-8"):
        receiver.receive(body, hand_signed(body))


def test_verify_returns_the_payload_without_remembering(receiver: WebhookReceiver) -> None:
    body = event()
    assert receiver.verify(body, hand_signed(body))["data"]["id"] == "batch_abc"
    assert receiver.receive(body, hand_signed(body)) is not None


def test_a_raw_bytes_secret_is_accepted() -> None:
    body = event()
    assert WebhookReceiver(KEY, clock=clock).receive(body, hand_signed(body)) is not None


@pytest.mark.parametrize("secret", ["whsec_", "whsec_abc!", "whsec_Zm9vYmFyZ", b""])
def test_a_bad_secret_is_refused_without_quoting_it(secret: str | bytes) -> None:
    with pytest.raises(WebhookError, match="not a valid signing secret") as caught:
        WebhookReceiver(secret)
    quoted = secret.removeprefix("whsec_") if isinstance(secret, str) else ""
    if quoted:
        assert quoted not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_no_error_or_repr_holds_the_secret(receiver: WebhookReceiver) -> None:
    body = event()
    good = hand_signed(body)
    cases = [
        (body, {**good, "webhook-signature": "v1,AAAA"}),
        (body, hand_signed(body, timestamp=NOW - 999)),
        (body, {}),
        (event("other"), hand_signed(event("other"), webhook_id="wh_x")),
    ]
    texts = [repr(receiver), str(receiver.__dict__.keys())]
    for sent, headers in cases:
        with pytest.raises(WebhookError) as caught:
            receiver.receive(sent, headers)
        texts += [str(caught.value), repr(caught.value)]
    for text in texts:
        assert SECRET not in text and base64.b64encode(KEY).decode() not in text and repr(KEY) not in text
    assert repr(receiver) == "WebhookReceiver(tolerance=300, remember=10000)"


def test_errors_pickle_for_task_queues(receiver: WebhookReceiver) -> None:
    body = event()
    with pytest.raises(WebhookVerificationError) as caught:
        receiver.receive(body, {**hand_signed(body), "webhook-signature": "v1,AAAA"})
    again = pickle.loads(pickle.dumps(caught.value))
    assert type(again) is WebhookVerificationError and str(again) == str(caught.value)


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="tolerance"):
        WebhookReceiver(SECRET, tolerance=-1)
    with pytest.raises(ValueError, match="remember"):
        WebhookReceiver(SECRET, remember=0)


def test_without_the_extra_the_error_says_which_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "standardwebhooks", None)  # what an absent package looks like to import
    with pytest.raises(ImportError, match=r"openai-batch-client\[webhooks\]"):
        WebhookReceiver(SECRET)
