"""At 80 columns, in a real pseudo-terminal (pexpect drives it, pyte plays the terminal), the
status of a 20-shard job shows with no line wrapped: one line per shard or its shards grouped
by status, ids and endpoints whole (help text: tests/behaviour/test_cli_80_columns.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pexpect
import pyte
import pytest
from openai_batch.server import LocalServer

from tests.fixtures.local_server import input_file

pytestmark = pytest.mark.wire

COLUMNS = 80
SHARDS = 20


def in_terminal(argv: list[str], env: dict[str, str], rows: int = 50) -> tuple[list[str], list[str]]:
    """(the screen's lines, the lines the program wrote) of ``openai-batch ARGV`` at 80 columns."""
    child = pexpect.spawn(
        sys.executable, ["-m", "openai_batch.cli", *argv], env=env, dimensions=(rows, COLUMNS), timeout=120
    )
    screen = pyte.Screen(COLUMNS, rows)
    stream = pyte.ByteStream(screen)
    try:
        child.expect(pexpect.EOF)
        raw: bytes = child.before
        stream.feed(raw)
    finally:
        child.close(force=True)
    written = re.sub(r"\x1b\[[0-9;]*m", "", raw.decode()).split("\r\n")
    return [line.rstrip() for line in screen.display], written


def terminal_env(server: LocalServer, rows: int) -> dict[str, str]:
    env = {
        **os.environ,
        "OPENAI_API_KEY": "sk-local",
        "OPENAI_BASE_URL": server.base_url,
        "TERM": "xterm-256color",
        "COLUMNS": str(COLUMNS),
        "LINES": str(rows),
    }
    env.pop("NO_COLOR", None)
    return env


@pytest.mark.parametrize("rows", [50, 24])
def test_status_of_a_20_shard_job_has_no_wrapped_line(
    local_server_factory: Callable[..., LocalServer], tmp_path: Path, rows: int
) -> None:
    server = local_server_factory(fail_custom_id_pattern="-bad$")
    src = tmp_path / "in.jsonl"
    src.write_bytes(input_file([*(f"q{i}" for i in range(2 * SHARDS - 1)), "q-bad"]))
    env = terminal_env(server, rows)
    argv = [sys.executable, "-m", "openai_batch.cli", "submit", str(src), "--state", str(tmp_path / "jobs.sqlite")]
    argv += ["--max-requests-per-batch", "2", "--max-enqueued-tokens", "gpt-4o-mini=1000000000"]
    argv += ["--wait", "--progress", "never", "--poll-interval", "0.05", "--max-interval", "0.05"]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 1, done.stderr  # one request failed
    job_id = re.search(r"job_[0-9a-f]+", done.stdout)
    assert job_id, done.stdout

    screen, written = in_terminal(["status", job_id.group(), "--state", str(tmp_path / "jobs.sqlite")], env, rows)
    text = "\n".join(screen)
    assert all(len(line) <= COLUMNS for line in written), text
    assert job_id.group() in text and "/v1/chat/completions" in text, text
    shard_lines = [line for line in screen if re.search(r"\bbatch_[0-9a-z]+\b", line)]
    grouped = [line for line in screen if re.search(r"\b\d+ completed\b", line)]
    # A line per shard when they all fit the screen; else grouped by status.
    if rows >= SHARDS + 10:
        assert len(shard_lines) == SHARDS, text
    else:
        assert grouped == ["shards: 20 completed"], text
    assert len([line for line in written if line.strip()]) <= rows, text  # nothing scrolled off
    # Every batch id on the screen is whole (as long as the service's ids: batch_ + 24 or more characters).
    assert all(len(m) >= len("batch_") + 24 for m in re.findall(r"batch_[0-9a-z]*", text)), text
    assert f"{2 * SHARDS - 1}/{2 * SHARDS}" in text.replace(",", "") or f"{2 * SHARDS}/{2 * SHARDS}" in text, text
