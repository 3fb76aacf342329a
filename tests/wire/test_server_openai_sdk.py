"""The official `openai` package, unchanged, runs a whole batch lifecycle against the local server."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable

import openai
import pytest
from openai import OpenAI
from openai.types import Batch
from openai_batch.server import LocalServer

from tests.fixtures.local_server import input_file

pytestmark = pytest.mark.wire


def wait(client: OpenAI, batch_id: str, statuses: set[str]) -> Batch:
    deadline = time.monotonic() + 10
    while (batch := client.batches.retrieve(batch_id)).status not in statuses:
        assert time.monotonic() < deadline, batch.status
        time.sleep(0.01)
    return batch


def test_the_openai_package_runs_the_full_lifecycle(local_server_factory: Callable[..., LocalServer]) -> None:
    server = local_server_factory(fail_custom_id_pattern=r"-13$")
    custom_ids = [f"task-{i}" for i in range(25)]
    with OpenAI(api_key="sk-local", base_url=server.base_url, max_retries=0) as client:
        uploaded = client.files.create(
            file=("requests.jsonl", io.BytesIO(input_file(custom_ids))),
            purpose="batch",
            expires_after={"anchor": "created_at", "seconds": 86_400},
        )
        assert uploaded.purpose == "batch"
        assert uploaded.expires_at == uploaded.created_at + 86_400

        batch = client.batches.create(
            input_file_id=uploaded.id,
            endpoint="/v1/chat/completions",
            completion_window="24h",
            metadata={"job": "sdk"},
        )
        assert batch.status == "validating"
        done = wait(client, batch.id, {"completed", "failed", "expired", "cancelled"})
        assert done.status == "completed"
        assert done.request_counts is not None
        assert (done.request_counts.total, done.request_counts.completed, done.request_counts.failed) == (25, 24, 1)
        assert done.model == "gpt-4o-mini"
        assert done.usage is not None and done.usage.total_tokens > 0

        server.state.clock.set_speed(1)  # keep the next batch running until it is cancelled
        other = client.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        assert client.batches.cancel(other.id).status == "cancelling"
        server.state.clock.set_speed(1000)
        cancelled = wait(client, other.id, {"cancelled"})
        assert cancelled.cancelled_at is not None

        listed = [b.id for b in client.batches.list(limit=1)]
        assert listed == [other.id, batch.id], "auto-pagination, newest first"

        assert done.output_file_id is not None and done.error_file_id is not None
        outputs = [json.loads(line) for line in client.files.content(done.output_file_id).text.splitlines()]
        errors = [json.loads(line) for line in client.files.content(done.error_file_id).text.splitlines()]
        by_id = {line["custom_id"]: line for line in outputs + errors}
        assert sorted(by_id) == sorted(custom_ids), "every input joins its result by custom_id"
        for custom_id in custom_ids:
            response = by_id[custom_id]["response"]
            if custom_id == "task-13":
                assert response["status_code"] == 400
            else:
                assert response["status_code"] == 200
                assert f"question {custom_id}" in response["body"]["choices"][0]["message"]["content"]

        files = [f.id for f in client.files.list(purpose="batch_output")]
        assert set(files) >= {done.output_file_id, done.error_file_id}
        assert client.files.delete(uploaded.id).deleted is True
        with pytest.raises(openai.NotFoundError):
            client.files.retrieve(uploaded.id)


def test_the_openai_package_sees_the_service_errors(local_server_factory: Callable[..., LocalServer]) -> None:
    server = local_server_factory(required_api_key="sk-right")
    with OpenAI(api_key="sk-wrong", base_url=server.base_url, max_retries=0) as client:
        with pytest.raises(openai.AuthenticationError) as raised:
            client.batches.list()
        assert raised.value.code == "invalid_api_key"
        assert raised.value.request_id is not None and raised.value.request_id.startswith("req_")
    with OpenAI(api_key="sk-right", base_url=server.base_url, max_retries=0) as client:
        with pytest.raises(openai.BadRequestError) as bad:
            client.batches.create(input_file_id="file-none", endpoint="/v1/embeddings", completion_window="24h")
        assert bad.value.param == "input_file_id"
        server.state.faults.add([{"kind": "error", "status": 429, "retry_after": 0, "count": 1}])
        with pytest.raises(openai.RateLimitError):
            client.batches.list()


def test_bytes_uploaded_through_the_sdk_are_accepted_whatever_their_name(
    local_server_factory: Callable[..., LocalServer],
) -> None:
    # The SDK names an upload of bare bytes "upload"; the service judges the content, not the name.
    server = local_server_factory()
    with OpenAI(api_key="sk-local", base_url=server.base_url, max_retries=0) as client:
        uploaded = client.files.create(file=input_file(["a", "b"]), purpose="batch")
        assert (uploaded.filename, uploaded.purpose) == ("upload", "batch")
        named = client.files.create(file=("requests.txt", input_file(["c"])), purpose="batch")
        assert named.filename == "requests.txt"
        batch = client.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        assert wait(client, batch.id, {"completed", "failed"}).status == "completed"


@pytest.mark.parametrize(
    ("name", "content"),
    [("requests.jsonl", b"custom_id,method\nr1,POST\n"), ("upload", b"[1, 2]\nnot json\n")],
)
def test_content_that_is_not_jsonl_is_refused_in_the_services_words(
    local_server_factory: Callable[..., LocalServer], name: str, content: bytes
) -> None:
    server = local_server_factory()
    with OpenAI(api_key="sk-local", base_url=server.base_url, max_retries=0) as client:
        with pytest.raises(openai.BadRequestError) as info:
            client.files.create(file=(name, content), purpose="batch")
    assert info.value.status_code == 400
    assert info.value.body == {
        "message": "Invalid file format for Batch API. Must be .jsonl",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
