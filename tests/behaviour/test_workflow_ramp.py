"""The ramp with no budget known: a model's shards go out in growing waves as earlier ones pass validation.

Each round here is one validation round on the service: every batch still validating passes (or
fails on the limit), then the job refreshes and sends what the queue now admits. The server is the
in-memory fake, stepped by hand, so the rounds are exact.
"""

from __future__ import annotations

from pathlib import Path

from openai_batch.workflow import BatchLimits, Job

from tests.behaviour.workflow_fakes import FakeClient, write_chat_input

PER_SHARD = 2


def _validating(client: FakeClient) -> list[str]:
    return [b["id"] for b in client.server.batches.values() if b["status"] == "validating"]


def _pass_validation(client: FakeClient) -> None:
    for batch_id in _validating(client):
        client.server.advance(batch_id)


def _validate_one_at_a_time(client: FakeClient, shard_tokens: int, limit: int, message: str) -> int:
    """The service's check: each validating batch in turn, against what already runs; how many failed."""
    running = sum(b["status"] in ("in_progress", "finalizing") for b in client.server.batches.values())
    failed = 0
    for batch_id in _validating(client):
        if (running + 1) * shard_tokens > limit:
            client.server.fail(batch_id, message=message)
            failed += 1
        else:
            client.server.advance(batch_id)
            running += 1
    return failed


def test_a_tight_limit_fails_one_batch_once_then_every_shard_is_admitted_against_it(tmp_path: Path) -> None:
    client = FakeClient()
    client.server.auto = False
    src = write_chat_input(tmp_path / "in.jsonl", 10 * PER_SHARD)
    with Job.submit(client, src, state=tmp_path / "jobs.sqlite", limits=BatchLimits(max_requests=PER_SHARD)) as job:
        shard_tokens = job.store.shards(job.job_id)[0].token_estimate
        limit = 2 * shard_tokens + shard_tokens // 2  # room for two shards, not three
        message = f"Enqueued token limit reached for gpt-test in organization org-x. Limit: {limit:,} enqueued tokens."
        failures_per_round = []
        for round_ in range(40):
            failures_per_round.append(_validate_one_at_a_time(client, shard_tokens, limit, message))
            if round_ >= 2:  # from the third round on, the oldest running batch finishes each round
                running = [b for b in client.server.batches.values() if b["status"] == "in_progress"]
                for batch in running[:1]:
                    client.server.finish(batch["id"])
            job.refresh()
            job.start()
            if all(s.status == "completed" for s in job.status().shards):
                break
        assert all(s.status == "completed" for s in job.status().shards)
    # One learning step, one failure: the wave of two met the limit; after it, none.
    assert sum(failures_per_round) == 1 and max(failures_per_round) == 1, failures_per_round
    assert client.server.creates == 10 + 1
