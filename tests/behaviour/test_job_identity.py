"""A job's id comes from what defines it, and the service is its record: same command, same job, anywhere."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from openai_batch.workflow import INPUT_TAG, JOB_TAG, BatchLimits, Job, JobConflictError, Outcome

from tests.behaviour.workflow_fakes import ROOMY, FakeClient, read_results, write_chat_input


def no_sleep(seconds: float) -> None:
    pass


def submit(client: FakeClient, path: Path, state: Path, **kwargs: object) -> Job:
    options: dict[str, object] = {"limits": BatchLimits(max_requests=4), "sleep": no_sleep, "queue": ROOMY, **kwargs}
    return Job.submit(client, path, state=state, **options)  # type: ignore[arg-type]


def test_the_same_input_and_options_name_the_same_job_on_any_machine(tmp_path: Path) -> None:
    client = FakeClient()
    src = write_chat_input(tmp_path / "in.jsonl", 10)
    with submit(client, src, tmp_path / "a" / "jobs.sqlite") as first:
        first_id = first.job_id
    # Another machine (another state file), same service: the job is found, nothing is sent.
    with submit(client, src, tmp_path / "b" / "jobs.sqlite") as second:
        assert second.job_id == first_id
        assert second.resumed
        assert [s.batch_id for s in second.status().shards] == sorted(client.server.batches, key=lambda b: int(b[6:]))
    assert client.server.uploads == 3 and client.server.creates == 3


def test_every_upload_and_batch_carries_tags_derived_from_the_job(tmp_path: Path) -> None:
    client = FakeClient()
    src = write_chat_input(tmp_path / "in.jsonl", 10)
    with submit(client, src, tmp_path / "jobs.sqlite", metadata={"team": "search"}) as job:
        job_id = job.job_id
    names = sorted(f.filename for f, _ in client.server.files.values())
    assert names == [f"{job_id}-shard{i:05d}.jsonl" for i in range(3)]
    tags = sorted(b["metadata"][JOB_TAG] for b in client.server.batches.values())
    assert tags == [f"{job_id}:{i}:1" for i in range(3)]
    assert {b["metadata"]["team"] for b in client.server.batches.values()} == {"search"}
    assert len({b["metadata"][INPUT_TAG] for b in client.server.batches.values()}) == 1


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"limits": BatchLimits(max_requests=5)}, "shard limits (--max-*-per-batch): max_bytes=209715200"),
        ({"metadata": {"team": "ads"}}, "metadata (--metadata): none (now team=ads)"),
        ({"base_url": "http://other.invalid/v1"}, "API origin"),
    ],
)
def test_resuming_with_other_options_or_origin_is_refused_naming_what_differs(
    tmp_path: Path, change: dict[str, object], named: str
) -> None:
    client = FakeClient()
    src = write_chat_input(tmp_path / "in.jsonl", 10)
    state = tmp_path / "jobs.sqlite"
    with submit(client, src, state):
        pass
    other = FakeClient(client.server)
    if "base_url" in change:
        other.base_url = str(change.pop("base_url"))
    with pytest.raises(JobConflictError) as info:
        submit(other, src, state, **change)
    message = str(info.value)
    assert named in message and "--new" in message and "\n" not in message
    if other.base_url != client.base_url:
        assert "http://fake.invalid/v1 (now http://other.invalid/v1)" in message
    assert client.server.creates == 3  # nothing more was sent


def test_with_no_state_other_options_are_refused_by_what_the_service_holds(tmp_path: Path) -> None:
    client = FakeClient()
    src = write_chat_input(tmp_path / "in.jsonl", 10)
    with submit(client, src, tmp_path / "a.sqlite") as job:
        first = job.job_id
    with pytest.raises(JobConflictError, match=f"already has job {first} .*--job {first}"):
        submit(client, src, tmp_path / "b.sqlite", limits=BatchLimits(max_requests=5))
    assert client.server.creates == 3


def test_new_starts_another_job_that_its_id_resumes_even_with_no_state(tmp_path: Path) -> None:
    client = FakeClient()
    src = write_chat_input(tmp_path / "in.jsonl", 10)
    with submit(client, src, tmp_path / "a.sqlite") as plain:
        plain_id = plain.job_id
    with submit(client, src, tmp_path / "a.sqlite", new=True) as extra:
        extra_id = extra.job_id
    assert extra_id != plain_id and client.server.creates == 6
    # Resumed by its id on a machine that never saw it: found on the service, nothing sent.
    with submit(client, src, tmp_path / "b.sqlite", job_id=extra_id) as again:
        assert again.job_id == extra_id and again.resumed
        again.wait(sleep=no_sleep)
        summary = again.write_results(tmp_path / "out.jsonl")
    assert summary.counts == {"succeeded": 10}
    assert client.server.creates == 6 and client.server.uploads == 6


def test_a_deleted_state_mid_job_carries_on_without_sending_twice(tmp_path: Path) -> None:
    client = FakeClient()
    src = write_chat_input(tmp_path / "in.jsonl", 10)
    state = tmp_path / "state" / "jobs.sqlite"
    # Sending stops at shard 2 (a permanent refusal); shards 0 and 1 were sent.
    client.server.faults["batches.create"] = [None, None, _refusal()]
    with pytest.raises(Exception, match="refused"):
        submit(client, src, state)
    assert client.server.creates == 2
    with Job.prepare(client, src, state=state, limits=BatchLimits(max_requests=4)) as prepared:
        job_id = prepared.job_id
    shutil.rmtree(state.parent)
    with submit(client, src, state) as job:
        assert job.job_id == job_id and job.resumed
        job.wait(sleep=no_sleep)
        summary = job.write_results(tmp_path / "out.jsonl")
    assert summary.counts == {"succeeded": 10}
    assert client.server.uploads == 3 and client.server.creates == 3
    assert [r["custom_id"] for r in read_results(tmp_path / "out.jsonl")] == [f"r{i:05d}" for i in range(10)]


def test_resubmitted_shards_are_found_again_with_their_requests(tmp_path: Path) -> None:
    client = FakeClient()
    client.server.auto = False
    src = write_chat_input(tmp_path / "in.jsonl", 10)
    with submit(client, src, tmp_path / "a.sqlite", max_attempts=1) as job:
        first, *rest = sorted(client.server.batches, key=lambda b: int(b[6:]))
        client.server.finish(first, "expired", done=1)
        for batch_id in rest:
            client.server.finish(batch_id)
        job.wait(sleep=no_sleep)
        assert job.resubmit_unfinished() == 3
        (retry,) = [b for b in client.server.batches if b not in (first, *rest)]
        client.server.finish(retry)
        job.wait(sleep=no_sleep)
        assert job.outcome_counts() == {"succeeded": 10}
    creates = client.server.creates
    with submit(client, src, tmp_path / "b.sqlite", max_attempts=1) as again:
        again.wait(sleep=no_sleep)
        results = list(again.results())
    assert client.server.creates == creates
    assert [r.outcome for r in results] == [Outcome.SUCCEEDED] * 10
    assert {r.batch_id for r in results[1:4]} == {retry}


def _refusal() -> Exception:
    import httpx
    from openai_batch._exceptions import BadRequestError

    request = httpx.Request("POST", "http://127.0.0.1/batches")
    body = {"error": {"message": "refused"}}
    return BadRequestError("refused", operation="createBatch", response=httpx.Response(400, request=request), body=body)
