"""`openai-batch serve` and `python -m openai_batch.server`: the same options, the key from the
environment for both, and a temporary data directory that is gone after Ctrl-C or SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from openai_batch.cli import main

from tests.fixtures.servers import free_port, port_accepts, stop, wait_until

pytestmark = pytest.mark.wire

STARTS = {
    "openai-batch serve": [sys.executable, "-m", "openai_batch.cli", "serve"],
    "python -m openai_batch.server": [sys.executable, "-m", "openai_batch.server"],
}


def start(command: list[str], tmp_path: Path, env: dict[str, str], *extra: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen(
        [*command, "--port", str(port), "--speed", "1000", "--log-level", "info", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}, "TMPDIR": str(tmp_path), **env},
    )
    try:
        wait_until(lambda: port_accepts(port), process=process, what=command[-1])
    except BaseException:
        stop(process)
        raise
    return process, port


def status_with(port: int, key: str) -> int:
    headers = {"Authorization": f"Bearer {key}"}
    return httpx.get(f"http://127.0.0.1:{port}/v1/batches", headers=headers, timeout=10).status_code


@pytest.mark.parametrize("how", sorted(STARTS))
def test_the_server_key_is_required_however_it_is_started(how: str, tmp_path: Path) -> None:
    process, port = start(STARTS[how], tmp_path, {"OPENAI_BATCH_SERVER_API_KEY": "sk-only-this"})
    try:
        assert status_with(port, "sk-only-this") == 200
        assert status_with(port, "sk-anything-else") == 401
    finally:
        stop(process)
    process, port = start(STARTS[how], tmp_path, {"MY_KEY": "sk-mine"}, "--api-key-env", "MY_KEY")
    try:
        assert (status_with(port, "sk-mine"), status_with(port, "sk-other")) == (200, 401)
    finally:
        stop(process)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("how", sorted(STARTS))
def test_the_temporary_data_dir_is_removed_on_a_signal(how: str, sig: signal.Signals, tmp_path: Path) -> None:
    process, port = start(STARTS[how], tmp_path, {})
    try:
        assert status_with(port, "sk-any") == 200
        created = [p for p in tmp_path.iterdir() if p.name.startswith("openai-batch-server-")]
        assert len(created) == 1
        process.send_signal(sig)
        code = process.wait(timeout=30)
        output = process.stdout.read().decode() if process.stdout else ""
    finally:
        stop(process)
    assert code == 0, output
    assert not created[0].exists()
    assert "server stopped" in output and "resume" not in output


def test_serve_help_has_its_own_flags_and_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    text = capsys.readouterr().out
    for flag in (
        "--enqueued-token-limits",
        "--token-limit-mode",
        "--fail-status-code",
        "--fail-times",
        "--api-key-env",
    ):
        assert flag in text
    for job_flag in ("--state", "--base-url", "--json"):
        assert job_flag not in text
    assert "openai-batch serve --port 8000" in text and "openai-batch submit" in text


def test_serve_passes_every_server_option(monkeypatch: pytest.MonkeyPatch) -> None:
    from openai_batch.server import runner

    seen: dict[str, object] = {}
    monkeypatch.setattr(runner, "run", lambda **kwargs: seen.update(kwargs))
    monkeypatch.setenv("OPENAI_BATCH_SERVER_API_KEY", "sk-k")
    argv = ["serve", "--enqueued-token-limits", "gpt-4o-mini=2000", "--token-limit-mode", "reject"]
    argv += ["--fail-status-code", "500", "--fail-times", "1", "--log-level", "warning"]
    assert main(argv) == 0
    assert seen["enqueued_token_limits"] == {"gpt-4o-mini": 2000}
    assert (seen["token_limit_mode"], seen["fail_status_code"], seen["fail_times"]) == ("reject", 500, 1)
    assert seen["required_api_key"] == "sk-k"
