"""`results --schema`: every line without a parsed answer has a problem, and the summary counts them all."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from openai_batch.cli import _commands, main

from tests.behaviour.workflow_fakes import FakeClient, read_results, write_chat_input


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> FakeClient:
    fake = FakeClient()
    monkeypatch.setattr(_commands, "make_client", lambda args: fake)
    return fake


def answer_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "summary_models.py").write_text(
        "from pydantic import BaseModel\n\nclass Echo(BaseModel):\n    x: int\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))  # load_schema adds the current directory
    monkeypatch.delitem(sys.modules, "summary_models", raising=False)


def test_schema_summary_counts_failed_requests_as_problems(
    client: FakeClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answer_model(tmp_path, monkeypatch)
    src = write_chat_input(tmp_path / "in.jsonl", 3, bad={1})
    state = str(tmp_path / "jobs.sqlite")
    fast = ["--poll-interval", "0.001", "--max-interval", "0.001"]
    assert main(["submit", str(src), "--state", state, "--wait", *fast, "--json"]) == 1
    job_id = json.loads(capsys.readouterr().out)["job_id"]
    argv = ["results", job_id, "--state", state, "--out", "out.jsonl", "--schema", "summary_models:Echo"]
    assert main([*argv, "--json"]) == 1
    summary = json.loads(capsys.readouterr().out)
    # The fake's answers are not chat answers: two do not parse, and the failed one has no answer at all.
    assert summary["counts"] == {"succeeded": 2, "failed": 1}
    assert summary["problems"] == 3 and summary["problem_kinds"] == {"no_answer": 2, "failed": 1}
    lines = read_results(tmp_path / "out.jsonl")
    assert all(line["parsed"] is None and line["problem"] is not None for line in lines)
    assert lines[1]["problem"]["kind"] == "failed" and "bad request" in lines[1]["problem"]["message"]
    assert main(argv) == 1
    text = capsys.readouterr().out
    assert "3 of 3 result(s) have no parsed Echo: 2 no_answer, 1 failed" in text
    assert "0 answer(s)" not in text
