"""Every flag of every command is checked before anything is sent: exit 2, one line, no traceback."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from openai_batch.cli import _commands, main

from tests.behaviour.workflow_fakes import FakeClient, write_chat_input


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> FakeClient:
    fake = FakeClient()

    def make_client(args: argparse.Namespace) -> FakeClient:
        return fake

    monkeypatch.setattr(_commands, "make_client", make_client)
    return fake


SUBMIT = ["submit", "{src}", "--state", "{state}"]

BAD = [
    ([*SUBMIT, "--poll-interval", "-1"], "--poll-interval: must be more than 0"),
    ([*SUBMIT, "--poll-interval", "soon"], "--poll-interval: wants a number"),
    ([*SUBMIT, "--max-interval", "0"], "--max-interval: must be more than 0"),
    ([*SUBMIT, "--timeout", "-5", "--wait"], "--timeout: must be more than 0"),
    ([*SUBMIT, "--timeout", "nan"], "--timeout: wants a finite number"),
    ([*SUBMIT, "--max-requests-per-batch", "-5"], "--max-requests-per-batch: must be from 1 to 50,000"),
    ([*SUBMIT, "--max-requests-per-batch", "60000"], "--max-requests-per-batch: must be from 1 to 50,000"),
    ([*SUBMIT, "--max-bytes-per-batch", "0"], "--max-bytes-per-batch: must be from 1 to 209,715,200"),
    ([*SUBMIT, "--max-embedding-inputs-per-batch", "x"], "--max-embedding-inputs-per-batch: wants a whole number"),
    ([*SUBMIT, "--completion-window", "48h"], "--completion-window: the Batch API offers only 24h"),
    ([*SUBMIT, "--endpoint", "/v1/nope"], "--endpoint: must be one of"),
    ([*SUBMIT, "--metadata", "novalue"], "--metadata: wants KEY=VALUE"),
    ([*SUBMIT, "--metadata", "openai_batch_job=x"], "--metadata: keys starting openai_batch_ are the job's own"),
    ([*SUBMIT, "--metadata", "k=" + "v" * 513], "--metadata: value of 'k' is longer than 512"),
    ([*SUBMIT, "--output-expires-after", "10"], "--output-expires-after: must be from 3,600 to 2,592,000"),
    ([*SUBMIT, "--job", "batch_1"], "--job: wants a job id"),
    ([*SUBMIT, "--new", "--job", "job_1"], "argument --job: not allowed with argument --new"),
    ([*SUBMIT, "--progress", "sometimes", "--wait"], "--progress: invalid choice"),
    ([*SUBMIT, "--poll-interval", "5", "--max-interval", "1"], "--max-interval (1) must be at least --poll-interval"),
    ([*SUBMIT, "--wait", "--out", "{tmp}/no/such/dir/out.jsonl"], "--out {tmp}/no/such/dir/out.jsonl: directory"),
    ([*SUBMIT, "--wait", "--out", "{tmp}"], "is a directory"),
    (SUBMIT + [arg for i in range(13) for arg in ("--metadata", f"k{i}=v")], "--metadata: at most 12 keys"),
    (["wait", "job_1", "--state", "{state}", "--poll-interval", "-1"], "--poll-interval: must be more than 0"),
    (["wait", "job_1", "--state", "{state}", "--timeout", "0"], "--timeout: must be more than 0"),
    (["results", "job_1", "--state", "{state}", "--out", "{tmp}/no/such/x.jsonl"], "directory"),
    (["retry", "job_1", "--delay", "-1"], "--delay: must be 0 or more"),
    (["list", "--limit", "0"], "--limit: must be from 1"),
    (["files", "list", "--limit", "-1"], "--limit: must be from 1"),
    (["files", "upload", "{src}", "--endpoint", "/v2/x"], "--endpoint: must be one of"),
    (["validate", "{src}", "--max-requests-per-batch", "0"], "--max-requests-per-batch: must be from 1"),
    (["prune", "batch_1"], "JOB_ID: wants a job id"),
    (["serve", "--port", "70000"], "--port: must be from 0 to 65,535"),
    (["serve", "--speed", "0"], "--speed: must be more than 0"),
    (["serve", "--fail-rate", "2"], "--fail-rate: must be between 0 and 1"),
    (["serve", "--enqueued-token-limit", "0"], "--enqueued-token-limit: must be from 1"),
    (["serve", "--log-level", "loud"], "--log-level: invalid choice"),
    (["submit"], "the following arguments are required: FILE"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
]


@pytest.mark.parametrize(("argv", "expected"), BAD, ids=[" ".join(a[:1] + a[4:6] if len(a) > 4 else a) for a, _ in BAD])
def test_a_bad_value_is_one_line_and_exit_2_before_anything_is_sent(
    client: FakeClient, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 3)
    fill = {"src": str(src), "state": str(tmp_path / "state" / "jobs.sqlite"), "tmp": str(tmp_path)}
    args = [part.format(**fill) for part in argv]
    try:
        code = main(args)
    except SystemExit as exit_:
        code = exit_.code  # type: ignore[assignment]
    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert expected.format(**fill) in lines[0]
    assert "Traceback" not in captured.err and captured.out == ""
    assert (client.server.uploads, client.server.creates) == (0, 0)
    assert not (tmp_path / "state").exists()
