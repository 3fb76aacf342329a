"""The command line in a real pseudo-terminal at 80 and 200 columns, read back as a screen
(pexpect drives it, pyte plays the terminal): the progress bar fits, says done/failed/total,
phase, elapsed and ETA, and a warning logged while it is live is printed above it, not into it.
Off a terminal the same wait prints plain progress lines."""

from __future__ import annotations

import os
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

BAR = "━"
REQUESTS = 12


def run_in_terminal(server: LocalServer, tmp_path: Path, columns: int) -> list[str]:
    src = tmp_path / "in.jsonl"
    src.write_bytes(input_file([*(f"q{i}" for i in range(REQUESTS - 1)), "q-bad"]))
    env = {
        **os.environ,
        "OPENAI_API_KEY": "sk-local",
        "OPENAI_BASE_URL": server.base_url,
        "TERM": "xterm-256color",
        "COLUMNS": str(columns),
        "LINES": "40",
    }
    env.pop("NO_COLOR", None)
    argv = ["-m", "openai_batch.cli", "submit", str(src), "--state", str(tmp_path / "jobs.sqlite")]
    argv += ["--wait", "--out", str(tmp_path / "out.jsonl"), "--poll-interval", "0.05", "--max-interval", "0.05"]
    child = pexpect.spawn(sys.executable, argv, env=env, dimensions=(40, columns), timeout=120)
    screen = pyte.Screen(columns, 40)
    stream = pyte.ByteStream(screen)
    try:
        child.expect("ETA")  # the bar is live
        stream.feed(child.before + child.after)
        # Three failed attempts (the client retries twice): one poll fails and is logged.
        server.state.faults.add([{"kind": "error", "status": 503, "count": 3, "match": "^GET /v1/batches/"}])
        child.expect(pexpect.EOF)
        stream.feed(child.before)
    finally:
        child.close(force=True)
    assert child.exitstatus == 1, "\n".join(screen.display)  # one request failed
    return [line.rstrip() for line in screen.display]


@pytest.mark.parametrize("columns", [80, 200])
def test_the_bar_fits_and_log_lines_print_above_it(
    local_server_factory: Callable[..., LocalServer], tmp_path: Path, columns: int
) -> None:
    server = local_server_factory(speed=50.0, throughput=0.2, fail_custom_id_pattern="-bad$")
    lines = run_in_terminal(server, tmp_path, columns)
    text = "\n".join(lines)
    bars = [i for i, line in enumerate(lines) if BAR in line]
    assert bars, text
    final = lines[bars[-1]] + " " + (lines[bars[-1] + 1] if bars[-1] + 1 < len(lines) else "")
    assert f"{REQUESTS}/{REQUESTS}" in final and "1 failed" in final, text
    assert "elapsed" in final and "ETA" in final, text
    warnings = [line for line in lines if "WARNING" in line]
    assert warnings and all(line.startswith("openai-batch: WARNING: polling batch") for line in warnings), text
    assert all(BAR not in line and "ETA" not in line for line in warnings), text
    assert all(line.count("batch_") <= 2 for line in lines)  # no two bars drawn into one line
    assert f"wrote {REQUESTS} result(s)" in text


def test_off_a_terminal_progress_is_plain_lines(
    local_server_factory: Callable[..., LocalServer], tmp_path: Path
) -> None:
    server = local_server_factory(speed=50.0, throughput=0.5)
    src = tmp_path / "in.jsonl"
    src.write_bytes(input_file(f"q{i}" for i in range(6)))
    env = {**os.environ, "OPENAI_API_KEY": "sk-local", "OPENAI_BASE_URL": server.base_url}
    argv = [sys.executable, "-m", "openai_batch.cli", "submit", str(src), "--state", str(tmp_path / "j.sqlite")]
    argv += ["--wait", "--poll-interval", "0.05", "--max-interval", "0.05", "--progress-interval", "0.1"]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    progress = [line for line in done.stderr.splitlines() if line.startswith("openai-batch: ")]
    assert len(progress) >= 2 and progress[-1].startswith("openai-batch: completed 6/6, 0 failed"), done.stderr
    assert BAR not in done.stderr and "\r" not in done.stderr
    quiet = subprocess.run(
        [*argv, "--new", "--progress", "never"], capture_output=True, text=True, env=env, timeout=120
    )
    assert quiet.returncode == 0 and quiet.stderr == ""
