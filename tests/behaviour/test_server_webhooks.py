"""The local server's webhook sender: signed deliveries, retries with the same id, events at each
final status, clean shutdown, and the secret kept out of reprs, logs and errors."""

from __future__ import annotations

import base64
import io
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openai_batch.cli import main
from openai_batch.server import ManualClock, ServerOptions
from openai_batch.server.files import FileService
from openai_batch.server.lifecycle import BatchEngine
from openai_batch.server.store import BatchRecord, Store
from openai_batch.server.webhooks import WebhookSender
from openai_batch.webhooks import WebhookError, WebhookReceiver

from tests.fixtures.local_server import input_file

SECRET = "whsec_" + base64.b64encode(b"server-side-webhook-test-key-42").decode()
NOW = 1_900_000_000
URL = "http://127.0.0.1:9/hooks?token=t0ken"


class Endpoint:
    """An httpx MockTransport answering with the given statuses in turn (then 200), recording each request."""

    def __init__(self, *answers: int | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if self.answers else 200
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer)


def sender(endpoint: Endpoint, *, retry_delays: tuple[float, ...] = (0.0, 0.0)) -> WebhookSender:
    return WebhookSender(
        URL, SECRET, retry_delays=retry_delays, transport=endpoint.transport, clock=lambda: float(NOW)
    ).start()


def verified(request: httpx.Request) -> dict[str, Any]:
    headers = dict(request.headers)
    payload = WebhookReceiver(SECRET, clock=lambda: float(NOW)).verify(request.content, headers)
    assert isinstance(payload, dict)
    return payload


def test_a_delivery_is_signed_in_the_services_shape() -> None:
    endpoint = Endpoint()
    hooks = sender(endpoint)
    webhook_id = hooks.send("batch.completed", "batch_abc", created_at=1_719_168_000)
    hooks.close()
    (request,) = endpoint.requests
    assert request.method == "POST" and str(request.url) == URL
    assert request.headers["webhook-id"] == webhook_id and webhook_id.startswith("wh_")
    assert request.headers["webhook-timestamp"] == str(NOW)  # the wall clock, not the batch's time
    assert request.headers["content-type"] == "application/json"
    payload = verified(request)
    assert payload["id"].startswith("evt_")
    assert {k: v for k, v in payload.items() if k != "id"} == {
        "object": "event",
        "type": "batch.completed",
        "created_at": 1_719_168_000,
        "data": {"id": "batch_abc"},
    }
    assert (hooks.delivered, hooks.failed_attempts, hooks.dropped) == (1, 0, 0)


def test_a_failed_delivery_is_retried_with_the_same_webhook_id_and_body() -> None:
    endpoint = Endpoint(500, httpx.ConnectError("refused"))
    hooks = sender(endpoint)
    hooks.send("batch.failed", "batch_abc", created_at=NOW)
    hooks.close()
    assert len(endpoint.requests) == 3
    assert len({r.headers["webhook-id"] for r in endpoint.requests}) == 1
    assert len({r.content for r in endpoint.requests}) == 1
    # Each attempt is signed afresh, and each verifies.
    assert all(verified(r)["type"] == "batch.failed" for r in endpoint.requests)
    receiver = WebhookReceiver(SECRET, clock=lambda: float(NOW))
    first, *repeats = [receiver.receive(r.content, dict(r.headers)) for r in endpoint.requests]
    assert first is not None and repeats == [None, None]  # a receiver acts on it once
    assert (hooks.delivered, hooks.failed_attempts, hooks.dropped) == (1, 2, 0)


def test_a_delivery_is_given_up_after_its_retries(caplog: pytest.LogCaptureFixture) -> None:
    endpoint = Endpoint(503, 503, 503, 503)
    hooks = sender(endpoint, retry_delays=(0.0, 0.0))
    with caplog.at_level(logging.INFO, logger="openai_batch.server.webhooks"):
        hooks.send("batch.expired", "batch_abc", created_at=NOW)
        hooks.close()
    assert len(endpoint.requests) == 3
    assert (hooks.delivered, hooks.failed_attempts, hooks.dropped) == (0, 3, 1)
    assert "gave up on batch.expired for batch_abc" in caplog.text and "HTTP 503" in caplog.text
    # Neither the secret nor the URL's token reaches a log line or a repr.
    assert SECRET not in caplog.text and "t0ken" not in caplog.text
    assert SECRET not in repr(hooks) and "t0ken" not in repr(hooks)


def test_closing_drops_retries_not_due_without_waiting_for_them(caplog: pytest.LogCaptureFixture) -> None:
    endpoint = Endpoint(500)
    hooks = sender(endpoint, retry_delays=(3600.0,))
    done = threading.Event()
    hooks.send("batch.cancelled", "batch_abc", created_at=NOW)
    thread = threading.Thread(target=lambda: (hooks.close(grace=0.0), done.set()))
    with caplog.at_level(logging.WARNING, logger="openai_batch.server.webhooks"):
        thread.start()
        thread.join(timeout=10)
    assert done.is_set()
    assert len(endpoint.requests) <= 1 and hooks.dropped == 1 and hooks.delivered == 0
    assert "not delivered before the server stopped" in caplog.text


def test_sending_is_non_blocking_while_the_receiver_hangs() -> None:
    release = threading.Event()

    def slow(request: httpx.Request) -> httpx.Response:
        release.wait(10)
        return httpx.Response(200)

    hooks = WebhookSender(URL, SECRET, transport=httpx.MockTransport(slow)).start()
    for i in range(5):
        hooks.send("batch.completed", f"batch_{i}", created_at=NOW)  # returns although no delivery finished
    assert hooks.delivered == 0
    release.set()
    hooks.close()
    assert hooks.delivered == 5


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"webhook_url": "http://127.0.0.1:9/h"}, "give both or neither"),
        ({"webhook_secret": SECRET}, "give both or neither"),
        ({"webhook_url": "127.0.0.1:9/h", "webhook_secret": SECRET}, "absolute http:// or https:// URL"),
        ({"webhook_url": "http://127.0.0.1:9/h", "webhook_secret": "whsec_not*base64!"}, "not a valid signing secret"),
    ],
)
def test_webhook_options_are_checked_at_start(options: dict[str, Any], message: str) -> None:
    with pytest.raises((ValueError, WebhookError), match=message) as raised:
        ServerOptions(**options)
    assert "not*base64" not in str(raised.value)


def test_the_options_repr_hides_the_secret() -> None:
    options = ServerOptions(webhook_url="http://127.0.0.1:9/h", webhook_secret=SECRET)
    assert SECRET not in repr(options) and "webhook_url='http://127.0.0.1:9/h'" in repr(options)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["serve", "--webhook-url", "http://127.0.0.1:9/h"], "--webhook-url needs --webhook-secret"),
        (["serve", "--webhook-secret", SECRET], "give both or neither"),
        (["serve", "--webhook-url", "ftp://x/h", "--webhook-secret", SECRET], "absolute http:// or https:// URL"),
    ],
)
def test_serve_refuses_bad_webhook_flags_in_one_line(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_BATCH_WEBHOOK_SECRET", raising=False)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and expected in err[0] and SECRET not in err[0]


def test_serve_reads_the_secret_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    from openai_batch.server.arguments import WEBHOOK_SECRET_ENV, add_server_arguments, options_from_args

    parser = argparse.ArgumentParser()
    add_server_arguments(parser)
    monkeypatch.setenv(WEBHOOK_SECRET_ENV, SECRET)
    options = options_from_args(parser.parse_args(["--webhook-url", "http://127.0.0.1:9/h"]))
    assert (options["webhook_url"], options["webhook_secret"]) == ("http://127.0.0.1:9/h", SECRET)
    assert ServerOptions(**options).webhook_secret == SECRET
    given = options_from_args(parser.parse_args(["--webhook-url", "http://h/x", "--webhook-secret", "whsec_AAAA"]))
    assert given["webhook_secret"] == "whsec_AAAA"  # the flag wins over the environment
    assert options_from_args(parser.parse_args([]))["webhook_secret"] is None  # no URL: no secret


# --- the engine tells of each final status ------------------------------------------------
class Engine:
    def __init__(self, data_dir: Path) -> None:
        self.finals: list[tuple[str, str, int | None]] = []
        self.options = ServerOptions(validating_seconds=10, finalizing_seconds=10, cancelling_seconds=10)
        self.clock = ManualClock(float(NOW))
        self.store = Store(data_dir)
        self.files = FileService(self.store, self.clock, self.options)
        self.engine = BatchEngine(self.store, self.clock, self.options, on_final=self.record)

    def record(self, record: BatchRecord) -> None:
        # What the server's notifier reads: the final status and when it was reached.
        stored = self.store.get_batch(record.id)
        assert stored is not None and stored.status == record.status  # committed before the news
        self.finals.append((record.id, record.status, getattr(record, f"{record.status}_at")))

    def create(self, data: bytes) -> str:
        file_id = self.files.create(io.BytesIO(data), filename="in.jsonl", purpose="batch").id
        body = {"input_file_id": file_id, "endpoint": "/v1/chat/completions", "completion_window": "24h"}
        return self.engine.create(body).id

    def step(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.engine.tick()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    made = Engine(tmp_path / "data")
    yield made
    made.store.close()


def test_the_engine_tells_of_every_final_status_once(engine: Engine) -> None:
    completed = engine.create(input_file(["a", "b"]))
    failed = engine.create(b'{"not": "a request"}\n')
    cancelled = engine.create(input_file(["c", "d"]))
    expired = engine.create(input_file(["e", "f"]))
    engine.engine.cancel(cancelled)
    engine.engine.expire_now(expired)
    for _ in range(10):
        engine.step(10)
    statuses = {batch_id: status for batch_id, status, _ in engine.finals}
    assert statuses == {completed: "completed", failed: "failed", cancelled: "cancelled", expired: "expired"}
    assert len(engine.finals) == 4  # once each, however many ticks follow
    assert all(stamp is not None and stamp >= NOW for _, _, stamp in engine.finals)


def test_a_failing_notifier_does_not_stop_processing(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    def broken(record: BatchRecord) -> None:
        raise RuntimeError("receiver exploded")

    engine.engine = BatchEngine(engine.store, engine.clock, engine.options, on_final=broken)
    batch_id = engine.create(input_file(["a"]))
    with caplog.at_level(logging.ERROR):
        for _ in range(5):
            engine.step(10)
    assert engine.engine.retrieve(batch_id).status == "completed"
    assert f"notifying the end of batch {batch_id} failed" in caplog.text
