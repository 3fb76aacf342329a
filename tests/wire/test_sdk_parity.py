"""Where users notice a difference from the official `openai` package, the same calls behave the
same: metadata is a plain dict, returned models become JSON with one call, text iteration yields
str, and `batches.wait(timeout=...)` is the wait's deadline. Both clients talk to one local server."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import pytest
from openai import OpenAI
from openai_batch import BatchClient, BatchWaitTimeout, to_data
from openai_batch.server import LocalServer

from tests.fixtures.local_server import input_file

pytestmark = pytest.mark.wire


def test_metadata_json_and_text_match_the_sdk(local_server_factory: Callable[..., LocalServer]) -> None:
    server = local_server_factory(throughput=1000.0)
    with (
        BatchClient(api_key="sk-local", base_url=server.base_url) as ours,
        OpenAI(api_key="sk-local", base_url=server.base_url, max_retries=0) as sdk,
    ):
        uploaded = ours.files.create(file=io.BytesIO(input_file(["a", "b"])), purpose="batch", filename="in.jsonl")
        created = ours.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/chat/completions", metadata={"job": "nightly"}
        )
        theirs = sdk.batches.retrieve(created.id)
        for batch in (created, ours.batches.retrieve(created.id), next(iter(ours.batches.list(limit=5)))):
            assert isinstance(batch.metadata, dict)
            assert batch.metadata.get("job") == "nightly" and dict(batch.metadata) == theirs.metadata
            assert json.loads(json.dumps(batch.metadata)) == theirs.metadata
            data = to_data(batch)
            assert json.loads(json.dumps(data))["id"] == created.id
            assert data["metadata"] == theirs.metadata
        done = ours.batches.wait(created.id, poll_interval=0.02, max_interval=0.05, timeout=60, progress=None)
        assert done.status == "completed" and done.output_file_id
        our_lines = list(ours.files.content(done.output_file_id).iter_lines())
        sdk_lines = list(sdk.files.content(done.output_file_id).iter_lines())
        assert our_lines == sdk_lines and all(isinstance(line, str) for line in our_lines)
        assert b"".join(ours.files.content(done.output_file_id).iter_bytes()).decode().splitlines() == our_lines
        assert json.loads(json.dumps(to_data(ours.files.list())))  # a whole page list, too


def test_wait_timeout_is_the_deadline(local_server_factory: Callable[..., LocalServer]) -> None:
    server = local_server_factory(speed=0.001)  # nothing moves while the test runs
    with BatchClient(api_key="sk-local", base_url=server.base_url) as client:
        uploaded = client.files.create(file=io.BytesIO(input_file(["a"])), purpose="batch", filename="in.jsonl")
        batch = client.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions")
        with pytest.raises(BatchWaitTimeout, match=batch.id):
            client.batches.wait(batch.id, poll_interval=0.01, max_interval=0.01, timeout=0.1, request_timeout=5)
