"""`make demo`'s job, at a small scale: local server, 50 requests, every result joined back."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from openai_batch import demo


def test_demo_runs_end_to_end_and_stops_its_server(capsys: pytest.CaptureFixture[str]) -> None:
    threads_before = set(threading.enumerate())
    assert demo.main(["--requests", "50", "--speed", "2000"]) == 0
    out = capsys.readouterr().out
    assert "batch finished: completed" in out
    # A new user is told up front, and again beside the counts, that the failures are on purpose.
    assert "fails 2% of requests on purpose" in out and "injected, not a fault" in out
    assert out.index("injected, not a fault") < out.index("batch finished")
    assert "results: 50 written" in out
    counts = {m[0]: int(m[1]) for m in re.findall(r"^\s+(succeeded|failed)\s+(\d+)$", out, re.MULTILINE)}
    assert sum(counts.values()) == 50 and counts["succeeded"] > 0
    # Joined results name their input question.
    assert re.search(r"request-\d{5}: '.+\?'", out) or re.search(r"request-\d{5}: '.+\.'", out)
    # The server thread is gone: nothing left running.
    assert {t for t in threading.enumerate() if t.is_alive()} <= threads_before


def test_the_demo_says_where_its_results_went(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kept = tmp_path / "kept.jsonl"
    assert demo.main(["--requests", "10", "--speed", "2000", "--out", str(kept)]) == 0
    assert f"results: 10 written to {kept}" in capsys.readouterr().out
    assert len(kept.read_bytes().splitlines()) == 10
    assert demo.main(["--requests", "10", "--speed", "2000"]) == 0
    assert "in a temporary folder removed at exit (keep it with --out PATH)" in capsys.readouterr().out
