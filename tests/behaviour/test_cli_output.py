"""What the command line prints: whole ids in plain aligned tables, ellipses for long text, and
under --json exactly one JSON document on stdout for success and for every error."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import httpx
import pytest
from openai_batch._exceptions import APIConnectionError, NotFoundError
from openai_batch.cli import _commands, main
from openai_batch.cli._output import PIPE_TEXT_WIDTH, Output

from tests.behaviour.workflow_fakes import FakeClient, write_chat_input

LONG_ID = "batch_e509a91c4b3f4a0e9d8c7b6a5f4e3d2c"
MESSAGE = "Enqueued token limit reached for gpt-4o-mini in organization org-abc. Limit: 2,000,000 enqueued tokens. " * 2
FAST = ["--poll-interval", "0.001", "--max-interval", "0.001"]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> FakeClient:
    fake = FakeClient()

    def make_client(args: argparse.Namespace) -> FakeClient:
        return fake

    monkeypatch.setattr(_commands, "make_client", make_client)
    return fake


def shard_table(stream: io.StringIO) -> list[str]:
    out = Output(as_json=False, stream=stream)
    out.table(
        ["shard", "batch", "status", "errors"],
        [[0, LONG_ID, "validating", f"token_limit_exceeded: {MESSAGE}"], [1, "batch_2", "in_progress", ""]],
        shorten={"errors"},
    )
    return stream.getvalue().splitlines()


def test_piped_tables_are_plain_aligned_and_keep_ids_whole() -> None:
    lines = shard_table(io.StringIO())
    assert lines[0].split() == ["shard", "batch", "status", "errors"]
    assert LONG_ID in lines[1] and "validating" in lines[1] and "in_progress" in lines[2]
    assert not any(ch in "".join(lines) for ch in "│┃━─┏└")
    # Columns line up: each value starts where its header does (so `cut -c` works).
    start = lines[0].index("status")
    assert lines[1][start:].startswith("validating") and lines[2][start:].startswith("in_progress")
    errors = lines[1][lines[0].index("errors") :]
    assert errors.endswith("…") and len(errors) == PIPE_TEXT_WIDTH
    assert len(lines) == 3  # one line per record: nothing folded onto a second row


@pytest.mark.parametrize("columns", [80, 200])
def test_terminal_tables_cut_only_free_text_to_the_width(monkeypatch: pytest.MonkeyPatch, columns: int) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.setenv("NO_COLOR", "1")
    lines = shard_table(Terminal())
    assert len(lines) == 3 and LONG_ID in lines[1]
    assert max(len(line) for line in lines) <= columns
    assert lines[1].endswith("…")


def test_json_success_is_one_document(client: FakeClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 2)
    state = str(tmp_path / "jobs.sqlite")
    assert main(["submit", str(src), "--state", state, "--wait", *FAST, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)  # fails on a second document or any extra text
    assert document["job_id"].startswith("job_") and document["job"]["done"] is True


def test_json_timeout_is_one_error_document_with_the_ids(
    client: FakeClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 2)
    state = str(tmp_path / "jobs.sqlite")
    client.server.auto = False
    code = main(["--json", "submit", str(src), "--state", state, "--wait", "--timeout", "0.01", *FAST])
    captured = capsys.readouterr()
    assert code == 5
    error = json.loads(captured.out)["error"]
    assert error["kind"] == "timeout" and error["exit_code"] == 5
    assert error["job_id"].startswith("job_") and len(error["batch_ids"]) == 1
    assert error["batch_ids"][0] in client.server.batches
    assert "--timeout" in error["message"]
    assert "resume it with: openai-batch" in captured.err


def test_json_errors_for_unknown_ids_and_bad_flags(
    client: FakeClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = str(tmp_path / "jobs.sqlite")
    assert main(["status", "job_0000", "--state", state, "--json"]) == 2
    error = json.loads(capsys.readouterr().out)["error"]
    assert (error["kind"], error["exit_code"], error["job_id"]) == ("not_found", 2, "job_0000")
    with pytest.raises(SystemExit) as info:
        main(["list", "--limit", "0", "--json"])
    assert info.value.code == 2
    captured = capsys.readouterr()
    error = json.loads(captured.out)["error"]
    assert error["kind"] == "usage" and "--limit" in error["message"] and captured.err == ""


def test_json_validation_error_carries_the_report(
    client: FakeClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"oops\n")
    assert main(["submit", str(bad), "--state", str(tmp_path / "s.sqlite"), "--json"]) == 4
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["kind"] == "validation" and "invalid_json" in [p["code"] for p in error["report"]["problems"]]


# --- messages for the command line -----------------------------------------------------------
def run_real(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().err


def test_no_key_names_the_environment_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    code, err = run_real(capsys, ["list"])
    assert code == 2 and "OPENAI_API_KEY" in err and "api_key=" not in err


def test_plain_http_names_the_flag_not_the_python_argument(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0000")
    code, err = run_real(capsys, ["list", "--base-url", "http://example.com/v1"])
    assert code == 2 and "--base-url" in err and "allow_insecure_http" not in err
    code, err = run_real(capsys, ["list", "--base-url", "https://u:p@example.com/v1"])
    assert code == 2 and "--base-url" in err and "api_key=" not in err and "base_url" not in err


def test_connection_refused_names_the_url(client: FakeClient, capsys: pytest.CaptureFixture[str]) -> None:
    request = httpx.Request("GET", "http://127.0.0.1:9/v1/batches/batch_1")
    client.server.faults["batches.retrieve"].append(
        APIConnectionError("ConnectError: [Errno 111] Connection refused", operation="retrieveBatch", request=request)
    )
    code, err = run_real(capsys, ["status", "batch_1"])
    assert code == 3 and "http://127.0.0.1:9/v1/batches/batch_1" in err and "--base-url" in err


def test_a_base_url_without_v1_says_so(client: FakeClient, capsys: pytest.CaptureFixture[str]) -> None:
    request = httpx.Request("GET", "http://127.0.0.1:8000/batches/batch_1")
    client.server.faults["batches.retrieve"].append(
        NotFoundError(
            "HTTP 404: Invalid URL (GET /batches)",
            operation="retrieveBatch",
            response=httpx.Response(404, request=request),
            body=None,
        )
    )
    code, err = run_real(capsys, ["status", "batch_1"])
    assert code == 2 and "has no /v1" in err and "--base-url http://127.0.0.1:8000/v1" in err


def test_submit_a_directory_says_it_is_one(
    client: FakeClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run_real(capsys, ["submit", str(tmp_path), "--state", str(tmp_path / "s.sqlite")])
    assert code == 2 and "is a directory" in err and "does not exist" not in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("openai-batch 0.")


def test_json_even_for_a_bug(
    client: FakeClient, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(args: argparse.Namespace, out: Output) -> int:
        raise RuntimeError("a bug")

    monkeypatch.setitem(_commands.COMMANDS, "list", broken)
    with pytest.raises(RuntimeError):
        main(["list", "--json"])
    assert json.loads(capsys.readouterr().out)["error"]["kind"] == "internal"
