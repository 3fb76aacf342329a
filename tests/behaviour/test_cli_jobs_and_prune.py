"""`jobs` lists newest first; `prune` removes a job's local files but keeps a record that `status` and
`results` still answer from; `prune --remote` works on a job found again on the service."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from openai_batch.cli import _commands, main

from tests.behaviour.workflow_fakes import FakeClient, write_chat_input

FAST = ["--poll-interval", "0.001", "--max-interval", "0.001"]


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> FakeClient:
    fake = FakeClient()
    monkeypatch.setattr(_commands, "make_client", lambda args: fake)
    return fake


def run_json(capsys: pytest.CaptureFixture[str], argv: list[str], code: int = 0) -> object:
    assert main([*argv, "--json"]) == code
    return json.loads(capsys.readouterr().out)


def submit(capsys: pytest.CaptureFixture[str], src: Path, state: str, *extra: str) -> str:
    result = run_json(capsys, ["submit", str(src), "--state", state, "--wait", *FAST, *extra])
    assert isinstance(result, dict)
    return str(result["job_id"])


def test_jobs_lists_the_newest_job_first(
    client: FakeClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = str(tmp_path / "jobs.sqlite")
    ids = [submit(capsys, write_chat_input(tmp_path / f"in{i}.jsonl", i + 1), state) for i in range(3)]
    listed = run_json(capsys, ["jobs", "--state", state])
    assert isinstance(listed, list)
    assert [job["job_id"] for job in listed] == ids[::-1]
    # The README's idiom picks the job just submitted.
    assert main(["jobs", "--state", state]) == 0
    assert re.findall(r"job_[0-9a-f]+", capsys.readouterr().out)[0] == ids[-1]
