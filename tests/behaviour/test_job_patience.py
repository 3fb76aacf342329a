"""One run finishes the job: transient faults are waited out within the deadline, permanent ones stop it,
and a result download counts only when it holds what the batch's request_counts say."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from openai_batch._exceptions import APIConnectionError, BadRequestError
from openai_batch.workflow import BatchLimits, Job, Outcome
from openai_batch.workflow._engine import Flow, Pause, run_sync
from openai_batch.workflow._patience import Patience, is_transient

from tests.behaviour.workflow_fakes import ROOMY, FakeClient, connection_error, write_chat_input


class Clock:
    """A clock that moves only when the job sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def submit(client: FakeClient, src: Path, tmp_path: Path, clock: Clock, **kwargs: object) -> Job:
    options: dict[str, object] = {
        "limits": BatchLimits(max_requests=4),
        "sleep": clock.sleep,
        "clock": clock,
        "queue": ROOMY,
    }
    options.update(kwargs)
    return Job.submit(client, src, state=tmp_path / "jobs.sqlite", **options)  # type: ignore[arg-type]


def status_error(status: int) -> Exception:
    from openai_batch._exceptions import make_status_error

    request = httpx.Request("POST", "http://127.0.0.1/v1/batches")
    response = httpx.Response(status, request=request, json={"error": {"message": f"status {status}"}})
    return make_status_error("createBatch", response)


@pytest.mark.parametrize(
    ("status", "transient"), [(400, False), (401, False), (404, False), (408, True), (409, True), (429, True)]
)
def test_which_statuses_are_waited_out(status: int, transient: bool) -> None:
    assert is_transient(status_error(status)) is transient
    assert is_transient(status_error(500 + status % 4))
    assert is_transient(connection_error())


def test_a_lost_create_answer_whose_lookups_fail_is_looked_up_again_never_resent(tmp_path: Path) -> None:
    client, clock = FakeClient(), Clock()
    src = write_chat_input(tmp_path / "in.jsonl", 10)
    # Shard 1's batch is created but its answer is lost; then the look-ups fail three times.
    client.server.after_faults["batches.create"] = [None, connection_error()]
    # (The first three lists are the search for the job, the read of the queue and the check for
    # other senders' copies of shard 0's batch.)
    client.server.faults["batches.list"] = [None, None, None, *[connection_error()] * 3]
    with submit(client, src, tmp_path, clock) as job:
        assert len(job.status().batch_ids) == 3
    assert client.server.creates == 3 and client.server.uploads == 3
    assert len(clock.sleeps) >= 4  # the lost answer, then each failed look-up, waited out with backoff
    assert clock.sleeps == sorted(clock.sleeps)


def test_a_lost_upload_answer_is_found_by_its_name_not_uploaded_again(tmp_path: Path) -> None:
    client, clock = FakeClient(), Clock()
    src = write_chat_input(tmp_path / "in.jsonl", 10)
    client.server.after_faults["files.create"] = [connection_error(), None, connection_error()]
    with submit(client, src, tmp_path, clock):
        pass
    assert client.server.uploads == 3 and client.server.creates == 3


def test_rate_limits_and_5xx_on_create_are_waited_out(tmp_path: Path) -> None:
    client, clock = FakeClient(), Clock()
    src = write_chat_input(tmp_path / "in.jsonl", 10)
    client.server.faults["batches.create"] = [status_error(429), status_error(503), None, status_error(500)]
    with submit(client, src, tmp_path, clock) as job:
        job.wait(sleep=clock.sleep, clock=clock)
        assert job.outcome_counts() == {"succeeded": 10}
    assert client.server.creates == 3


def test_a_permanent_error_stops_at_once_without_waiting(tmp_path: Path) -> None:
    client, clock = FakeClient(), Clock()
    src = write_chat_input(tmp_path / "in.jsonl", 10)
    client.server.faults["batches.create"] = [status_error(400)]
    with pytest.raises(BadRequestError):
        submit(client, src, tmp_path, clock)
    assert clock.sleeps == [] and client.server.creates == 0


def test_the_deadline_ends_the_waiting_with_the_fault_and_a_rerun_carries_on(tmp_path: Path) -> None:
    client, clock = FakeClient(), Clock()
    src = write_chat_input(tmp_path / "in.jsonl", 10)
    client.server.after_faults["batches.create"] = [connection_error()]
    client.server.faults["batches.list"] = [connection_error()] * 50
    with pytest.raises(APIConnectionError):
        submit(client, src, tmp_path, clock, deadline=60.0)
    assert clock.now <= 60.0 + 1e-9
    client.server.faults["batches.list"] = []
    with submit(client, src, tmp_path, clock) as job:
        assert len(job.status().batch_ids) == 3
    assert client.server.creates == 3


def test_patience_gives_up_only_at_its_deadline() -> None:
    clock = Clock()
    patience = Patience(deadline=10.0, clock=clock)
    calls = []

    def always_down() -> Flow[None]:
        calls.append(clock.now)
        raise connection_error()
        yield Pause(0)  # a flow: never reached

    with pytest.raises(APIConnectionError):
        run_sync(patience.call("polling", always_down), None, sleep=clock.sleep)
    assert clock.now == pytest.approx(10.0) and len(calls) >= 4


@pytest.mark.parametrize("cut", ["at a line end", "mid-line"])
def test_a_cut_download_is_fetched_again_and_never_turned_into_missing_requests(tmp_path: Path, cut: str) -> None:
    client, clock = FakeClient(), Clock()
    src = write_chat_input(tmp_path / "in.jsonl", 4)
    with submit(client, src, tmp_path, clock) as job:
        client.server.auto = True
        (batch_id,) = job.status().batch_ids
        client.server.finish(batch_id)
        output = client.server.batches[batch_id]["output_file_id"]
        data = client.server.files[output][1]
        first_line_end = data.index(b"\n") + 1
        client.server.cut_downloads = [first_line_end if cut == "at a line end" else first_line_end + 10]
        job.wait(sleep=clock.sleep, clock=clock)
        results = list(job.results())
        assert [r.outcome for r in results] == [Outcome.SUCCEEDED] * 4
    assert client.server.content_reads == 2  # the cut copy, then the whole one


def test_a_download_that_stays_short_is_not_marked_done(tmp_path: Path) -> None:
    client, clock = FakeClient(), Clock()
    src = write_chat_input(tmp_path / "in.jsonl", 4)
    with submit(client, src, tmp_path, clock) as job:
        (batch_id,) = job.status().batch_ids
        client.server.finish(batch_id)
        job.refresh()
        client.server.cut_downloads = [10] * 4  # every immediate re-fetch is cut too
        assert job.download_tolerant() is False
        assert not job.status().shards[0].results_downloaded
        # Not in yet, so pending: never "missing", which a resubmission would bill again.
        assert [r.outcome for r in job.results()] == [Outcome.PENDING] * 4
        assert job.resubmit_unfinished() == 0
        assert job.download_tolerant() is True
        assert job.outcome_counts() == {"succeeded": 4}
