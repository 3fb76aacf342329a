"""Submission that respects the account's queue, against the local server with a 2,000,000-token limit.

A job of 10 shards whose estimate is 5x the limit finishes in one submit-and-wait run: with no
budget given at most one batch ends `token_limit_exceeded` (the limit is then learnt from its
message; a wave-mate still validating then is withdrawn, cancelled before it ran anything, and
sent again); with the budget given, none does. Two jobs from two processes sharing the limit both
finish. Lines that fail with a 500 on their first attempt succeed on their second.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from openai_batch import BatchClient
from openai_batch._batchinfo import batch_counts
from openai_batch.server import LocalServer
from openai_batch.workflow import BatchLimits, Job, Outcome, QueuePolicy

pytestmark = pytest.mark.wire

LIMIT = 2_000_000
MODEL = "gpt-4o-mini"
SHARDS = 10
PER_SHARD = 10
POLL = {"poll_interval": 0.02, "max_interval": 0.1, "deadline": 240}


def big_input(path: Path, *, prefix: str = "q") -> Path:
    """10 shards of 10 requests; each request ~99,900 estimated tokens, so each shard ~1.0M (0.5x the limit)."""
    with path.open("w") as out:
        for i in range(SHARDS * PER_SHARD):
            content = "1 " * 49_950  # a digit and a space before the next digit: 2 tokens by the rule
            body = {"model": MODEL, "messages": [{"role": "user", "content": content}], "max_tokens": 5}
            out.write(
                json.dumps(
                    {"custom_id": f"{prefix}-{i:03d}", "method": "POST", "url": "/v1/chat/completions", "body": body}
                )
                + "\n"
            )
    return path


def queue_server(factory: Callable[..., LocalServer], **options: object) -> LocalServer:
    # Slow enough that a shard is still running when the next could start: the queue fills up.
    return factory(throughput=0.05, enqueued_token_limit=LIMIT, **options)


def token_limited(client: BatchClient) -> list[str]:
    failed = []
    for batch in client.batches.list(limit=100):
        data = batch.errors.data if batch.errors else None
        if batch.status == "failed" and data and any(e.code == "token_limit_exceeded" for e in data):
            failed.append(batch.id)
    return failed


def withdrawn(client: BatchClient) -> list[str]:
    """Batches cancelled in validation (wave-mates of a limit failure): each ran nothing."""
    ids = []
    for batch in client.batches.list(limit=100):
        if batch.status in ("cancelling", "cancelled") and not isinstance(batch.in_progress_at, int):
            assert batch_counts(batch)[1] == 0, batch  # (total, completed, failed)
            ids.append(batch.id)
    return ids


def run_job(client: BatchClient, src: Path, state: Path, **options: object) -> tuple[dict[str, int], float, Job]:
    started = time.monotonic()
    with Job.submit(client, src, state=state, limits=BatchLimits(max_requests=PER_SHARD), **options) as job:  # type: ignore[arg-type]
        status = job.wait(**POLL)  # type: ignore[arg-type]
        assert status.done
        counts = job.outcome_counts()
    return counts, time.monotonic() - started, job


@pytest.mark.parametrize("budget", [False, True], ids=["learnt", "given"])
def test_a_job_5x_the_limit_finishes_in_one_run(
    local_server_factory: Callable[..., LocalServer], tmp_path: Path, budget: bool
) -> None:
    server = queue_server(local_server_factory)
    src = big_input(tmp_path / "in.jsonl")
    queue = QueuePolicy(max_enqueued_tokens={MODEL: LIMIT}) if budget else None
    with BatchClient(api_key="sk-local-test", base_url=server.base_url) as client:
        counts, _, _ = run_job(client, src, tmp_path / "jobs.sqlite", queue=queue)
        failures = token_limited(client)
        cancelled = withdrawn(client)
        batches = list(client.batches.list(limit=100))
    assert counts == {"succeeded": SHARDS * PER_SHARD}
    assert len(failures) <= (0 if budget else 1), failures
    assert len(cancelled) <= (0 if budget else SHARDS), cancelled
    assert len(batches) == SHARDS + len(failures) + len(cancelled)


def test_the_estimate_is_recorded_per_shard_and_tagged_on_its_batch(
    local_server_factory: Callable[..., LocalServer], tmp_path: Path
) -> None:
    server = local_server_factory()
    src = big_input(tmp_path / "in.jsonl")
    with BatchClient(api_key="sk-local-test", base_url=server.base_url) as client:
        with Job.submit(
            client,
            src,
            state=tmp_path / "jobs.sqlite",
            limits=BatchLimits(max_requests=PER_SHARD),
            queue=QueuePolicy(max_enqueued_tokens={MODEL: 10**9}),
        ) as job:
            shards = job.store.shards(job.job_id)
        tags = sorted(b.metadata["openai_batch_tokens"] for b in client.batches.list(limit=100))  # type: ignore[index]
    assert len(shards) == SHARDS
    assert all(950_000 < s.token_estimate < LIMIT // 2 for s in shards), [s.token_estimate for s in shards]
    assert tags == sorted(f"{MODEL}={s.token_estimate}" for s in shards)


def test_two_jobs_from_two_processes_sharing_the_limit_both_finish(
    local_server_factory: Callable[..., LocalServer], tmp_path: Path
) -> None:
    server = queue_server(local_server_factory)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env.update(OPENAI_API_KEY="sk-local-test", OPENAI_BASE_URL=server.base_url)
    runs = []
    for name in ("a", "b"):
        src = big_input(tmp_path / f"{name}.jsonl", prefix=name)
        argv = [
            sys.executable,
            "-m",
            "openai_batch.cli",
            "submit",
            str(src),
            "--state",
            str(tmp_path / name / "jobs.sqlite"),
            "--max-requests-per-batch",
            str(PER_SHARD),
            "--wait",
            "--out",
            str(tmp_path / f"{name}.out"),
            "--poll-interval",
            "0.05",
            "--max-interval",
            "0.2",
            "--timeout",
            "240",
            "--json",
        ]
        runs.append(
            subprocess.Popen(argv, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        )
    reports = []
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err[-2000:]
        reports.append(json.loads(out))
    assert [r["results"]["counts"] for r in reports] == [{"succeeded": SHARDS * PER_SHARD}] * 2
    with BatchClient(api_key="sk-local-test", base_url=server.base_url) as client:
        failures = token_limited(client)
        cancelled = withdrawn(client)
        batches = list(client.batches.list(limit=100))
    # Two processes can both see room at the same moment, so a few creates may still land over the
    # limit; each such batch failed with token_limit_exceeded (or was withdrawn from validation, having
    # run nothing) and its shard went out again.
    assert len(batches) == 2 * SHARDS + len(failures) + len(cancelled)
    assert all(b.status == "completed" for b in batches if b.id not in failures and b.id not in cancelled)


def test_lines_that_fail_with_500_the_first_time_succeed_on_their_second_attempt(
    local_server_factory: Callable[..., LocalServer], tmp_path: Path
) -> None:
    server = local_server_factory(fail_custom_id_pattern=r"7$", fail_status_code=500, fail_times=1)
    src = tmp_path / "in.jsonl"
    with src.open("w") as out:
        for i in range(40):
            body = {"model": MODEL, "messages": [{"role": "user", "content": f"question {i}"}]}
            out.write(
                json.dumps({"custom_id": f"r-{i:02d}", "method": "POST", "url": "/v1/chat/completions", "body": body})
                + "\n"
            )
    with BatchClient(api_key="sk-local-test", base_url=server.base_url) as client:
        with Job.submit(client, src, state=tmp_path / "jobs.sqlite", limits=BatchLimits(max_requests=20)) as job:
            job.wait(**POLL)  # type: ignore[arg-type]
            results = list(job.results())
    assert {r.outcome for r in results} == {Outcome.SUCCEEDED}
    assert {r.custom_id for r in results if r.attempts == 2} == {f"r-{i:02d}" for i in range(40) if i % 10 == 7}
    assert all(r.attempts == 1 for r in results if not r.custom_id.endswith("7"))
