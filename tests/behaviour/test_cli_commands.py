"""openai-batch commands against an in-memory fake API: output, --json and exit codes."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import httpx
import pytest
from openai_batch._exceptions import InternalServerError, NotFoundError
from openai_batch.cli import _commands, main

from tests.behaviour.workflow_fakes import FakeClient, read_results, write_chat_input


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> FakeClient:
    fake = FakeClient()

    def make_client(args: argparse.Namespace) -> FakeClient:
        return fake

    monkeypatch.setattr(_commands, "make_client", make_client)
    return fake


@pytest.fixture
def state(tmp_path: Path) -> str:
    return str(tmp_path / "state" / "jobs.sqlite")


FAST = ["--poll-interval", "0.001", "--max-interval", "0.001"]
# Room in the queue for every shard at once (without a budget, shards start one validation apart).
ROOMY = ["--max-enqueued-tokens", "gpt-test=1000000000000"]


def run_json(capsys: pytest.CaptureFixture[str], argv: list[str], code: int = 0) -> object:
    assert main([*argv, "--json"]) == code
    return json.loads(capsys.readouterr().out)


def test_help_has_examples_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    assert "openai-batch submit requests.jsonl --wait --out results.jsonl" in text
    assert "4  validation error" in text
    for command in ("submit", "status", "wait", "results", "cancel", "list", "files", "serve"):
        assert command in text


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["submit"])
    assert info.value.code == 2
    assert "FILE" in capsys.readouterr().err


def test_validate_reports_lines_and_exits_4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_chat_input(tmp_path / "good.jsonl", 3)
    assert main(["validate", str(good)]) == 0
    assert "no problems" in capsys.readouterr().out
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(good.read_bytes() + b"oops\n")
    assert main(["validate", str(bad)]) == 4
    assert f"{bad}:4: [invalid_json]" in capsys.readouterr().err
    report = run_json(capsys, ["validate", str(bad), "--max-requests-per-batch", "2", "--single-batch"], 4)
    assert isinstance(report, dict)
    assert [(p["line"], p["code"]) for p in report["problems"]] == [(3, "too_many_requests"), (4, "invalid_json")]


def test_submit_wait_out_writes_results_and_exits_0(
    client: FakeClient, tmp_path: Path, state: str, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 7)
    out = tmp_path / "out.jsonl"
    argv = [
        "submit",
        str(src),
        *ROOMY,
        "--state",
        state,
        "--max-requests-per-batch",
        "3",
        "--wait",
        "--out",
        str(out),
        *FAST,
    ]
    result = run_json(capsys, argv)
    assert isinstance(result, dict)
    assert result["resumed"] is False
    assert result["job"]["succeeded"] is True
    assert len(result["job"]["shards"]) == 3
    assert result["results"]["counts"] == {"succeeded": 7}
    assert len(read_results(out)) == 7
    # Rerun: the same job, nothing sent again.
    again = run_json(capsys, argv)
    assert isinstance(again, dict)
    assert again["resumed"] is True
    assert again["job"]["job_id"] == result["job"]["job_id"]
    assert (client.server.uploads, client.server.creates) == (3, 3)


def test_submit_human_output_shows_the_job(
    client: FakeClient, tmp_path: Path, state: str, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 4)
    assert main(["submit", str(src), *ROOMY, "--state", state, "--max-requests-per-batch", "2"]) == 0
    text = capsys.readouterr().out
    assert "job_" in text
    assert text.count("batch_") >= 2
    assert "validating" in text


def test_failed_requests_exit_1(
    client: FakeClient, tmp_path: Path, state: str, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 4, bad={1})
    out = tmp_path / "out.jsonl"
    result = run_json(capsys, ["submit", str(src), *ROOMY, "--state", state, "--wait", "--out", str(out), *FAST], 1)
    assert isinstance(result, dict)
    assert result["results"]["counts"] == {"succeeded": 3, "failed": 1}


def test_invalid_input_exits_4_and_uploads_nothing(
    client: FakeClient, tmp_path: Path, state: str, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(b'{"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": {}}\n')
    assert main(["submit", str(src), *ROOMY, "--state", state]) == 4
    assert f"{src}:1: [missing_model]" in capsys.readouterr().err
    assert client.server.uploads == 0


def test_out_without_wait_is_a_usage_error(client: FakeClient, tmp_path: Path, state: str) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 1)
    assert main(["submit", str(src), *ROOMY, "--state", state, "--out", str(tmp_path / "o.jsonl")]) == 2
    assert client.server.uploads == 0


def test_missing_input_file_is_a_usage_error(
    client: FakeClient, tmp_path: Path, state: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["submit", str(tmp_path / "nope.jsonl"), "--state", state]) == 2
    assert "nope.jsonl" in capsys.readouterr().err


def test_status_wait_results_cancel_of_a_job_and_of_a_batch(
    client: FakeClient, tmp_path: Path, state: str, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 4)
    client.server.auto = False
    submitted = run_json(capsys, ["submit", str(src), *ROOMY, "--state", state, "--max-requests-per-batch", "2"])
    assert isinstance(submitted, dict)
    job_id = submitted["job"]["job_id"]
    first, second = (s["batch_id"] for s in submitted["job"]["shards"])

    status = run_json(capsys, ["status", job_id, "--state", state])
    assert isinstance(status, dict)
    assert status["status"] == "validating"
    # A batch id that a job owns opens the job.
    assert run_json(capsys, ["status", second, "--state", state]) == status

    client.server.finish(first)
    client.server.finish(second, "expired", done=1)
    waited = run_json(capsys, ["wait", job_id, "--state", state, *FAST, "--max-attempts", "1"], 1)
    assert isinstance(waited, dict)
    assert waited["job"]["status"] == "completed+expired"

    out = tmp_path / "out.jsonl"
    summary = run_json(capsys, ["results", job_id, "--state", state, "--out", str(out)], 1)
    assert isinstance(summary, dict)
    usage = summary.pop("usage")
    assert summary == {"path": str(out), "total": 4, "counts": {"succeeded": 3, "expired": 1}}
    # The fake's bodies carry no usage: nothing used, nothing priced.
    assert usage["total"]["requests"] == 0 and usage["models"] == []

    resent = run_json(capsys, ["resubmit", job_id, "--state", state])
    assert isinstance(resent, dict)
    assert resent["resubmitted"] == 1
    third = resent["job"]["shards"][2]["batch_id"]
    cancelled = run_json(capsys, ["cancel", third, "--state", state])
    assert isinstance(cancelled, dict)
    assert cancelled["shards"][2]["status"] == "cancelling"


def test_outside_batch_status_wait_and_results(
    client: FakeClient, tmp_path: Path, state: str, capsys: pytest.CaptureFixture[str]
) -> None:
    uploaded = client.files.create(file=write_chat_input(tmp_path / "in.jsonl", 3), purpose="batch")
    batch = client.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions")
    client.server.auto = False
    shown = run_json(capsys, ["status", batch.id, "--state", state])
    assert isinstance(shown, dict)
    assert shown["id"] == batch.id
    assert shown["status"] == "validating"
    assert main(["status", batch.id, "--state", state]) == 0
    assert "input file" in capsys.readouterr().out
    client.server.auto = True
    waited = run_json(capsys, ["wait", batch.id, "--state", state, *FAST])
    assert isinstance(waited, dict)
    assert waited["status"] == "completed"
    out = tmp_path / "out.jsonl"
    summary = run_json(capsys, ["results", batch.id, "--state", state, "--out", str(out)])
    assert isinstance(summary, dict)
    assert summary.pop("usage")["batches"][0]["batch_id"] == batch.id
    assert summary == {"path": str(out), "total": 3, "counts": {"succeeded": 3}}


def test_wait_timeout_exits_5(
    client: FakeClient, tmp_path: Path, state: str, capsys: pytest.CaptureFixture[str]
) -> None:
    uploaded = client.files.create(file=write_chat_input(tmp_path / "in.jsonl", 1), purpose="batch")
    batch = client.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions")
    client.server.auto = False
    assert main(["wait", batch.id, "--state", state, "--timeout", "0.01", *FAST]) == 5
    assert f"gave up waiting for batch {batch.id}" in capsys.readouterr().err


def test_unknown_batch_exits_2_and_api_error_exits_3(
    client: FakeClient, state: str, capsys: pytest.CaptureFixture[str]
) -> None:
    request = httpx.Request("GET", "http://127.0.0.1/v1/batches/batch_x")
    client.server.faults["batches.retrieve"].append(
        NotFoundError(
            "No batch found with id 'batch_x'.",
            operation="retrieveBatch",
            response=httpx.Response(404, request=request),
            body=None,
        )
    )
    assert main(["status", "batch_x", "--state", state]) == 2  # an unknown id: the README's exit 2
    err = capsys.readouterr().err
    assert "NotFoundError: No batch found with id 'batch_x'." in err
    assert "http://127.0.0.1/v1/batches/batch_x" in err
    client.server.faults["batches.retrieve"].append(
        InternalServerError(
            "Boom.", operation="retrieveBatch", response=httpx.Response(500, request=request), body=None
        )
    )
    assert main(["status", "batch_x", "--state", state]) == 3
    assert "InternalServerError: Boom." in capsys.readouterr().err


def test_unknown_job_exits_2(client: FakeClient, state: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "job_0000", "--state", state]) == 2
    assert "no job 'job_0000'" in capsys.readouterr().err


def test_list_jobs_and_files(
    client: FakeClient, tmp_path: Path, state: str, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 2)
    assert run_json(capsys, ["jobs", "--state", state]) == []
    run_json(capsys, ["submit", str(src), *ROOMY, "--state", state])
    jobs = run_json(capsys, ["jobs", "--state", state])
    assert isinstance(jobs, list)
    assert [j["requests"] for j in jobs] == [2]
    batches = run_json(capsys, ["list", "--limit", "5"])
    assert isinstance(batches, list)
    assert [b["id"] for b in batches] == jobs[0]["batches"]
    assert main(["list"]) == 0
    assert jobs[0]["batches"][0] in capsys.readouterr().out

    uploaded = run_json(capsys, ["files", "upload", str(src)])
    assert isinstance(uploaded, dict)
    listed = run_json(capsys, ["files", "list", "--purpose", "batch"])
    assert isinstance(listed, list)
    assert uploaded["id"] in [f["id"] for f in listed]
    target = tmp_path / "copy.jsonl"
    run_json(capsys, ["files", "download", uploaded["id"], "--out", str(target)])
    assert target.read_bytes() == src.read_bytes()
    run_json(capsys, ["files", "delete", uploaded["id"]])
    assert uploaded["id"] not in client.server.files


def test_files_upload_validates_batch_input(
    client: FakeClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"[]\n")
    assert main(["files", "upload", str(bad)]) == 4
    assert client.server.uploads == 0
    assert main(["files", "upload", str(bad), "--no-validate"]) == 0
    assert client.server.uploads == 1
