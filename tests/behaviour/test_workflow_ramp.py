"""The ramp with no budget known: a model's shards go out in growing waves as earlier ones pass validation.

Each round here is one validation round on the service: every batch still validating passes (or
fails on the limit), then the job refreshes and sends what the queue now admits. The server is the
in-memory fake, stepped by hand, so the rounds are exact. Where the service validates one batch at
a time (as it does, in creation order), each step is one batch's validation.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

from openai_batch.workflow import BatchLimits, Job
from openai_batch.workflow._queue import record_stated_limit
from openai_batch.workflow._sending import origin_key
from openai_batch_api.models import OpenAIFile

from tests.behaviour.workflow_fakes import FakeClient, write_chat_input

PER_SHARD = 2


def _limit_message(limit: int) -> str:
    return f"Enqueued token limit reached for gpt-test in organization org-x. Limit: {limit:,} enqueued tokens."


def _limit_failures(client: FakeClient) -> int:
    return sum(
        b["status"] == "failed" and b["errors"]["data"][0]["code"] == "token_limit_exceeded"
        for b in client.server.batches.values()
    )


def _validating(client: FakeClient) -> list[str]:
    return [b["id"] for b in client.server.batches.values() if b["status"] == "validating"]


def _pass_validation(client: FakeClient) -> None:
    for batch_id in _validating(client):
        client.server.advance(batch_id)


def test_16_shards_with_no_budget_are_all_sent_within_5_validation_rounds(tmp_path: Path) -> None:
    client = FakeClient()
    client.server.auto = False
    src = write_chat_input(tmp_path / "in.jsonl", 16 * PER_SHARD)
    waves = []
    rounds = 0
    with Job.submit(client, src, state=tmp_path / "jobs.sqlite", limits=BatchLimits(max_requests=PER_SHARD)) as job:
        waves.append(len(client.server.batches))
        while len(client.server.batches) < 16:
            assert rounds < 16, waves
            _pass_validation(client)
            rounds += 1
            job.refresh()
            job.start()
            waves.append(len(client.server.batches) - sum(waves))
        sent_after = rounds
        _pass_validation(client)  # the last wave's validation: every batch now runs
        rounds += 1
        job.refresh()
        assert {s.status for s in job.status().shards} == {"in_progress"}
    assert waves == [1, 2, 4, 8, 1]  # the queue's proven level doubles each round
    assert (sent_after, rounds) == (4, 5)  # all sent after 4 validation rounds, all passed after 5 (not 16)
    assert client.server.creates == 16


def test_a_stated_limit_skips_the_ramp(tmp_path: Path) -> None:
    client = FakeClient()
    client.server.auto = False
    state = tmp_path / "jobs.sqlite"
    limits = BatchLimits(max_requests=PER_SHARD)
    with Job.submit(client, write_chat_input(tmp_path / "one.jsonl", PER_SHARD), state=state, limits=limits) as job:
        row = job.store.get_job(job.job_id)
        assert row is not None
        # As a provider that states its deployment's maximum enqueued tokens would record it.
        record_stated_limit(job.store, origin_key(row), "gpt-test", 10**9)
    with Job.submit(client, write_chat_input(tmp_path / "in.jsonl", 16 * PER_SHARD), state=state, limits=limits):
        pass
    assert client.server.creates == 1 + 16  # all 16 at once, no validation round waited for


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
        message = _limit_message(limit)
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


def test_a_late_crossing_fails_one_batch_its_wave_mates_are_withdrawn_before_they_fail(tmp_path: Path) -> None:
    """A limit the ramp meets in its third wave, on a service that validates one batch at a time.

    Each step the service validates its oldest validating batch against what runs (the job's
    batches run 12 steps each), then the job refreshes and sends. The wave of four crosses
    the limit at its third member: that one fails, the limit is learnt from it, and the fourth,
    still in validation, is cancelled and queued again instead of failing in turn.
    """
    client = FakeClient()
    client.server.auto = False
    src = write_chat_input(tmp_path / "in.jsonl", 12 * PER_SHARD)
    passed_at: dict[str, int] = {}
    failures = []
    learnt = []
    with Job.submit(client, src, state=tmp_path / "jobs.sqlite", limits=BatchLimits(max_requests=PER_SHARD)) as job:
        row = job.store.get_job(job.job_id)
        assert row is not None
        shard_tokens = job.store.shards(job.job_id)[0].token_estimate
        limit = 5 * shard_tokens + shard_tokens // 2  # room for five shards, not six
        for step in range(200):
            batches = client.server.batches.values()
            for batch in [b for b in batches if b["status"] == "in_progress" and passed_at[b["id"]] <= step - 12]:
                client.server.finish(batch["id"])
            running = sum(b["status"] == "in_progress" for b in batches)
            validating = [b["id"] for b in batches if b["status"] == "validating"]
            if validating:
                if (running + 1) * shard_tokens > limit:
                    client.server.fail(validating[0], message=_limit_message(limit))
                else:
                    client.server.advance(validating[0])
                    passed_at[validating[0]] = step
            job.refresh()
            job.start()
            failures.append(_limit_failures(client))
            learnt.append(job.store.learnt_limit(origin_key(row), "gpt-test"))
            if all(s.status == "completed" for s in job.status().shards):
                break
        assert all(s.status == "completed" for s in job.status().shards)
        withdrawn = [b for b in client.server.batches.values() if b["status"] == "cancelling"]
        client.server.auto = True
        job.wait(sleep=lambda _: None)
        results = list(job.results())
    # One failure, and it was a learning step: the limit known from then on.
    assert failures[-1] == 1, failures
    first = failures.index(1)
    assert learnt[first - 1] is None and learnt[first] == (limit, 1.0), learnt[first - 1 : first + 1]
    assert len(withdrawn) == 1  # the wave-mate, cancelled while validating: it ran nothing
    assert client.server.creates == 12 + 1 + 1
    # Neither the failure nor the withdrawal spent a retry: every request ran once.
    assert len(results) == 12 * PER_SHARD
    assert {r.attempts for r in results} == {1}


def test_a_wave_stops_when_an_earlier_member_failed_during_an_upload(tmp_path: Path) -> None:
    """An upload can outlast a validation: the wave reads its members before it creates the next."""
    client = FakeClient()
    client.server.auto = False
    src = write_chat_input(tmp_path / "in.jsonl", 6 * PER_SHARD)
    with Job.submit(client, src, state=tmp_path / "jobs.sqlite", limits=BatchLimits(max_requests=PER_SHARD)) as job:
        shard_tokens = job.store.shards(job.job_id)[0].token_estimate
        _pass_validation(client)  # the probe passes: the next wave may hold two
        upload = client.server.upload

        def upload_while_the_first_fails(
            file: Path | IO[bytes], purpose: str, filename: str | None = None
        ) -> OpenAIFile:
            # The wave's first member meets the full queue while the second shard uploads.
            for batch_id in _validating(client):
                client.server.fail(batch_id, message=_limit_message(shard_tokens + shard_tokens // 2))
            return upload(file, purpose, filename)

        client.server.upload = upload_while_the_first_fails  # type: ignore[method-assign]
        job.refresh()
        job.start()
        client.server.upload = upload  # type: ignore[method-assign]
        assert client.server.creates == 2  # the probe and the wave's first member; not the second
        assert _limit_failures(client) == 1
        client.server.auto = True
        status = job.wait(sleep=lambda _: None)
    assert {s.status for s in status.shards} == {"completed"}
    assert _limit_failures(client) == 1


def test_a_wave_mate_withdrawn_by_one_sender_is_sent_again_by_the_other(tmp_path: Path) -> None:
    """Two senders of one job, each with its own state: one withdraws a wave-mate; the other sees it cancelled.

    The other sender did not cancel it, and it is not a duplicate: it was withdrawn (it never ran,
    and a batch of the job failed on the limit beside it), so it goes out again, as the first
    sender sends it again, and both keep the same batch for it: nothing is lost or run twice.
    """
    client = FakeClient()
    client.server.auto = False
    src = write_chat_input(tmp_path / "in.jsonl", 4 * PER_SHARD)
    limits = BatchLimits(max_requests=PER_SHARD)
    with Job.submit(client, src, state=tmp_path / "a" / "jobs.sqlite", limits=limits) as a:
        shard_tokens = a.store.shards(a.job_id)[0].token_estimate
        _pass_validation(client)
        a.refresh()
        a.start()  # the wave of two: shards 1 and 2
        assert client.server.creates == 3
        b = Job.submit(client, src, state=tmp_path / "b" / "jobs.sqlite", limits=limits)  # finds a's three
        assert b.job_id == a.job_id and client.server.creates == 3
        first, second = _validating(client)
        client.server.fail(first, message=_limit_message(shard_tokens * 3 // 2))  # room for one shard, not two
        b.refresh()
        b.start()  # b learns the limit and withdraws the second, still validating
        assert client.server.batches[second]["status"] == "cancelling"
        a.refresh()  # a sees the second cancelled, by no one of its own: withdrawn, so queued again
        assert [s.status for s in a.store.shards(a.job_id)][1:3] == ["failed", "pending"]
        client.server.auto = True
        status_a = a.wait(sleep=lambda _: None)
        status_b = b.wait(sleep=lambda _: None)
        results = [sorted(r.custom_id for r in job.results()) for job in (a, b)]
        b.close()
    assert {s.status for s in status_a.shards} == {"completed"} == {s.status for s in status_b.shards}
    assert [s.batch_id for s in status_a.shards] == [s.batch_id for s in status_b.shards]
    assert results[0] == results[1] and len(results[0]) == 4 * PER_SHARD
    assert _limit_failures(client) == 1
