"""An API that cannot be reached ends a run that has sent nothing within a minute; once
something was sent, the job's whole patience applies. Clocks and sleeps are injected: no test
here waits."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from openai_batch import AsyncBatchClient, BatchClient
from openai_batch import _flow as flow_module
from openai_batch._exceptions import APIConnectionError
from openai_batch.cli import _commands, _exit, main
from openai_batch.workflow import AsyncJob, BatchLimits, Job
from openai_batch.workflow import _patience as patience_module

from tests.behaviour.client_fakes import KEY, FakeAPI, Fault
from tests.behaviour.workflow_fakes import write_chat_input

BASE = "https://api.unreachable.example/v1"
LIMITS = BatchLimits(max_requests=4)


class Clock:
    """Monotonic time that moves only when something sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.now += seconds


def refusing(requests: list[httpx.Request]) -> Callable[[httpx.Request], httpx.Response]:
    """A transport handler for a host whose name does not resolve: every request fails to connect."""

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)

    return handler


def check_unreachable(exc: APIConnectionError, clock: Clock) -> None:
    assert exc.unreachable
    message = str(exc)
    assert f"cannot reach {BASE}/batches" in message and "nothing of the job was sent" in message
    assert "\n" not in message and KEY not in message and KEY not in repr(exc)
    assert clock.now <= 60  # the client's own retries of the last try included


def test_job_submit_gives_up_on_an_unresolvable_host_within_a_minute(tmp_path: Path) -> None:
    clock, requests = Clock(), list[httpx.Request]()
    src = write_chat_input(tmp_path / "in.jsonl", 10)
    transport = httpx.MockTransport(refusing(requests))
    with BatchClient(base_url=BASE, api_key=KEY, transport=transport, sleep=clock.sleep) as client:
        with pytest.raises(APIConnectionError) as caught:
            Job.submit(client, src, state=tmp_path / "s.sqlite", limits=LIMITS, sleep=clock.sleep, clock=clock)
    check_unreachable(caught.value, clock)
    assert clock.now >= 50  # tried for most of the minute, not given up at the first refusal
    assert requests and all(r.method == "GET" for r in requests)  # looked for the job; sent nothing


def test_async_job_submit_gives_up_on_an_unresolvable_host_within_a_minute(tmp_path: Path) -> None:
    import anyio

    clock, requests = Clock(), list[httpx.Request]()
    src = write_chat_input(tmp_path / "in.jsonl", 10)
    transport = httpx.MockTransport(refusing(requests))

    async def run() -> None:
        async with AsyncBatchClient(base_url=BASE, api_key=KEY, transport=transport, sleep=clock.asleep) as client:
            await AsyncJob.submit(
                client, src, state=tmp_path / "s.sqlite", limits=LIMITS, sleep=clock.asleep, clock=clock
            )

    with pytest.raises(APIConnectionError) as caught:
        anyio.run(run)
    check_unreachable(caught.value, clock)
    assert requests and all(r.method == "GET" for r in requests)


def test_once_an_upload_was_sent_the_jobs_whole_patience_applies(tmp_path: Path) -> None:
    clock, api = Clock(), FakeAPI()
    src = write_chat_input(tmp_path / "in.jsonl", 3)
    # The upload goes through; then every batch create is refused, for longer than the deadline.
    api.fail("POST", "/v1/batches", *[Fault("before", httpx.ConnectError)] * 1000)
    transport = httpx.MockTransport(api.handler)
    with BatchClient(base_url=BASE, api_key=KEY, transport=transport, sleep=clock.sleep) as client:
        with pytest.raises(APIConnectionError) as caught:
            Job.submit(client, src, state=tmp_path / "s.sqlite", sleep=clock.sleep, clock=clock, deadline=600)
    assert clock.now >= 600  # waited out to the deadline, not a minute
    assert "nothing of the job was sent" not in str(caught.value)
    assert api.calls("POST", "/v1/files") == 1 and not api.batches


@pytest.mark.parametrize("fault", ["refused", "unresolvable"])
def test_cli_submit_to_an_unreachable_api_exits_3_with_one_line_naming_the_url(
    fault: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = Clock()
    src = write_chat_input(tmp_path / "in.jsonl", 10)
    # The command line passes no clock or sleep: the job's patience and its pauses use these.
    monkeypatch.setattr(patience_module, "time", SimpleNamespace(monotonic=clock))
    monkeypatch.setattr(flow_module, "time", SimpleNamespace(sleep=clock.sleep))
    if fault == "refused":
        base, options = "http://127.0.0.1:1/v1", {}  # nothing listens on port 1: a real refusal
    else:
        base, options = BASE, {"transport": httpx.MockTransport(refusing([]))}

    def make_client(args: argparse.Namespace) -> BatchClient:
        return BatchClient(base_url=base, api_key=KEY, sleep=clock.sleep, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(_commands, "make_client", make_client)
    code = main(["submit", str(src), "--state", str(tmp_path / "s.sqlite")])
    err = capsys.readouterr().err
    assert code == _exit.API_ERROR == 3
    errors = [line for line in err.splitlines() if line.startswith("openai-batch: error:")]
    assert len(errors) == 1, err
    assert f"cannot reach {base}/batches" in errors[0] and "nothing of the job was sent" in errors[0]
    assert "once fixed, run: openai-batch submit" in errors[0]
    assert "Traceback" not in err and KEY not in err
    assert clock.now <= 60
