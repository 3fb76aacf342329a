"""`openai-batch list`, `jobs` and `status` piped into grep: every full id comes back out."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from openai_batch.server import LocalServer

from tests.fixtures.local_server import input_file

pytestmark = pytest.mark.wire

CLI = [sys.executable, "-m", "openai_batch.cli"]


def piped(argv: list[str], env: dict[str, str], pattern: str) -> list[str]:
    """Run the CLI with stdout a pipe into `grep -o pattern`; the matches."""
    cli = subprocess.Popen([*CLI, *argv], stdout=subprocess.PIPE, env=env)
    grep = subprocess.run(["grep", "-oE", pattern], stdin=cli.stdout, capture_output=True, text=True, check=False)
    assert cli.stdout is not None
    cli.stdout.close()
    assert cli.wait(timeout=60) in (0, 1)
    return grep.stdout.split()


def test_grep_recovers_every_full_id(local_server_factory: Callable[..., LocalServer], tmp_path: Path) -> None:
    server = local_server_factory(throughput=1000.0)
    env = {**os.environ, "OPENAI_API_KEY": "sk-local", "OPENAI_BASE_URL": server.base_url, "COLUMNS": "80"}
    src = tmp_path / "in.jsonl"
    src.write_bytes(input_file(f"q{i}" for i in range(6)))
    state = str(tmp_path / "jobs.sqlite")
    submitted = subprocess.run(
        [
            *CLI,
            "submit",
            str(src),
            "--state",
            state,
            "--max-requests-per-batch",
            "2",
            "--wait",
            "--json",
            "--poll-interval",
            "0.02",
            "--max-interval",
            "0.1",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    job = json.loads(submitted.stdout)
    job_id, batch_ids = job["job_id"], [shard["batch_id"] for shard in job["job"]["shards"]]
    assert len(batch_ids) == 3 and all(re.fullmatch(r"batch_[0-9a-f]{20,}", b) for b in batch_ids)
    assert sorted(piped(["list", "--limit", "10"], env, r"batch_[0-9a-f]+")) == sorted(batch_ids)
    assert piped(["jobs", "--state", state], env, r"job_[0-9a-f]+") == [job_id]
    shown = piped(["status", job_id, "--state", state], env, r"(job|batch)_[0-9a-f]+")
    assert sorted(shown) == sorted([job_id, *batch_ids])
    no_state = str(tmp_path / "none.sqlite")  # a batch no job owns is shown on its own
    for batch_id in batch_ids:
        assert piped(["status", batch_id, "--state", no_state], env, r"batch_[0-9a-f]+") == [batch_id]
