"""Job: sharding into several batches, waiting, joined results, crash-resume, harvest and retries."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from openai_batch._exceptions import InternalServerError, RateLimitError
from openai_batch.workflow import (
    JOB_METADATA_KEY,
    BatchLimits,
    BatchProgress,
    BatchWaitTimeout,
    InputValidationError,
    Job,
    JobNotFoundError,
    Outcome,
)
from openai_batch.workflow import _download as download_module
from openai_batch.workflow import _harvest as harvest_module
from openai_batch.workflow import _sending as sending_module

from tests.behaviour.workflow_fakes import (
    ROOMY,
    FakeClient,
    connection_error,
    default_outcome,
    read_results,
    status_error,
    write_chat_input,
)

CHAT = "/v1/chat/completions"


class SimulatedCrash(BaseException):
    """Stands in for kill -9: a BaseException nothing in the job catches and handles."""


@pytest.fixture
def client() -> FakeClient:
    return FakeClient()


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state" / "jobs.sqlite"


def no_sleep(seconds: float) -> None:
    pass


def crash_at(monkeypatch: pytest.MonkeyPatch, point: str, nth: int = 1) -> None:
    seen: dict[str, int] = {}

    def crash_point(name: str, count: int = 1) -> None:
        before = seen.get(name, 0)
        seen[name] = before + count
        if name == point and before < nth <= seen[name]:
            raise SimulatedCrash(point)

    for module in (sending_module, harvest_module, download_module):
        monkeypatch.setattr(module, "crash_point", crash_point)


def no_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (sending_module, harvest_module, download_module):
        monkeypatch.setattr(module, "crash_point", lambda name, count=1: None)


def submit(client: FakeClient, path: Path, state: Path, **kwargs: object) -> Job:
    options: dict[str, object] = {"queue": ROOMY, **kwargs}
    return Job.submit(client, path, state=state, limits=BatchLimits(max_requests=4), **options)  # type: ignore[arg-type]


def test_submit_shards_into_three_batches_waits_and_writes_every_result(
    client: FakeClient, tmp_path: Path, state: Path
) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 10, bad={3})
    progress: list[BatchProgress] = []
    with submit(client, src, state) as job:
        assert client.server.uploads == 3
        assert client.server.creates == 3
        metadata = [b["metadata"][JOB_METADATA_KEY] for b in client.server.batches.values()]
        assert metadata == [f"{job.job_id}:{i}:1" for i in range(3)]
        final = job.wait(sleep=no_sleep, on_progress=progress.append)
        assert final.done
        assert [s.request_count for s in final.shards] == [4, 4, 2]
        summary = job.write_results(tmp_path / "out.jsonl")
    rows = read_results(tmp_path / "out.jsonl")
    assert [r["custom_id"] for r in rows] == [f"r{i:05d}" + ("-bad" if i == 3 else "") for i in range(10)]
    assert summary.counts == {"succeeded": 9, "failed": 1}
    assert rows[0]["body"]["custom_id"] == "r00000"
    assert rows[3]["outcome"] == "failed"
    assert rows[3]["error"] == {"code": "bad", "message": "bad request"}
    assert progress[-1].total == 10
    assert progress[-1].batches_done == 3
    assert {p.status for p in progress} >= {"in_progress", "completed"}


def test_invalid_input_is_refused_before_any_upload(client: FakeClient, tmp_path: Path, state: Path) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 3)
    src.write_bytes(src.read_bytes() + b'{"custom_id": "r00000", "method": "GET"}\n')
    with pytest.raises(InputValidationError) as info:
        submit(client, src, state)
    assert {(p.line, p.code) for p in info.value.report.problems} >= {(4, "duplicate_custom_id"), (4, "invalid_method")}
    assert f"{src}:4" in str(info.value)
    assert client.server.uploads == 0


def test_rerun_of_a_submitted_job_sends_nothing(client: FakeClient, tmp_path: Path, state: Path) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 9)
    with submit(client, src, state) as first:
        first_id = first.job_id
        assert not first.resumed
    with submit(client, src, state) as again:
        assert again.job_id == first_id
        assert again.resumed
    assert (client.server.uploads, client.server.creates) == (3, 3)
    with submit(client, src, state, new=True) as other:
        assert other.job_id != first_id
    assert client.server.creates == 6


@pytest.mark.parametrize(
    ("point", "nth"),
    [("after_shard", 1)]
    + [
        (point, nth)
        for point in (
            "before_upload",
            "after_upload",
            "after_upload_record",
            "before_batch_create",
            "after_batch_create",
            "after_batch_record",
        )
        for nth in (1, 3)
    ],
)
def test_crash_while_submitting_resumes_without_duplicates(
    client: FakeClient, tmp_path: Path, state: Path, monkeypatch: pytest.MonkeyPatch, point: str, nth: int
) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 10)
    crash_at(monkeypatch, point, nth)
    with pytest.raises(SimulatedCrash):
        submit(client, src, state)
    no_crash(monkeypatch)
    with submit(client, src, state) as job:
        assert job.resumed or (point == "after_shard" and nth == 1)
        assert (client.server.uploads, client.server.creates) == (3, 3)
        job.wait(sleep=no_sleep)
        summary = job.write_results(tmp_path / "out.jsonl")
    assert summary.counts == {"succeeded": 10}
    # Every shard went to exactly one batch, and each batch's file is one upload.
    inputs = [b["input_file_id"] for b in client.server.batches.values()]
    assert len(set(inputs)) == 3


def test_crash_during_download_loses_and_doubles_nothing(
    client: FakeClient, tmp_path: Path, state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 10)
    crash_at(monkeypatch, "during_download", 5)
    with pytest.raises(SimulatedCrash), submit(client, src, state) as job:
        job.wait(sleep=no_sleep)
    no_crash(monkeypatch)
    with submit(client, src, state) as job:
        stored_before = job.store.result_count(job.job_id)
        assert 0 < stored_before < 10
        job.wait(sleep=no_sleep)
        summary = job.write_results(tmp_path / "out.jsonl")
        assert job.store.result_count(job.job_id) == 10
    assert summary.counts == {"succeeded": 10}
    assert len({r["custom_id"] for r in read_results(tmp_path / "out.jsonl")}) == 10
    assert client.server.creates == 3


def test_expired_batch_keeps_results_and_resubmits_only_the_rest(
    client: FakeClient, tmp_path: Path, state: Path
) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 10)
    client.server.auto = False
    # One attempt only: here the caller resubmits by hand (see the next test for the automatic way).
    with submit(client, src, state, max_attempts=1) as job:
        batch_ids = job.status().batch_ids
        client.server.finish(batch_ids[0])
        client.server.finish(batch_ids[1], "expired", done=1)
        client.server.finish(batch_ids[2], "expired", done=0)
        status = job.wait(sleep=no_sleep)
        assert status.status == "completed+expired"
        summary = job.write_results(tmp_path / "first.jsonl")
        assert summary.counts == {"succeeded": 5, "expired": 5}
        unfinished = job.write_unfinished(tmp_path / "rest.jsonl")
        assert unfinished == 5
        sent = job.resubmit_unfinished()
        assert sent == 5
        # The 5 go out in new shards of at most 4 requests.
        assert client.server.creates == 5
        assert job.resubmit_unfinished.__self__ is job
        pending = job.write_results(tmp_path / "pending.jsonl")
        assert pending.counts == {"succeeded": 5, "pending": 5}
        for batch_id in job.status().batch_ids[3:]:
            client.server.finish(batch_id)
        job.wait(sleep=no_sleep)
        final = job.write_results(tmp_path / "final.jsonl")
    assert final.counts == {"succeeded": 10}
    rows = read_results(tmp_path / "final.jsonl")
    assert [r["custom_id"] for r in rows] == [f"r{i:05d}" for i in range(10)]
    assert len({r["batch_id"] for r in rows}) == 4
    resent = [line for b in list(client.server.batches.values())[3:] for line in client.server._requests(b)]
    assert sorted(r["custom_id"] for r in resent) == [f"r{i:05d}" for i in range(5, 10)]


def test_cancel_stops_batches_and_harvests_what_finished(client: FakeClient, tmp_path: Path, state: Path) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 8)
    client.server.auto = False
    with submit(client, src, state) as job:
        status = job.cancel()
        assert {s.status for s in status.shards} == {"cancelling"}
        client.server.auto = True
        final = job.wait(sleep=no_sleep)
        assert {s.status for s in final.shards} == {"cancelled"}
        summary = job.write_results(tmp_path / "out.jsonl")
    # The fake runs half of each batch before the cancel lands.
    assert summary.counts == {"succeeded": 4, "cancelled": 4}


def test_missing_results_are_reported(client: FakeClient, tmp_path: Path, state: Path) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 4)
    client.server.outcome = lambda cid: "skip" if cid == "r00002" else "ok"
    with submit(client, src, state) as job:
        job.wait(sleep=no_sleep)
        results = {r.custom_id: r.outcome for r in job.results()}
    assert results["r00002"] is Outcome.MISSING
    assert list(results.values()).count(Outcome.SUCCEEDED) == 3


def test_expired_requests_are_sent_again_automatically_and_show_their_attempts(
    client: FakeClient, tmp_path: Path, state: Path
) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 8)
    client.server.auto = False
    with submit(client, src, state) as job:
        first, second = job.status().batch_ids
        client.server.finish(first)
        client.server.finish(second, "expired", done=1)
        client.server.auto = True
        status = job.wait(sleep=no_sleep)
        assert status.done and len(status.shards) == 3 and status.shards[2].retry_of == "expired"
        results = {r.custom_id: r for r in job.results()}
    assert {r.outcome for r in results.values()} == {Outcome.SUCCEEDED}
    assert [results[f"r{i:05d}"].attempts for i in range(8)] == [1, 1, 1, 1, 1, 2, 2, 2]
    assert client.server.creates == 3


def test_retryable_line_failures_are_sent_again_up_to_the_attempt_budget(
    client: FakeClient, tmp_path: Path, state: Path
) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 4, bad={1})
    seen: dict[str, int] = {}

    def outcome(custom_id: str) -> str:
        # r00002 fails with a 500 on its first run only; r00001-bad fails (400) every time.
        seen[custom_id] = seen.get(custom_id, 0) + 1
        if custom_id == "r00002" and seen[custom_id] == 1:
            return "fail500"
        return default_outcome(custom_id)

    client.server.outcome = outcome
    with submit(client, src, state) as job:
        job.wait(sleep=no_sleep)
        results = {r.custom_id: r for r in job.results()}
    assert results["r00002"].outcome is Outcome.SUCCEEDED and results["r00002"].attempts == 2
    assert results["r00001-bad"].outcome is Outcome.FAILED and results["r00001-bad"].attempts == 1
    assert results["r00001-bad"].error is not None and results["r00001-bad"].error.code == "bad"


def test_a_token_limited_batch_is_queued_again_not_counted_as_a_failure(
    client: FakeClient, tmp_path: Path, state: Path
) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 8)
    client.server.auto = False
    with submit(client, src, state) as job:
        first, second = job.status().batch_ids
        client.server.fail(first)
        client.server.finish(second)
        client.server.auto = True
        status = job.wait(sleep=no_sleep)
        assert [s.status for s in status.shards] == ["completed", "completed"]
        assert status.shards[0].attempt == 2
        assert client.server.uploads == 2  # the uploaded shard is reused
        assert client.server.batches[status.shards[0].batch_id or ""]["metadata"][JOB_METADATA_KEY].endswith(":0:2")
        assert job.write_results(tmp_path / "out.jsonl").counts == {"succeeded": 8}
        history = job.store.attempts(job.job_id)
        assert [(shard, attempt, status) for shard, attempt, _, status, _ in history] == [
            (0, 1, "failed"),
            (0, 2, "completed"),
            (1, 1, "completed"),
        ]


def test_another_batch_failure_is_reported_and_retried_by_hand_after_a_delay(
    client: FakeClient, tmp_path: Path, state: Path
) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 8)
    client.server.auto = False
    with submit(client, src, state) as job:
        first, second = job.status().batch_ids
        client.server.fail(first, code="invalid_file", message="the file could not be read")
        client.server.finish(second)
        status = job.wait(sleep=no_sleep)
        assert status.shards[0].status == "failed"
        assert status.shards[0].errors[0]["code"] == "invalid_file"
        summary = job.write_results(tmp_path / "out.jsonl")
        assert summary.counts == {"failed": 4, "succeeded": 4}
        assert read_results(tmp_path / "out.jsonl")[0]["error"]["code"] == "invalid_file"
        slept: list[float] = []
        assert job.retry_failed(delay=30.0, sleep=slept.append) == [0]
        assert slept == [30.0]
        retried = job.status().shards[0]
        assert retried.attempt == 2 and retried.batch_id not in (first, second)
        client.server.auto = True
        job.wait(sleep=no_sleep)
        assert job.write_results(tmp_path / "out.jsonl").counts == {"succeeded": 8}


@pytest.mark.parametrize(
    "make_error",
    [connection_error, lambda: status_error(RateLimitError, 429), lambda: status_error(InternalServerError, 503)],
)
def test_wait_keeps_polling_through_transient_errors(
    client: FakeClient, tmp_path: Path, state: Path, make_error: Callable[[], Exception]
) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 3)
    client.server.faults["batches.retrieve"] += [make_error(), make_error()]
    with submit(client, src, state) as job:
        assert job.wait(sleep=no_sleep).succeeded
    assert not client.server.faults["batches.retrieve"]


def test_wait_deadline_names_the_running_batches(client: FakeClient, tmp_path: Path, state: Path) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 6)
    client.server.auto = False
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    with submit(client, src, state) as job:
        ids = job.status().batch_ids
        with pytest.raises(BatchWaitTimeout) as info:
            job.wait(sleep=sleep, clock=lambda: now[0], poll_interval=10, max_interval=40, deadline=100)
    assert now[0] == 100
    assert info.value.batch_ids == ids
    assert ids[0] in str(info.value)
    assert "validating" in str(info.value)


def test_open_by_job_or_batch_id(client: FakeClient, tmp_path: Path, state: Path) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 5)
    with submit(client, src, state) as job:
        job_id, batch_id = job.job_id, job.status().batch_ids[1]
    with Job.open(client, batch_id, state=state) as reopened:
        assert reopened.job_id == job_id
    with pytest.raises(JobNotFoundError, match="batch_nope"):
        Job.open(client, "batch_nope", state=state)


def test_adopt_an_outside_batch_and_join_its_results(client: FakeClient, tmp_path: Path, state: Path) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 3)
    uploaded = client.files.create(file=src, purpose="batch")
    batch = client.batches.create(input_file_id=uploaded.id, endpoint=CHAT)
    with Job.adopt_batch(client, batch.id, state=state) as job:
        job.wait(sleep=no_sleep)
        summary = job.write_results(tmp_path / "out.jsonl")
        job_id = job.job_id
    assert summary.counts == {"succeeded": 3}
    with Job.adopt_batch(client, batch.id, state=state) as again:
        assert again.job_id == job_id
    assert client.server.creates == 1


def test_two_submits_at_once_make_one_job(client: FakeClient, tmp_path: Path, state: Path) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 10)
    job_ids: list[str] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with submit(client, src, state) as job:
                job_ids.append(job.job_id)
        except BaseException as exc:  # surfaced below; a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert len(job_ids) == 2 and job_ids[0] == job_ids[1]
    assert (client.server.uploads, client.server.creates) == (3, 3)
