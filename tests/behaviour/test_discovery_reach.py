"""Discovery stops its walk once the job's first batches are behind it, but not at a cancelled copy.

The walk of the batch list ends right after the first attempt of every input shard has
been seen (the job's oldest batch is one of them). A copy several senders made of one
shard, cancelled by their tie-break, may be newer than the copy they kept: seeing only it
does not end the walk.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from openai_batch.workflow import BatchLimits, Job

from tests.behaviour.workflow_fakes import ROOMY, FakeClient, read_results, write_chat_input


def no_sleep(seconds: float) -> None:
    pass


def submit(client: FakeClient, path: Path, state: Path) -> Job:
    return Job.submit(client, path, state=state, limits=BatchLimits(max_requests=4), sleep=no_sleep, queue=ROOMY)  # type: ignore[arg-type]


def reach_line(caplog: pytest.LogCaptureFixture) -> str:
    (line,) = [r.getMessage() for r in caplog.records if "looked for it on the service" in r.getMessage()]
    return line


def test_the_walk_stops_at_the_jobs_oldest_batch_and_says_how_far_it_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    client = FakeClient()
    older = write_chat_input(tmp_path / "older.jsonl", 3)
    with submit(client, older, tmp_path / "older" / "jobs.sqlite") as job:
        job.wait(sleep=no_sleep)
    src = write_chat_input(tmp_path / "in.jsonl", 10)
    state = tmp_path / "state" / "jobs.sqlite"
    with submit(client, src, state) as job:
        job.wait(sleep=no_sleep)
    shutil.rmtree(state.parent)
    creates = client.server.creates

    caplog.set_level(logging.INFO, logger="openai_batch.workflow")
    with submit(client, src, state) as job:
        assert job.resumed
    assert client.server.creates == creates
    # The job's three batches are the newest; the other job's batch behind them is not read.
    line = reach_line(caplog)
    assert "batches: read 3 batches, back to" in line and "stopped: every shard was found" in line
    assert "uploads: no upload search needed" in line


def test_a_newer_cancelled_copy_of_a_first_batch_does_not_end_the_walk(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    client = FakeClient()
    src = write_chat_input(tmp_path / "in.jsonl", 4)  # one shard
    state = tmp_path / "state" / "jobs.sqlite"
    with submit(client, src, state) as job:
        job.wait(sleep=no_sleep)
    (kept_id,) = client.server.batches
    # Another sender's copy of the same shard, made later and cancelled by the tie-break.
    copy = dict(client.server.batches[kept_id], id="batch_copy", status="cancelled")
    copy["created_at"] = client.server.batches[kept_id]["created_at"] + 5
    client.server.batches["batch_copy"] = copy
    shutil.rmtree(state.parent)

    caplog.set_level(logging.INFO, logger="openai_batch.workflow")
    with submit(client, src, state) as job:
        assert [s.batch_id for s in job.status().shards] == [kept_id]
        job.wait(sleep=no_sleep)
        job.write_results(tmp_path / "out.jsonl")
    assert client.server.creates == 1
    assert [r["outcome"] for r in read_results(tmp_path / "out.jsonl")] == ["succeeded"] * 4
    assert "batches: read 2 batches" in reach_line(caplog)
