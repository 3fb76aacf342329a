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


def test_prune_keeps_a_record_that_status_and_results_answer_from(
    client: FakeClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = str(tmp_path / "state" / "jobs.sqlite")
    src = write_chat_input(tmp_path / "in.jsonl", 3, bad={1})
    result = run_json(capsys, ["submit", str(src), "--state", state, "--wait", *FAST], 1)
    assert isinstance(result, dict)
    job_id = str(result["job_id"])
    before = run_json(capsys, ["status", job_id, "--state", state], 1)
    assert (tmp_path / "state" / "jobs" / job_id).exists()
    reads = client.server.content_reads

    pruned = run_json(capsys, ["prune", job_id, "--state", state])
    assert isinstance(pruned, list) and [p["job_id"] for p in pruned] == [job_id]
    assert not (tmp_path / "state" / "jobs" / job_id).exists()

    # status answers from the record, without downloading anything again, with the same exit code.
    after = run_json(capsys, ["status", job_id, "--state", state], 1)
    assert isinstance(before, dict) and isinstance(after, dict)
    assert after["pruned"]["remote_files_deleted"] is False and after["pruned"]["at"]
    assert {k: after[k] for k in ("status", "outcomes", "request_count")} == {
        k: before[k] for k in ("status", "outcomes", "request_count")
    }
    assert [s["batch_id"] for s in after["shards"]] == [s["batch_id"] for s in before["shards"]]
    assert client.server.content_reads == reads
    assert main(["status", job_id, "--state", state]) == 1
    text = capsys.readouterr().out
    assert job_id in text and "pruned" in text and "local files removed" in text

    # results says plainly that the local files are gone, and how to get them back.
    assert main(["results", job_id, "--state", state, "--out", str(tmp_path / "again.jsonl")]) == 2
    err = capsys.readouterr().err
    assert f"job {job_id} was pruned" in err and "local result files were removed" in err
    assert "openai-batch submit" in err and not (tmp_path / "again.jsonl").exists()
    # The job is no longer a job: `jobs` does not list it and pruning it again says so.
    assert run_json(capsys, ["jobs", "--state", state]) == []
    assert main(["prune", job_id, "--state", state]) == 2
    assert "already pruned" in capsys.readouterr().err


def test_prune_remote_works_on_a_rediscovered_finished_job(
    client: FakeClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 4)
    first = str(tmp_path / "first" / "jobs.sqlite")
    job_id = submit(capsys, src, first, "--max-requests-per-batch", "2")
    # Another machine (a fresh state file) runs the same submit: the job is found on the service.
    state = str(tmp_path / "second" / "jobs.sqlite")
    found = run_json(capsys, ["submit", str(src), "--state", state, "--max-requests-per-batch", "2"])
    assert isinstance(found, dict) and found["job_id"] == job_id
    assert isinstance(found, dict) and found["job"]["status"] == "completed"
    files_before = set(client.server.files)

    pruned = run_json(capsys, ["prune", job_id, "--state", state, "--remote"])
    assert isinstance(pruned, list) and pruned[0]["job_id"] == job_id
    deleted = set(pruned[0]["remote_files"])
    assert len(deleted) == 4  # each of the two shards' input and output file
    assert deleted <= files_before and not deleted & set(client.server.files)
