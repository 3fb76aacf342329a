"""A job waits on the local server's signed webhook events, with polling disabled.

The server POSTs each batch's final event to a small receiver this test runs on 127.0.0.1
(stdlib http.server in a thread); the receiver verifies it with WebhookReceiver and puts it on
the queue the job waits on. Retrieves are counted on the client's transport.
"""

from __future__ import annotations

import base64
import json
import queue
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from openai_batch import BatchClient
from openai_batch.server import LocalServer
from openai_batch.webhooks import BatchEvent, WebhookError, WebhookReceiver
from openai_batch.workflow import BatchLimits, Job

from tests.fixtures.local_server import ROOMY_QUEUE, input_file

pytestmark = pytest.mark.wire

SECRET = "whsec_" + base64.b64encode(b"local-server-webhook-test-key!!").decode()


class Receiver:
    """A webhook endpoint on 127.0.0.1: verifies each delivery and queues the event."""

    def __init__(self, secret: str) -> None:
        self.events: queue.Queue[BatchEvent] = queue.Queue()
        self.deliveries: list[dict[str, str]] = []
        self.rejected: list[str] = []
        verifier = WebhookReceiver(secret)
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                headers = {key.lower(): value for key, value in self.headers.items()}
                owner.deliveries.append({**headers, "body": body.decode()})
                try:
                    event = verifier.receive(body, headers)
                except WebhookError as exc:
                    owner.rejected.append(str(exc))
                    self.send_response(400)
                else:
                    if event is not None:
                        owner.events.put(event)
                    self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._http.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_port}/hooks"

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join()


class CountingTransport(httpx.BaseTransport):
    """The real transport, counting the batch retrieves (GET /v1/batches/<id>) that go through it."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()
        self.retrieves: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        parts = request.url.path.rstrip("/").split("/")
        if request.method == "GET" and len(parts) == 4 and parts[2] == "batches":
            self.retrieves.append(parts[3])
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver(SECRET) as running:
        yield running


def test_a_job_waits_on_webhook_events_with_polling_disabled(
    local_server_factory: Callable[..., LocalServer], receiver: Receiver, tmp_path: Path
) -> None:
    server = local_server_factory(throughput=1000.0, webhook_url=receiver.url, webhook_secret=SECRET)
    transport = CountingTransport()
    source = tmp_path / "in.jsonl"
    source.write_bytes(input_file(f"r{i:03d}" for i in range(25)))
    with BatchClient(api_key="sk-local-test", base_url=server.base_url, transport=transport) as client:
        with Job.submit(
            client, source, state=tmp_path / "jobs.sqlite", limits=BatchLimits(max_requests=10), queue=ROOMY_QUEUE
        ) as job:
            before = len(transport.retrieves)
            status = job.wait(events=receiver.events, fallback_poll=None, deadline=60)
            during = transport.retrieves[before:]
            summary = job.write_results(tmp_path / "out.jsonl")
            batch_ids = sorted(s.batch_id for s in status.shards if s.batch_id is not None)

    assert status.done and len(status.shards) == 3
    assert [s.status for s in status.shards] == ["completed"] * 3
    # One event per batch, each verified; one retrieve per event and no polling at all.
    assert receiver.rejected == []
    assert sorted(json.loads(d["body"])["data"]["id"] for d in receiver.deliveries) == batch_ids
    assert sorted(during) == batch_ids
    assert summary.counts == {"succeeded": 25}
    written = [json.loads(line) for line in (tmp_path / "out.jsonl").read_bytes().splitlines()]
    assert [r["custom_id"] for r in written] == [f"r{i:03d}" for i in range(25)]
    assert all(r["outcome"] == "succeeded" for r in written)


def test_each_delivery_has_the_services_shape_and_a_fresh_signature(
    local_server_factory: Callable[..., LocalServer], receiver: Receiver, tmp_path: Path
) -> None:
    server = local_server_factory(throughput=0.001, webhook_url=receiver.url, webhook_secret=SECRET)
    source = tmp_path / "in.jsonl"
    source.write_bytes(input_file(["a", "b"]))
    with BatchClient(api_key="sk-local-test", base_url=server.base_url) as client:
        uploaded = client.files.create(file=source, purpose="batch")
        batch = client.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions")
        client.batches.cancel(batch.id)
        event = receiver.events.get(timeout=30)
        final = client.batches.retrieve(batch.id)
    assert (event.type, event.batch_id) == ("batch.cancelled", batch.id)
    assert final.status == "cancelled" and event.created_at == final.cancelled_at
    (delivery,) = receiver.deliveries
    body = json.loads(delivery["body"])
    assert set(body) == {"id", "object", "type", "created_at", "data"}
    assert body["object"] == "event" and body["id"].startswith("evt_") and body["data"] == {"id": batch.id}
    assert delivery["content-type"] == "application/json"
    assert SECRET not in repr(server.state.webhooks) and SECRET not in repr(server.options)
