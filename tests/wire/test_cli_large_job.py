"""The whole promise at full size: `openai-batch submit` of 120,000 requests against the local
server is sharded into batches of 50,000 / 50,000 / 20,000, killed with SIGKILL right after the
second batch is created, rerun, and then waits with a progress bar and writes every result,
with no upload or batch made twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from openai_batch import BatchClient
from openai_batch.server import LocalServer
from openai_batch.workflow import CRASH_ENV

from tests.fixtures.local_server import input_file

pytestmark = [pytest.mark.wire, pytest.mark.slow]

REQUESTS = 120_000


def test_120k_requests_three_batches_kill_9_and_resume(
    local_server_factory: Callable[..., LocalServer], tmp_path: Path
) -> None:
    server = local_server_factory(throughput=1000.0)
    src = tmp_path / "in.jsonl"
    src.write_bytes(input_file(f"req-{i:06d}" for i in range(REQUESTS)))
    out = tmp_path / "results.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env.update(OPENAI_API_KEY="sk-local-large", OPENAI_BASE_URL=server.base_url)
    argv = [
        sys.executable,
        "-m",
        "openai_batch.cli",
        "submit",
        str(src),
        "--state",
        str(tmp_path / "jobs.sqlite"),
        "--wait",
        "--out",
        str(out),
        "--progress",
        "always",
        "--poll-interval",
        "0.2",
        "--max-interval",
        "1",
        "--json",
    ]

    started = time.monotonic()
    crashed = subprocess.run(
        argv,
        env={**env, CRASH_ENV: "after_batch_create:2"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    resumed = subprocess.run(argv, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    elapsed = time.monotonic() - started
    assert resumed.returncode == 0, resumed.stderr

    report = json.loads(resumed.stdout)
    assert report["resumed"] is True
    assert [s["request_count"] for s in report["job"]["shards"]] == [50_000, 50_000, 20_000]
    assert report["results"]["counts"] == {"succeeded": REQUESTS}
    assert f"{REQUESTS:,}/{REQUESTS:,}" in resumed.stderr  # the progress bar reached the end

    with BatchClient(api_key="sk-local-large", base_url=server.base_url) as client:
        batches = list(client.batches.list(limit=100))
        uploads = list(client.files.list(purpose="batch"))
    assert len(batches) == 3
    assert len(uploads) == 3

    count = 0
    with out.open("rb") as handle:
        for count, line in enumerate(handle, 1):
            row = json.loads(line)
            assert row["custom_id"] == f"req-{count - 1:06d}"
            assert row["outcome"] == "succeeded"
    assert count == REQUESTS
    print(f"\n120k job: kill -9 + resume + results in {elapsed:.1f}s")
