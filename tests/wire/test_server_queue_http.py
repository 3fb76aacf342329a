"""The local server's enqueued-token limits and line failures over HTTP, set at start and through
POST /v1/_admin/faults."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from openai_batch._tokens import estimate_file_tokens
from openai_batch.server import LocalServer

from tests.fixtures.local_server import input_file

pytestmark = pytest.mark.wire

FINAL = {"completed", "failed", "expired", "cancelled"}
CHAT = "/v1/chat/completions"


def chat_file(prefix: str) -> bytes:
    return input_file(f"{prefix}{i}" for i in range(3))


ESTIMATE = estimate_file_tokens(io.BytesIO(chat_file("a"))).total


@pytest.fixture
def connect() -> Iterator[Callable[[LocalServer], httpx.Client]]:
    opened: list[httpx.Client] = []

    def open_client(server: LocalServer) -> httpx.Client:
        client = httpx.Client(base_url=server.base_url, headers={"Authorization": "Bearer sk-test"})
        opened.append(client)
        return client

    yield open_client
    for client in opened:
        client.close()


def create(http: httpx.Client, data: bytes) -> httpx.Response:
    file_id = http.post("/files", files={"file": ("in.jsonl", data)}, data={"purpose": "batch"}).json()["id"]
    return http.post("/batches", json={"input_file_id": file_id, "endpoint": CHAT, "completion_window": "24h"})


def wait_for(http: httpx.Client, batch_id: str, statuses: set[str], timeout: float = 10.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        batch: dict[str, Any] = http.get(f"/batches/{batch_id}").json()
        if batch["status"] in statuses:
            return batch
        assert time.monotonic() < deadline, f"batch still {batch['status']} after {timeout}s"
        time.sleep(0.01)


def test_a_model_limit_given_at_start_fails_the_batch_that_passes_it(
    local_server_factory: Callable[..., LocalServer], connect: Callable[[LocalServer], httpx.Client]
) -> None:
    # Slow processing keeps the first batch in progress while the second is validated.
    server = local_server_factory(enqueued_token_limits={"gpt-4o-mini": ESTIMATE * 3 // 2}, throughput=0.001)
    http = connect(server)
    first = create(http, chat_file("a")).json()
    second = create(http, chat_file("b")).json()
    assert second["status"] == "validating"
    failed = wait_for(http, second["id"], FINAL)
    assert failed["status"] == "failed"
    [error] = failed["errors"]["data"]
    assert error == {
        "code": "token_limit_exceeded",
        "message": f"Enqueued token limit reached for gpt-4o-mini in organization org-local. Limit: "
        f"{ESTIMATE * 3 // 2:,} enqueued tokens. Please try again once some in_progress batches have been completed.",
        "param": None,
        "line": None,
    }
    assert http.get(f"/batches/{first['id']}").json()["status"] == "in_progress"


def test_reject_mode_set_at_run_time_answers_400_and_delete_restores_the_start(
    local_server_factory: Callable[..., LocalServer], connect: Callable[[LocalServer], httpx.Client]
) -> None:
    server = local_server_factory(throughput=0.001)
    http = connect(server)
    changed = http.post("/_admin/faults", json={"enqueued_token_limit": ESTIMATE, "token_limit_mode": "reject"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["enqueued_token_limit"] == ESTIMATE
    assert changed.json()["token_limit_mode"] == "reject"
    assert create(http, chat_file("a")).status_code == 200
    refused = create(http, chat_file("b"))
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert (error["code"], error["type"], error["param"]) == ("token_limit_exceeded", "invalid_request_error", None)
    assert error["message"].startswith("Enqueued token limit reached for gpt-4o-mini in organization org-local.")

    restored = http.delete("/_admin/faults").json()
    assert (restored["enqueued_token_limit"], restored["token_limit_mode"]) == (None, "fail")
    assert create(http, chat_file("c")).status_code == 200


def test_lines_made_to_fail_once_at_run_time_succeed_on_their_second_run(
    local_server_factory: Callable[..., LocalServer], connect: Callable[[LocalServer], httpx.Client]
) -> None:
    server = local_server_factory(throughput=1000.0)
    http = connect(server)
    settings = {"fail_custom_id_pattern": "^a[02]$", "fail_status_code": 500, "fail_times": 1}
    assert http.post("/_admin/faults", json=settings).json()["fail_times"] == 1
    first = wait_for(http, create(http, chat_file("a")).json()["id"], FINAL)
    assert first["request_counts"] == {"total": 3, "completed": 1, "failed": 2}
    lines = http.get(f"/files/{first['error_file_id']}/content").text.splitlines()
    assert len(lines) == 2 and all('"status_code":500' in line for line in lines)
    second = wait_for(http, create(http, chat_file("a")).json()["id"], FINAL)
    assert second["request_counts"] == {"total": 3, "completed": 3, "failed": 0}


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"token_limit_mode": "later"}, "token_limit_mode"),
        ({"enqueued_token_limits": {"gpt-4o": -5}}, "enqueued_token_limits"),
        ({"fail_status_code": 302}, "fail_status_code"),
        ({"fail_times": "once"}, "fail_times"),
    ],
)
def test_bad_run_time_settings_are_refused(
    local_server: LocalServer, connect: Callable[[LocalServer], httpx.Client], body: dict[str, Any], param: str
) -> None:
    http = connect(local_server)
    response = http.post("/_admin/faults", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param
    assert http.get("/_admin/faults").json()["token_limit_mode"] == "fail", "nothing was changed"
