"""The dashboard over HTTP on 127.0.0.1: who gets in (token, Host), what it serves, and its live stream.

The pages themselves, in a real browser, are in test_dashboard_browser.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openai_batch.cli import main
from openai_batch.dashboard import DashboardServer
from openai_batch.workflow._history import record_poll_sample
from openai_batch.workflow._store import JobRow, JobStore, ShardRow

from tests.fixtures.local_server import input_file
from tests.fixtures.servers import stop

pytestmark = pytest.mark.wire


def _state_with_job(path: Path, job_id: str = "job_0123456789abcdef") -> Path:
    """A state file with one job of 10 requests, its one batch in progress (nothing downloaded yet)."""
    src = path.with_name("in.jsonl")
    src.write_bytes(input_file(f"r{i}" for i in range(10)))
    with JobStore(path) as store:
        store.create_job(
            JobRow(job_id, str(src), "d", "/v1/chat/completions", "24h", {}, {}, {}, request_count=10, created_at=1.0)
        )
        store.add_shards(
            [
                ShardRow(
                    job_id, 0, str(src), 0, src.stat().st_size, 10, 0, "t0", batch_id="batch_1", status="in_progress"
                )
            ]
        )
    return path


@pytest.fixture
def dashboard(tmp_path: Path) -> Iterator[DashboardServer]:
    with DashboardServer(_state_with_job(tmp_path / "jobs.sqlite")) as server:
        yield server


@pytest.fixture
def signed_in(dashboard: DashboardServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=dashboard.origin, timeout=10) as client:
        first = client.get(f"/?token={dashboard.token}")
        assert first.status_code == 303
        yield client


def test_without_the_token_every_path_is_401(dashboard: DashboardServer) -> None:
    with httpx.Client(base_url=dashboard.origin, timeout=10) as client:
        for path in (
            "/",
            "/jobs/job_0123456789abcdef",
            "/jobs/job_0123456789abcdef.json",
            "/events",
            "/static/dashboard.js",
        ):
            answer = client.get(path)
            assert answer.status_code == 401, path
            assert "job_0123456789abcdef" not in answer.text
        assert client.get("/?token=not-the-token").status_code == 401
        wrong = f"openai_batch_dashboard_{dashboard.port}=not-the-token"
        assert client.get("/", headers={"cookie": wrong}).status_code == 401


def test_the_token_becomes_a_strict_httponly_cookie_and_leaves_the_url(dashboard: DashboardServer) -> None:
    with httpx.Client(base_url=dashboard.origin, timeout=10) as client:
        answer = client.get(f"/jobs/job_0123456789abcdef?token={dashboard.token}")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/jobs/job_0123456789abcdef"
        cookie = answer.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
        page = client.get("/jobs/job_0123456789abcdef")
    assert page.status_code == 200
    assert "job_0123456789abcdef" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert dashboard.token not in page.text


def test_a_host_other_than_the_bound_address_and_port_is_refused(
    dashboard: DashboardServer, signed_in: httpx.Client
) -> None:
    assert signed_in.get("/").status_code == 200
    assert signed_in.get("/", headers={"host": f"localhost:{dashboard.port}"}).status_code == 200
    # A DNS name re-bound to 127.0.0.1, and a port forwarded from elsewhere: the cookie does not help.
    for host in (f"attacker.example:{dashboard.port}", f"127.0.0.1:{dashboard.port + 1}", "127.0.0.1", ""):
        answer = signed_in.get("/", headers={"host": host})
        assert answer.status_code == 403, host
        assert "job_0123456789abcdef" not in answer.text
    with httpx.Client(base_url=dashboard.origin, timeout=10) as fresh:
        assert fresh.get(f"/?token={dashboard.token}", headers={"host": "attacker.example"}).status_code == 403


def test_it_is_read_only(signed_in: httpx.Client) -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        assert signed_in.request(method, "/jobs/job_0123456789abcdef").status_code == 405


def test_unknown_jobs_are_404_and_the_json_is_the_status_document(signed_in: httpx.Client) -> None:
    assert signed_in.get("/jobs/job_nope").status_code == 404
    assert signed_in.get("/jobs/job_nope.json").status_code == 404
    document = signed_in.get("/jobs/job_0123456789abcdef.json").json()
    assert document["job_id"] == "job_0123456789abcdef"
    assert document["status"] == "in_progress" and document["outcomes"] == {"pending": 10}
    assert set(document) >= {"shards", "usage", "completed", "failed", "request_count", "done", "succeeded"}


def test_a_job_whose_input_file_is_gone_still_shows_what_is_known(
    dashboard: DashboardServer, signed_in: httpx.Client
) -> None:
    dashboard.state.with_name("in.jsonl").unlink()
    page = signed_in.get("/jobs/job_0123456789abcdef")
    assert page.status_code == 200
    assert "cannot read the input file" in page.text
    assert 'data-field="outcomes.succeeded">&ndash;<' in page.text and 'data-field="request_count">10<' in page.text


def test_a_missing_state_file_shows_no_jobs_and_is_not_created(tmp_path: Path) -> None:
    state = tmp_path / "nowhere" / "jobs.sqlite"
    with DashboardServer(state) as server, httpx.Client(timeout=10) as client:
        page = client.get(server.url, follow_redirects=True)
    assert page.status_code == 200 and 'data-jobs="0"' in page.text
    assert not state.exists() and not state.parent.exists()


def test_only_loopback_addresses_are_served(tmp_path: Path) -> None:
    for host in ("0.0.0.0", "192.0.2.1", "example.com"):
        with pytest.raises(ValueError, match="loopback"):
            DashboardServer(tmp_path / "jobs.sqlite", host=host)
    assert main(["dashboard", "--state", str(tmp_path / "jobs.sqlite"), "--host", "0.0.0.0"]) == 2


def _read_event(lines: Iterator[str]) -> tuple[str, str]:
    name, data = "", []
    for line in lines:
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            data.append(line.removeprefix("data: "))
        elif not line and name:
            return name, "\n".join(data)
    raise AssertionError("the stream ended")


def test_the_event_stream_sends_the_page_again_when_the_state_changes(
    dashboard: DashboardServer, signed_in: httpx.Client
) -> None:
    with signed_in.stream("GET", "/jobs/job_0123456789abcdef/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        name, first = _read_event(lines)
        assert name == "update" and 'data-field="completed">0<' in first
        # Another process (here: this one, through its own connection) records progress.
        with JobStore(dashboard.state) as store:
            store.update_shard("job_0123456789abcdef", 0, completed=7, failed=1)
            record_poll_sample(store, "job_0123456789abcdef")
        started = time.monotonic()
        name, second = _read_event(lines)
        assert time.monotonic() - started < 5
    assert name == "update"
    assert 'data-field="completed">7<' in second and 'data-field="failed">1<' in second


def test_the_command_prints_its_url_and_serves_it(tmp_path: Path) -> None:
    state = _state_with_job(tmp_path / "jobs.sqlite")
    process = subprocess.Popen(
        [sys.executable, "-m", "openai_batch.cli", "dashboard", "--state", str(state), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        # The whole JSON document (it spans lines), read until it parses.
        text = ""
        while True:
            line = process.stdout.readline().decode()
            assert line, "the command ended before printing its URL"
            text += line
            if line.startswith("}"):
                break
        url = json.loads(text)["url"]
        assert url.startswith("http://127.0.0.1:") and "?token=" in url
        with httpx.Client(timeout=10) as client:
            assert client.get(url.split("?")[0]).status_code == 401
            page = client.get(url, follow_redirects=True)
        assert page.status_code == 200 and "job_0123456789abcdef" in page.text
    finally:
        process.terminate()
        process.wait(timeout=10)
        stderr = process.stderr.read().decode() if process.stderr else ""
        if process.stderr:
            process.stderr.close()
        stop(process)  # closes stdout; a no-op for the process, which has ended
    # The token is printed once, to stdout, for the person who started it: never logged.
    assert url.split("token=")[1] not in stderr
