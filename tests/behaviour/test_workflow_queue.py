"""With no token budget known, a new wave of shards starts only once the last left validation, as the job recorded it.

The wait polls the job's batches, then lists the queue before sending. A batch can fail
``token_limit_exceeded`` in between: the listing no longer shows it validating, yet the
job has not recorded (so not learnt from) its failure. The next shard must wait for that
record, or it goes into the same full queue and fails too.
"""

from __future__ import annotations

from pathlib import Path

from openai_batch.workflow import BatchLimits, Job
from openai_batch.workflow._sending import origin_key

from tests.behaviour.workflow_fakes import FakeClient, write_chat_input


def limit_message(limit: int) -> str:
    return (
        "Enqueued token limit reached for gpt-test in organization org-test. "
        f"Limit: {limit:,} enqueued tokens. Please try again once some in_progress batches have been completed."
    )


def no_sleep(seconds: float) -> None:
    pass


def submit_unbudgeted(client: FakeClient, tmp_path: Path) -> Job:
    src = write_chat_input(tmp_path / "in.jsonl", 8)
    return Job.submit(client, src, state=tmp_path / "jobs.sqlite", limits=BatchLimits(max_requests=4))


def test_a_failure_listed_before_it_is_polled_holds_the_next_shard_back(tmp_path: Path) -> None:
    client = FakeClient()
    client.server.auto = False
    with submit_unbudgeted(client, tmp_path) as job:
        (first,) = job.status().batch_ids  # one validation apart: only the first shard went out
        estimate = job.store.shards(job.job_id)[0].token_estimate
        # Room for one shard, not two.
        client.server.fail(first, message=limit_message(estimate * 3 // 2))
        job.start()  # the listing shows the failure; the job's record still says validating
        assert client.server.creates == 1
        job.refresh()  # records the failure
        job.start()  # learns the limit and sends the first shard again; the second has no room
        assert client.server.creates == 2
        row = job.store.get_job(job.job_id)
        assert row is not None
        assert job.store.learnt_limit(origin_key(row), "gpt-test") == (estimate * 3 // 2, 1.0)
        client.server.auto = True
        status = job.wait(sleep=no_sleep)
    assert [s.status for s in status.shards] == ["completed", "completed"]
    failed = [b for b in client.server.batches.values() if b["status"] == "failed"]
    assert [b["id"] for b in failed] == [first]


def test_a_validation_passed_before_it_is_polled_is_waited_for_too(tmp_path: Path) -> None:
    client = FakeClient()
    client.server.auto = False
    with submit_unbudgeted(client, tmp_path) as job:
        (first,) = job.status().batch_ids
        client.server.advance(first)  # in_progress on the service, validating in the job's record
        job.start()
        assert client.server.creates == 1
        job.refresh()
        job.start()
        assert client.server.creates == 2
