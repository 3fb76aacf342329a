"""Several senders of one job at once, each with its own state file (as on separate machines), against
the local server: the service is the only shared ledger, and exactly one batch per shard runs.

Each round starts three senders together. They share no lock, so they often all find no batch
for a shard and all create one; right after creating, each lists the shard's copies and keeps the
same one (see ``workflow/_rivals``), cancelling the others while they are still validating, when
nothing of them runs. The checks read the service itself: live batches per shard, and every
request's executions across every batch's result files.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from openai_batch import AsyncBatchClient, BatchClient
from openai_batch._batchinfo import batch_metadata
from openai_batch.server import LocalServer
from openai_batch.workflow import JOB_TAG, AsyncJob, BatchLimits

from tests.fixtures.local_server import ROOMY_QUEUE, input_file

pytestmark = pytest.mark.wire

ROUNDS = int(os.environ.get("SENDER_ROUNDS", "10"))
SENDERS = 3
REQUESTS = 120
PER_BATCH = 40  # 3 shards
KEY = "sk-local-senders"
# Validation takes ~1.5 real seconds (speed 1000): long enough for every sender's check to see the
# others' copies while they still validate, as on the service, where validation takes minutes.
SERVER = {"validating_seconds": 1500.0, "throughput": 5000.0}


def _cli(args: list[str], server: LocalServer, cwd: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env.update(OPENAI_API_KEY=KEY, OPENAI_BASE_URL=server.base_url)
    return subprocess.Popen(
        [sys.executable, "-m", "openai_batch.cli", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _service_ledger(server: LocalServer) -> dict[str, Any]:
    """What the service holds: live batches per shard tag, superseded copies, and executions per request."""
    with BatchClient(api_key=KEY, base_url=server.base_url) as client:
        batches = list(client.batches.list(limit=100))
        executions: Counter[str] = Counter()
        for batch in batches:
            for file_id in (batch.output_file_id, batch.error_file_id):
                if not isinstance(file_id, str) or not file_id:
                    continue
                for line in client.files.content(file_id).iter_lines():
                    record = json.loads(line)
                    error = record.get("error") or {}
                    if error.get("code") not in ("batch_cancelled", "batch_expired"):  # not run at all
                        executions[record["custom_id"]] += 1
    live: Counter[str] = Counter()
    for batch in batches:
        if batch.status not in ("cancelling", "cancelled"):
            live[str(batch_metadata(batch).get(JOB_TAG))] += 1
    return {
        "created": len(batches),
        "cancelled": sum(b.status in ("cancelling", "cancelled") for b in batches),
        "live": live,
        "executions": executions,
    }


def _check_round(ledger: dict[str, Any], result_files: list[Path]) -> None:
    assert sorted(ledger["live"].values()) == [1, 1, 1], ledger["live"]
    assert len(ledger["executions"]) == REQUESTS
    twice = {cid: n for cid, n in ledger["executions"].items() if n > 1}
    assert twice == {}, f"requests executed more than once: {twice}"
    for path in result_files:
        records = [json.loads(line) for line in path.read_bytes().splitlines()]
        assert [r["custom_id"] for r in records] == [f"r{i:04d}" for i in range(REQUESTS)]
        assert {r["outcome"] for r in records} == {"succeeded"}


def _report(kind: str, figures: list[dict[str, Any]]) -> None:
    created = sum(f["created"] for f in figures)
    cancelled = sum(f["cancelled"] for f in figures)
    twice = sum(sum(1 for n in f["executions"].values() if n > 1) for f in figures)
    # Printed for the record (pytest -s shows it): rounds, duplicates created and cancelled.
    print(
        f"\n{kind}: {len(figures)} rounds, {created} batches created for {3 * len(figures)} shards, "
        f"{created - 3 * len(figures)} duplicates, {cancelled} cancelled, {twice} requests executed twice"
    )


def test_three_cli_submitters_with_their_own_state_keep_one_batch_per_shard(
    local_server_factory: Callable[..., LocalServer], tmp_path: Path
) -> None:
    figures = []
    for round_ in range(ROUNDS):
        server = local_server_factory(**SERVER)
        work = tmp_path / f"round{round_}"
        work.mkdir()
        src = work / "in.jsonl"
        src.write_bytes(input_file(f"r{i:04d}" for i in range(REQUESTS)))
        procs = []
        for sender in range(SENDERS):
            argv = [
                "submit",
                str(src),
                "--state",
                str(work / f"sender{sender}" / "jobs.sqlite"),
                "--max-requests-per-batch",
                str(PER_BATCH),
                "--max-enqueued-tokens",
                "gpt-4o-mini=1000000000",
                "--wait",
                "--out",
                str(work / f"out{sender}.jsonl"),
                "--poll-interval",
                "0.05",
                "--max-interval",
                "0.2",
                "--progress",
                "never",
            ]
            procs.append(_cli(argv, server, work))
        for proc in procs:
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
        ledger = _service_ledger(server)
        _check_round(ledger, [work / f"out{s}.jsonl" for s in range(SENDERS)])
        figures.append(ledger)
        server.stop()
    _report("CLI senders", figures)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_three_async_jobs_with_their_own_state_keep_one_batch_per_shard(
    local_server_factory: Callable[..., LocalServer], tmp_path: Path
) -> None:
    async def fast_sleep(seconds: float) -> None:
        await anyio.sleep(min(seconds, 0.05))

    async def sender(server: LocalServer, src: Path, state: Path, out: Path) -> dict[str, int]:
        async with AsyncBatchClient(api_key=KEY, base_url=server.base_url) as aclient:
            job = await AsyncJob.submit(
                aclient,
                src,
                state=state,
                limits=BatchLimits(max_requests=PER_BATCH),
                queue=ROOMY_QUEUE,
                sleep=fast_sleep,
            )
            with job:
                status = await job.wait(poll_interval=0.05, max_interval=0.2, deadline=120, sleep=fast_sleep)
                assert status.succeeded
                return dict((await job.write_results(out)).counts)

    figures = []
    for round_ in range(ROUNDS):
        server = local_server_factory(**SERVER)
        work = tmp_path / f"round{round_}"
        work.mkdir()
        src = work / "in.jsonl"
        src.write_bytes(input_file(f"r{i:04d}" for i in range(REQUESTS)))
        counts: list[dict[str, int]] = []

        async def run_one(
            n: int,
            server: LocalServer = server,
            work: Path = work,
            src: Path = src,
            counts: list[dict[str, int]] = counts,
        ) -> None:
            counts.append(await sender(server, src, work / f"s{n}" / "jobs.sqlite", work / f"out{n}.jsonl"))

        async with anyio.create_task_group() as group:
            for n in range(SENDERS):
                group.start_soon(run_one, n)
        assert counts == [{"succeeded": REQUESTS}] * SENDERS
        ledger = _service_ledger(server)
        _check_round(ledger, [work / f"out{n}.jsonl" for n in range(SENDERS)])
        figures.append(ledger)
        server.stop()
    _report("async senders", figures)
