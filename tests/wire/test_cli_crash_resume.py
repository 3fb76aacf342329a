"""kill -9 of `openai-batch submit` at each risky point, then a rerun: nothing uploaded or created
twice on the local server, and every result present exactly once.

The crash comes from the job's test hook (OPENAI_BATCH_TEST_CRASH_AT), which SIGKILLs the
process itself at the named point: no cleanup runs, as with a real kill -9.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from openai_batch import BatchClient
from openai_batch.server import LocalServer
from openai_batch.workflow import CRASH_ENV

from tests.fixtures.local_server import input_file

pytestmark = pytest.mark.wire

REQUESTS = 7_500
PER_BATCH = 2_500


def run_cli(
    args: list[str], *, server: LocalServer, cwd: Path, crash_at: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env.update(OPENAI_API_KEY="sk-local-crash-test", OPENAI_BASE_URL=server.base_url)
    if crash_at:
        env[CRASH_ENV] = crash_at
    return subprocess.run(
        [sys.executable, "-m", "openai_batch.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("crash_at", "forget_state"),
    [
        ("after_shard", False),
        ("after_upload:2", False),  # shard 1 uploaded, its file id never recorded
        ("before_batch_create:2", False),  # intent recorded, batch not created
        ("after_batch_create:2", False),  # shard 1's batch created, its id never recorded
        ("after_batch_record:3", False),  # every batch sent; killed before waiting
        ("during_download:3000", False),  # shard 1's output stored, not shard 2's
        ("after_download:1", False),
        # The state file deleted too (or another machine): the service's tags say what was sent.
        ("after_upload:2", True),
        ("after_batch_create:2", True),
        ("after_batch_record:3", True),
        ("during_download:3000", True),
    ],
)
def test_kill_9_then_rerun_sends_nothing_twice_and_loses_no_result(
    local_server_factory: Callable[..., LocalServer], tmp_path: Path, crash_at: str, forget_state: bool
) -> None:
    server = local_server_factory(throughput=1000.0)
    src = tmp_path / "in.jsonl"
    src.write_bytes(input_file(f"req-{i:05d}" for i in range(REQUESTS)))
    out = tmp_path / "out.jsonl"
    argv = [
        "submit",
        str(src),
        "--state",
        str(tmp_path / "state" / "jobs.sqlite"),
        "--max-requests-per-batch",
        str(PER_BATCH),
        "--wait",
        "--out",
        str(out),
        "--poll-interval",
        "0.05",
        "--max-interval",
        "0.2",
        "--json",
    ]
    crashed = run_cli(argv, server=server, cwd=tmp_path, crash_at=crash_at)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    assert not out.exists()
    if forget_state:
        shutil.rmtree(tmp_path / "state")

    resumed = run_cli(argv, server=server, cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    report = json.loads(resumed.stdout)
    assert report["resumed"] is True  # recorded before anything was sent, or found on the service
    assert report["results"]["counts"] == {"succeeded": REQUESTS}

    with BatchClient(api_key="sk-local-crash-test", base_url=server.base_url) as client:
        uploads = list(client.files.list(purpose="batch"))
        batches = list(client.batches.list(limit=100))
    assert len(uploads) == 3, [f.filename for f in uploads]
    assert len(batches) == 3
    assert sorted(b.input_file_id for b in batches) == sorted(f.id for f in uploads)

    ids = [json.loads(line)["custom_id"] for line in out.read_bytes().splitlines()]
    assert ids == [f"req-{i:05d}" for i in range(REQUESTS)]

    # A third run finds the job finished and sends nothing.
    again = run_cli(argv, server=server, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["resumed"] is True
    with BatchClient(api_key="sk-local-crash-test", base_url=server.base_url) as client:
        assert len(list(client.batches.list(limit=100))) == 3
