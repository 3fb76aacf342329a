"""What the command line says: plurals, thousands separators, line numbers, and advice that works."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from openai_batch._exceptions import AuthenticationError
from openai_batch.cli import _commands, main
from openai_batch.workflow import validate_input_file

from tests.behaviour.workflow_fakes import FakeClient, write_chat_input


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> FakeClient:
    fake = FakeClient()
    monkeypatch.setattr(_commands, "make_client", lambda args: fake)
    return fake


def line(custom_id: str, url: str, body: dict[str, object]) -> str:
    return json.dumps({"custom_id": custom_id, "method": "POST", "url": url, "body": body}) + "\n"


def test_one_request_is_singular(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 1)
    assert main(["validate", str(src)]) == 0
    text = capsys.readouterr().out
    assert "1 request," in text and "1 requests" not in text and "as 1 batch" in text


def test_numbers_carry_thousands_separators_everywhere(
    client: FakeClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 1200)
    assert main(["validate", str(src)]) == 0
    assert "1,200 requests" in capsys.readouterr().out
    state = str(tmp_path / "jobs.sqlite")
    assert main(["submit", str(src), "--state", state, "--wait", "--poll-interval", "0.001"]) == 0
    text = capsys.readouterr().out
    assert "1,200/1,200" in text and "1200/1200" not in text
    assert main(["list"]) == 0
    assert "1,200/1,200" in capsys.readouterr().out


def test_an_empty_file_is_not_reported_at_line_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert main(["validate", str(empty)]) == 4
    err = capsys.readouterr().err
    assert "empty_file" in err and ":0:" not in err and "line 0" not in err
    assert f"{empty}: [empty_file]" in err


def test_a_json_error_names_the_files_line_and_its_column(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    good = line("a", "/v1/chat/completions", {"model": "m", "messages": []})
    src.write_text(good + good.replace('"a"', '"b"').rstrip("\n")[:-1] + ",}\n")
    (problem,) = validate_input_file(src).problems
    assert problem.line == 2 and problem.code == "invalid_json"
    assert "line 1" not in problem.message and "column" in problem.message


def test_an_embeddings_line_without_input_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        line("a", "/v1/embeddings", {"model": "text-embedding-3-small", "input": "hi"})
        + line("b", "/v1/embeddings", {"model": "text-embedding-3-small"})
    )
    report = validate_input_file(src)
    assert [(p.line, p.code) for p in report.problems] == [(2, "missing_input")]


def test_a_wrong_key_does_not_say_the_job_goes_on(
    client: FakeClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 2)
    request = httpx.Request("POST", "http://127.0.0.1/v1/files")
    body = {"error": {"message": "Incorrect API key provided"}}
    response = httpx.Response(401, request=request, json=body)
    wrong_key = AuthenticationError("Incorrect API key", operation="createFile", response=response, body=body)
    client.server.faults["files.create"].append(wrong_key)
    assert main(["submit", str(src), "--state", str(tmp_path / "jobs.sqlite"), "--wait"]) == 3
    err = capsys.readouterr().err
    assert "Incorrect API key" in err and "goes on" not in err
    assert "nothing was sent" in err


def test_another_endpoint_is_not_told_to_add_new(
    client: FakeClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 2)
    state = str(tmp_path / "jobs.sqlite")
    assert main(["submit", str(src), "--state", state]) == 0
    capsys.readouterr()
    assert main(["submit", str(src), "--state", state, "--endpoint", "/v1/responses"]) == 2
    err = capsys.readouterr().err
    assert "--new" not in err and "/v1/chat/completions" in err and "--endpoint" in err
