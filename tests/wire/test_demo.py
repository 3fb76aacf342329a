"""`make demo`'s job, at a small scale: local server, 50 requests, every result joined back."""

from __future__ import annotations

import re
import threading

import pytest
from openai_batch import demo


def test_demo_runs_end_to_end_and_stops_its_server(capsys: pytest.CaptureFixture[str]) -> None:
    threads_before = set(threading.enumerate())
    assert demo.main(["--requests", "50", "--speed", "2000"]) == 0
    out = capsys.readouterr().out
    assert "batch finished: completed" in out
    assert "results: 50 written" in out
    counts = {m[0]: int(m[1]) for m in re.findall(r"^\s+(succeeded|failed)\s+(\d+)$", out, re.MULTILINE)}
    assert sum(counts.values()) == 50 and counts["succeeded"] > 0
    # Joined results name their input question.
    assert re.search(r"request-\d{5}: '.+\?'", out) or re.search(r"request-\d{5}: '.+\.'", out)
    # The server thread is gone: nothing left running.
    assert {t for t in threading.enumerate() if t.is_alive()} <= threads_before
