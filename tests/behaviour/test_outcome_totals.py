"""Outcome counts and the written results file are kept with what they came from, not joined again."""

from __future__ import annotations

from pathlib import Path

import pytest
from openai_batch.workflow import BatchLimits, Job
from openai_batch.workflow import _harvest as harvest_module

from tests.behaviour.workflow_fakes import ROOMY, FakeClient, read_results, submit_job, write_chat_input


def no_sleep(seconds: float) -> None:
    pass


def finished_job(tmp_path: Path, client: FakeClient, requests: int = 10) -> Job:
    src = write_chat_input(tmp_path / "in.jsonl", requests, bad={3})
    job = Job.submit(
        client, src, state=tmp_path / "state" / "jobs.sqlite", limits=BatchLimits(max_requests=4), queue=ROOMY
    )
    job.wait(sleep=no_sleep)
    return job


def count_joins(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the joins over every request (the expensive pass) that the harvest makes."""
    joins: list[int] = []
    real = harvest_module.join_records

    def counted(*args: object, **kwargs: object) -> object:
        joins.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(harvest_module, "join_records", counted)
    return joins


def test_counts_are_joined_once_then_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client = FakeClient()
    with finished_job(tmp_path, client) as job:
        joins = count_joins(monkeypatch)
        first = job.outcome_counts()
        assert first == {"succeeded": 9, "failed": 1}
        assert job.status(outcomes=True).outcomes == first
        assert job.outcome_counts() == first
        assert len(joins) == 1


def test_counts_follow_a_change_in_the_shards(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client = FakeClient()
    client.server.auto = False
    with submit_job(client, write_chat_input(tmp_path / "in.jsonl", 8), tmp_path, per_batch=4) as job:
        batch_ids = job.status().batch_ids
        client.server.finish(batch_ids[0])
        job.refresh()
        job.download_results()
        joins = count_joins(monkeypatch)
        assert job.outcome_counts() == {"succeeded": 4, "pending": 4}
        client.server.finish(batch_ids[1])
        job.wait(sleep=no_sleep)
        assert job.outcome_counts() == {"succeeded": 8}  # a batch finished: counted again
        assert job.outcome_counts() == {"succeeded": 8}
        assert len(joins) == 2


def test_the_same_results_file_is_not_written_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client = FakeClient()
    out = tmp_path / "out.jsonl"
    with finished_job(tmp_path, client) as job:
        first = job.write_results(out)
        written = out.read_bytes()
        stamp = out.stat().st_mtime_ns
        joins = count_joins(monkeypatch)
        again = job.write_results(out)
        assert again.counts == first.counts == {"succeeded": 9, "failed": 1}
        assert out.stat().st_mtime_ns == stamp  # left as it was
        elsewhere = job.write_results(tmp_path / "copy.jsonl")
        assert (tmp_path / "copy.jsonl").read_bytes() == written  # a copy, not a second join
        assert elsewhere.counts == first.counts
        assert job.outcome_counts() == first.counts
        assert joins == []
        out.write_bytes(b"edited by hand\n")
        job.write_results(out)  # a file changed since is written afresh
        assert len(joins) == 1
    assert [r["custom_id"] for r in read_results(out)][:2] == ["r00000", "r00001"]
    assert out.read_bytes() == written
