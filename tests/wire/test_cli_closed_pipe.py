"""A reader that leaves (`| head -1`) ends any command quietly: exit 141, as a Unix tool killed by SIGPIPE,
and no traceback or "Exception ignored" on stderr."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from openai_batch import BatchClient
from openai_batch.server import LocalServer

from tests.fixtures.local_server import input_file

pytestmark = pytest.mark.wire

CLI = [sys.executable, "-m", "openai_batch.cli"]
CLOSED_PIPE = 141  # 128 + SIGPIPE, what `seq 100000 | head -1` leaves in ${PIPESTATUS[0]}


def into_closed_pipe(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the CLI with stdout a pipe whose reader has already gone: its first write fails."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [*CLI, *argv], stdout=write_end, stderr=subprocess.PIPE, env=env, text=True, timeout=120, check=False
        )
    finally:
        os.close(write_end)


def into_head(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """`openai-batch ARGV | head -1`: the CLI's exit code and stderr, and head's output."""
    cli = subprocess.Popen([*CLI, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    assert cli.stdout is not None and cli.stderr is not None
    head = subprocess.run(["head", "-1"], stdin=cli.stdout, capture_output=True, text=True, timeout=120, check=False)
    cli.stdout.close()
    err = cli.stderr.read()
    cli.stderr.close()
    return cli.wait(timeout=120), err, head.stdout


@pytest.fixture
def env(local_server_factory: Callable[..., LocalServer]) -> dict[str, str]:
    server = local_server_factory(throughput=1000.0)
    return {**os.environ, "OPENAI_API_KEY": "sk-local", "OPENAI_BASE_URL": server.base_url, "COLUMNS": "80"}


def test_every_command_ends_quietly_on_a_closed_pipe(env: dict[str, str], tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(input_file(f"q{i}" for i in range(4)))
    state = str(tmp_path / "jobs.sqlite")
    submit = ["submit", str(src), "--state", state, "--wait", "--max-requests-per-batch", "2"]
    submit += ["--poll-interval", "0.02", "--max-interval", "0.1"]
    submitted = subprocess.run(
        [*CLI, *submit, "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    job_id = json.loads(submitted.stdout)["job_id"]
    commands = [
        ["files", "list"],
        ["list", "--limit", "100"],
        ["jobs", "--state", state],
        ["status", job_id, "--state", state],
        ["results", job_id, "--state", state, "--out", "-"],
        ["validate", str(src)],
        ["estimate", str(src)],
        ["--json", "list"],
        submit,  # resumes the finished job: its lines are the first writes
    ]
    for argv in commands:
        done = into_closed_pipe(argv, env)
        assert (done.returncode, done.stderr) == (CLOSED_PIPE, ""), (argv, done.stderr)
    # argparse prints help itself and ignores a failed write: quiet too, with its own exit 0.
    done = into_closed_pipe(["--help"], env)
    assert (done.returncode, done.stderr) == (0, "")


def test_files_list_into_head_prints_one_line_and_no_traceback(env: dict[str, str], tmp_path: Path) -> None:
    # Enough files that the listing (~100 KB) outgrows the pipe's buffer after head has left.
    with BatchClient(api_key="sk-local", base_url=env["OPENAI_BASE_URL"]) as client:
        for i in range(600):
            name = f"upload-{i:04d}-{'x' * 100}.jsonl"
            client.files.create(file=io.BytesIO(input_file([f"q{i}"])), filename=name, purpose="batch")
    code, err, shown = into_head(["files", "list"], env)
    assert shown.startswith("file") and shown.count("\n") == 1
    assert "Traceback" not in err and "BrokenPipeError" not in err and "Exception ignored" not in err
    assert code == CLOSED_PIPE
