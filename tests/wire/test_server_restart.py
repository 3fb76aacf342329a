"""The local server survives a restart: a batch stopped mid-progress, even by SIGKILL, completes
after a restart on the same data dir with every request's result exactly once."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from openai_batch.server import LocalServer

from tests.fixtures.local_server import input_file
from tests.fixtures.servers import free_port, port_accepts, stop, wait_until

pytestmark = pytest.mark.wire

AUTH = {"Authorization": "Bearer sk-test"}
REQUESTS = 1000


@contextmanager
def server_process(data_dir: Path, log: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    with log.open("ab") as output:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "openai_batch.server",
                "--port", str(port), "--data-dir", str(data_dir),
                "--speed", "1", "--throughput", "400", "--chunk-size", "25",
                "--validating-seconds", "0", "--finalizing-seconds", "0", "--tick-interval", "0.01",
                "--log-level", "warning",
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_until(lambda: port_accepts(port), process=process, what="python -m openai_batch.server")
        yield process, f"http://127.0.0.1:{port}/v1"
    finally:
        stop(process)


def poll(base_url: str, batch_id: str, until: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while True:
        batch: dict[str, Any] = httpx.get(f"{base_url}/batches/{batch_id}", headers=AUTH).json()
        if until(batch):
            return batch
        assert time.monotonic() < deadline, batch
        time.sleep(0.02)


def result_ids(base_url: str, batch: dict[str, Any]) -> Counter[str]:
    ids: Counter[str] = Counter()
    for key in ("output_file_id", "error_file_id"):
        if batch[key] is not None:
            content = httpx.get(f"{base_url}/files/{batch[key]}/content", headers=AUTH).content
            ids.update(json.loads(line)["custom_id"] for line in content.splitlines())
    return ids


def test_a_killed_server_resumes_its_batch_without_losing_or_repeating_results(tmp_path: Path) -> None:
    data_dir, log = tmp_path / "data", tmp_path / "server.log"
    custom_ids = [f"req-{i}" for i in range(REQUESTS)]
    with server_process(data_dir, log) as (process, base_url):
        file_id = httpx.post(
            f"{base_url}/files",
            headers=AUTH,
            files={"file": ("in.jsonl", input_file(custom_ids))},
            data={"purpose": "batch"},
        ).json()["id"]
        batch_id = httpx.post(
            f"{base_url}/batches",
            headers=AUTH,
            json={"input_file_id": file_id, "endpoint": "/v1/chat/completions", "completion_window": "24h"},
        ).json()["id"]
        before = poll(base_url, batch_id, lambda b: b["request_counts"]["completed"] >= 150)
        process.kill()  # no chance to flush or commit anything
        process.wait(timeout=10)
    assert before["status"] == "in_progress", "the kill must come mid-progress"

    with server_process(data_dir, log) as (_, base_url):
        resumed = httpx.get(f"{base_url}/batches/{batch_id}", headers=AUTH).json()
        assert resumed["request_counts"]["completed"] >= before["request_counts"]["completed"]
        done = poll(base_url, batch_id, lambda b: b["status"] not in {"validating", "in_progress", "finalizing"})
        assert done["status"] == "completed", log.read_text()
        assert done["request_counts"] == {"total": REQUESTS, "completed": REQUESTS, "failed": 0}
        seen = result_ids(base_url, done)
    assert sorted(seen) == sorted(custom_ids)
    assert set(seen.values()) == {1}, "no result line twice"


def test_a_stopped_thread_server_resumes_on_the_same_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    custom_ids = [f"r{i}" for i in range(300)]
    options: dict[str, Any] = {
        "speed": 1,
        "throughput": 200,
        "chunk_size": 10,
        "validating_seconds": 0,
        "tick_interval": 0.01,
    }
    with LocalServer(data_dir, finalizing_seconds=0, **options) as server:
        with httpx.Client(base_url=server.base_url, headers=AUTH) as http:
            file_id = http.post(
                "/files", files={"file": ("in.jsonl", input_file(custom_ids))}, data={"purpose": "batch"}
            ).json()["id"]
            batch_id = http.post(
                "/batches",
                json={"input_file_id": file_id, "endpoint": "/v1/chat/completions", "completion_window": "24h"},
            ).json()["id"]
            before = poll(server.base_url, batch_id, lambda b: b["request_counts"]["completed"] >= 50)
    assert before["status"] == "in_progress"

    with LocalServer(data_dir, finalizing_seconds=0, **options) as server:
        done = poll(server.base_url, batch_id, lambda b: b["status"] == "completed")
        assert done["created_at"] == before["created_at"]
        seen = result_ids(server.base_url, done)
    assert sorted(seen) == sorted(custom_ids)
    assert set(seen.values()) == {1}
