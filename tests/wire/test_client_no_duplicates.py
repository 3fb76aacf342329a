"""On the wire: a create whose answer is lost yields exactly one batch (or file) on the server.

The local server carries out the request, then drops the connection or answers too late
(`"after": true` faults), which is the case where the official SDK's blind retry bills a
second batch. The real client, unmodified but for a no-op sleep, must end with one object.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openai_batch import BatchClient
from openai_batch.server import LocalServer

from tests.fixtures.local_server import input_file


@pytest.fixture
def server(local_server_factory: Callable[..., LocalServer]) -> LocalServer:
    return local_server_factory()


@pytest.fixture
def client(server: LocalServer) -> Iterator[BatchClient]:
    with BatchClient(api_key="sk-wire-test", base_url=server.base_url, sleep=lambda seconds: None) as client:
        yield client


def add_fault(server: LocalServer, rule: dict[str, Any]) -> None:
    response = httpx.post(
        f"{server.base_url}/_admin/faults", json={"rules": [rule]}, headers={"Authorization": "Bearer sk-wire-test"}
    )
    assert response.status_code == 200, response.text


def fired(server: LocalServer) -> int:
    """How many times the installed fault fired (so a test cannot pass without its fault)."""
    state = httpx.get(f"{server.base_url}/_admin/faults", headers={"Authorization": "Bearer sk-wire-test"}).json()
    return sum(rule["fired"] for rule in state["rules"])


def count_batches(client: BatchClient) -> int:
    return sum(1 for _ in client.batches.list(limit=100))


def upload(client: BatchClient, tmp_path: Path) -> str:
    path = tmp_path / "in.jsonl"
    path.write_bytes(input_file(["a", "b"]))
    return client.files.create(file=path, purpose="batch").id


@pytest.mark.parametrize(
    "rule",
    [
        {"kind": "drop", "match": "POST /v1/batches$", "count": 1, "after": True},
        {"kind": "error", "status": 503, "match": "POST /v1/batches$", "count": 1, "after": True},
        {"kind": "delay", "seconds": 0.6, "match": "POST /v1/batches$", "count": 1, "after": True},
    ],
    ids=["dropped-connection", "503-after-create", "read-timeout"],
)
def test_lost_create_answer_leaves_one_batch(
    server: LocalServer, client: BatchClient, tmp_path: Path, rule: dict[str, Any]
) -> None:
    file_id = upload(client, tmp_path)
    add_fault(server, rule)
    batch = client.batches.create(
        input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h", timeout=0.3
    )
    assert fired(server) == 1
    assert batch.input_file_id == file_id
    assert count_batches(client) == 1
    assert client.batches.retrieve(batch.id).id == batch.id


def test_lost_upload_answer_leaves_one_file(server: LocalServer, client: BatchClient, tmp_path: Path) -> None:
    add_fault(server, {"kind": "drop", "match": "POST /v1/files$", "count": 1, "after": True})
    file_id = upload(client, tmp_path)
    assert fired(server) == 1
    files = list(client.files.list(purpose="batch"))
    assert [f.id for f in files] == [file_id]
