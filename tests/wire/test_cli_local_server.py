"""`openai-batch` against the local server: a whole job, human and JSON output, errors that never
show the key, and `serve` starting a server the CLI can talk to."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from openai_batch.cli import main
from openai_batch.server import LocalServer

from tests.fixtures.local_server import input_file
from tests.fixtures.servers import free_port, port_accepts, stop, wait_until

pytestmark = pytest.mark.wire

KEY = "sk-proj-cli-wire-SECRET-0123456789"
POLL = ["--poll-interval", "0.02", "--max-interval", "0.1"]


@pytest.fixture
def server(local_server_factory: Callable[..., LocalServer], monkeypatch: pytest.MonkeyPatch) -> LocalServer:
    started = local_server_factory(throughput=1000.0, required_api_key=KEY, fail_custom_id_pattern="-bad$")
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", started.base_url)
    return started


def test_submit_wait_out_with_progress_and_tables(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(input_file([*(f"q{i}" for i in range(9)), "q9-bad"]))
    out = tmp_path / "out.jsonl"
    state = str(tmp_path / "jobs.sqlite")
    code = main(
        [
            "submit",
            str(src),
            "--state",
            state,
            "--max-requests-per-batch",
            "4",
            "--wait",
            "--out",
            str(out),
            "--progress",
            "always",
            *POLL,
        ]
    )
    assert code == 1  # one request failed
    captured = capsys.readouterr()
    assert "10/10" in captured.err  # the bar's final state: all requests done
    assert "1 failed" in captured.err
    assert "wrote 10 result(s)" in captured.out
    assert "succeeded" in captured.out and "failed" in captured.out
    rows = [json.loads(line) for line in out.read_bytes().splitlines()]
    assert [r["outcome"] for r in rows].count("succeeded") == 9
    assert KEY not in captured.out + captured.err

    assert main(["jobs", "--state", state, "--json"]) == 0
    (job,) = json.loads(capsys.readouterr().out)
    assert len(job["batches"]) == 3
    assert main(["status", job["batches"][0], "--state", state, "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["job_id"] == job["job_id"]


def test_api_errors_exit_3_and_never_show_the_key(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["status", "batch_does_not_exist", "--state", str(tmp_path / "s.sqlite")]) == 2  # unknown id
    captured = capsys.readouterr()
    assert "NotFoundError" in captured.err and f"{server.base_url}/batches/batch_does_not_exist" in captured.err
    root = server.base_url.removesuffix("/v1")
    assert main(["list", "--base-url", root]) == 2
    assert f"--base-url {root}/v1" in capsys.readouterr().err
    wrong = "sk-wrong-key-SHOULD-NOT-LEAK-42"
    monkeypatch.setenv("OPENAI_API_KEY", wrong)
    assert main(["list", "--json"]) == 3
    captured = capsys.readouterr()
    assert "AuthenticationError" in captured.err and "OPENAI_API_KEY" in captured.err
    assert json.loads(captured.out)["error"]["kind"] == "api"
    assert wrong not in captured.out + captured.err
    assert KEY not in captured.out + captured.err


def test_files_round_trip(server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(input_file(["a", "b"]))
    assert main(["files", "upload", str(src), "--json"]) == 0
    uploaded = json.loads(capsys.readouterr().out)
    assert uploaded["filename"] == "in.jsonl"
    copy = tmp_path / "copy.jsonl"
    assert main(["files", "download", uploaded["id"], "--out", str(copy)]) == 0
    assert copy.read_bytes() == src.read_bytes()
    assert f"downloaded {uploaded['id']}" in capsys.readouterr().out
    assert main(["files", "delete", uploaded["id"], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["deleted"] is True


def test_serve_starts_a_server_the_cli_can_use(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "openai_batch.cli",
            "serve",
            "--port",
            str(port),
            "--speed",
            "1000",
            "--data-dir",
            str(tmp_path / "data"),
            "--log-level",
            "warning",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        wait_until(lambda: port_accepts(port), process=process, what="openai-batch serve")
        listed = subprocess.run(
            [sys.executable, "-m", "openai_batch.cli", "list", "--json"],
            env={**env, "OPENAI_API_KEY": "sk-local", "OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert listed.returncode == 0, listed.stderr
        assert json.loads(listed.stdout) == []
    finally:
        stop(process)


def test_files_list_limit_caps_the_listing(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(input_file(["a"]))
    for _ in range(3):
        assert main(["files", "upload", str(src), "--json"]) == 0
    capsys.readouterr()
    assert main(["files", "list", "--limit", "2", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2
    assert main(["files", "list", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 3
