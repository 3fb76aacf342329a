"""Exit codes follow each input's latest outcome, and submit --wait, wait, status and results agree."""

from __future__ import annotations

import argparse
import json
import os
import stat
from pathlib import Path

import pytest
from openai_batch.cli import _commands, main

from tests.behaviour.workflow_fakes import FakeClient, write_chat_input

FAST = ["--poll-interval", "0.001", "--max-interval", "0.001"]
# Room in the queue for every shard at once (without a budget, shards start one validation apart).
ROOMY = ["--max-enqueued-tokens", "gpt-test=1000000000000"]


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> FakeClient:
    fake = FakeClient()

    def make_client(args: argparse.Namespace) -> FakeClient:
        return fake

    monkeypatch.setattr(_commands, "make_client", make_client)
    return fake


def run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, dict[str, object]]:
    code = main([*argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_expired_requests_resubmitted_and_succeeded_exit_0_everywhere(
    client: FakeClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 6)
    state = str(tmp_path / "jobs.sqlite")
    client.server.auto = False
    code, sent = run(capsys, ["submit", str(src), *ROOMY, "--state", state, "--max-requests-per-batch", "3"])
    assert code == 0
    job_id = str(sent["job_id"])
    first, second = sorted(client.server.batches, key=lambda b: int(b[6:]))
    client.server.finish(first, "expired", done=1)
    client.server.finish(second)
    code, status = run(capsys, ["status", job_id, "--state", state])
    assert code == 1 and status["outcomes"] == {"succeeded": 4, "expired": 2} and status["succeeded"] is False
    code, _ = run(capsys, ["resubmit", job_id, "--state", state])
    assert code == 0
    client.server.auto = True
    code, waited = run(capsys, ["wait", job_id, "--state", state, *FAST])
    assert code == 0
    job = waited["job"]
    assert isinstance(job, dict) and job["succeeded"] is True and job["outcomes"] == {"succeeded": 6}
    code, status = run(capsys, ["status", job_id, "--state", state])
    assert code == 0 and status["succeeded"] is True
    code, results = run(capsys, ["results", job_id, "--state", state, "--out", str(tmp_path / "out.jsonl")])
    assert code == 0 and results["counts"] == {"succeeded": 6}
    code, again = run(
        capsys, ["submit", str(src), *ROOMY, "--state", state, "--max-requests-per-batch", "3", "--wait", *FAST]
    )
    assert code == 0 and again["resumed"] is True


def test_a_failed_request_exits_1_everywhere(
    client: FakeClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 4, bad={2})
    state = str(tmp_path / "jobs.sqlite")
    code, sent = run(capsys, ["submit", str(src), *ROOMY, "--state", state, "--wait", *FAST])
    assert code == 1
    job_id = str(sent["job_id"])
    assert run(capsys, ["wait", job_id, "--state", state, *FAST])[0] == 1
    assert run(capsys, ["status", job_id, "--state", state])[0] == 1
    assert run(capsys, ["results", job_id, "--state", state, "--out", str(tmp_path / "o.jsonl")])[0] == 1


def test_results_files_honour_the_umask(client: FakeClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 2)
    out = tmp_path / "out.jsonl"
    previous = os.umask(0o027)
    try:
        assert (
            main(
                ["submit", str(src), *ROOMY, "--state", str(tmp_path / "s.sqlite"), "--wait", "--out", str(out), *FAST]
            )
            == 0
        )
    finally:
        os.umask(previous)
    capsys.readouterr()
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


def test_an_interrupted_new_job_prints_the_command_that_resumes_it(
    client: FakeClient, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 4)
    state = str(tmp_path / "jobs.sqlite")
    argv = ["submit", str(src), *ROOMY, "--state", state, "--new", "--wait", *FAST]

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(_commands.Job, "wait", interrupted)
    assert main(argv) == 130
    captured = capsys.readouterr()
    job_id = next(word.rstrip(";") for word in captured.out.split() if word.startswith("job_"))
    hint = captured.err.strip().splitlines()[-1]
    resume = ["submit", str(src), *ROOMY, "--state", state, "--wait", *FAST, "--job", job_id]
    assert hint == "openai-batch: error: interrupted; resume with: openai-batch " + " ".join(resume)
    monkeypatch.undo()
    monkeypatch.setattr(_commands, "make_client", lambda args: client)
    # The printed command resumes that very job: nothing is sent again.
    assert main([*resume, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["job_id"] == job_id
    assert client.server.creates == 1
