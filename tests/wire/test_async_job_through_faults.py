"""An asyncio-only driver finishes a whole job: ``AsyncJob`` sends, waits and downloads a 20-shard job
through ~30 % faults on the wire (resets, answers lost after the service acted, 429, 5xx, cut
downloads), and a kill -9 of an async runner at each risky point resumes with nothing sent twice."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest
from openai_batch import AsyncBatchClient, BatchClient
from openai_batch.server import LocalServer
from openai_batch.workflow import CRASH_ENV, AsyncJob, BatchLimits

from tests.fixtures.local_server import input_file
from tests.wire.fault_proxy import FaultProxy

pytestmark = pytest.mark.wire

SHARDS = 20
PER_SHARD = 50


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def short_sleep(seconds: float) -> None:
    # Backoff is waited out, but briefly: the test measures outcomes, not patience.
    await anyio.sleep(min(seconds, 0.02))


@pytest.mark.anyio
@pytest.mark.parametrize("seed", [1, 2])
async def test_an_async_job_of_20_shards_finishes_in_one_run_through_30_percent_faults(
    local_server_factory: Callable[..., LocalServer], tmp_path: Path, seed: int
) -> None:
    server = local_server_factory(throughput=20_000.0)
    src = tmp_path / "in.jsonl"
    ids = [f"req-{i:05d}" for i in range(SHARDS * PER_SHARD)]
    src.write_bytes(input_file(ids))
    with FaultProxy(server.base_url, rate=0.3, seed=seed, retry_after=0.0) as proxy:
        async with AsyncBatchClient(
            api_key="sk-local-test", base_url=proxy.base_url, max_retries=2, sleep=short_sleep
        ) as aclient:
            # No budget given: the shards go out in growing waves as earlier ones pass validation.
            job = await AsyncJob.submit(
                aclient,
                src,
                state=tmp_path / "jobs.sqlite",
                limits=BatchLimits(max_requests=PER_SHARD),
                deadline=300,
                sleep=short_sleep,
            )
            with job:
                await job.wait(poll_interval=0.02, max_interval=0.05, deadline=300, sleep=short_sleep)
                summary = await job.write_results(tmp_path / "out.jsonl")
                typed = list(job.typed_results())
        stats = proxy.stats()
    with BatchClient(api_key="sk-local-test", base_url=server.base_url) as direct:
        uploads = list(direct.files.list(purpose="batch"))
        batches = list(direct.batches.list(limit=100))
    live = [b for b in batches if b.status not in ("cancelling", "cancelled")]
    assert len(live) == SHARDS and len({b.input_file_id for b in live}) == SHARDS
    assert len(uploads) == SHARDS
    assert summary.counts == {"succeeded": SHARDS * PER_SHARD}
    assert [r.custom_id for r in typed] == ids and all(r.problem is None for r in typed)
    assert stats.total_faults >= 0.2 * sum(stats.requests.values())
    assert {"reset", "lost_answer", "429", "5xx"} <= {k for k, n in stats.faults.items() if n}
    assert any(kind == "POST /v1/batches" for kind, _ in stats.faults_by_request)


_RUNNER = textwrap.dedent(
    """
    import anyio, json, sys
    from openai_batch import AsyncBatchClient
    from openai_batch.workflow import AsyncJob, BatchLimits, QueuePolicy

    async def fast(seconds):
        await anyio.sleep(min(seconds, 0.02))

    async def main(src, state, out, base_url):
        async with AsyncBatchClient(api_key="sk-local-crash", base_url=base_url, sleep=fast) as aclient:
            job = await AsyncJob.submit(aclient, src, state=state, limits=BatchLimits(max_requests=2500),
                                        queue=QueuePolicy(max_enqueued_tokens={"gpt-4o-mini": 10**12}), sleep=fast)
            with job:
                await job.wait(poll_interval=0.05, max_interval=0.2, deadline=120, sleep=fast)
                summary = await job.write_results(out)
                print(json.dumps({"resumed": job.resumed, "counts": dict(summary.counts)}))

    anyio.run(main, *sys.argv[1:])
    """
)


@pytest.mark.parametrize(
    ("crash_at", "forget_state"),
    [
        ("after_shard", False),
        ("after_upload:2", False),
        ("before_batch_create:2", False),
        ("after_batch_create:2", False),
        ("after_batch_record:3", False),
        ("during_download:3000", False),
        ("after_download:1", False),
        ("after_batch_create:2", True),
        ("during_download:3000", True),
    ],
)
def test_kill_9_of_the_async_runner_then_a_rerun_sends_nothing_twice(
    local_server_factory: Callable[..., LocalServer], tmp_path: Path, crash_at: str, forget_state: bool
) -> None:
    server = local_server_factory(throughput=1000.0)
    src = tmp_path / "in.jsonl"
    ids = [f"req-{i:05d}" for i in range(7_500)]
    src.write_bytes(input_file(ids))
    out = tmp_path / "out.jsonl"
    state = tmp_path / "state" / "jobs.sqlite"
    script = tmp_path / "runner.py"
    script.write_text(_RUNNER)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    argv = [sys.executable, str(script), str(src), str(state), str(out), server.base_url]

    def run(crash: str | None) -> subprocess.CompletedProcess[str]:
        extra = {CRASH_ENV: crash} if crash else {}
        return subprocess.run(argv, env={**env, **extra}, capture_output=True, text=True, timeout=120, check=False)

    crashed = run(crash_at)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    assert not out.exists()
    if forget_state:
        shutil.rmtree(state.parent)
    resumed = run(None)
    assert resumed.returncode == 0, resumed.stderr
    report = json.loads(resumed.stdout)
    assert report["counts"] == {"succeeded": len(ids)}
    with BatchClient(api_key="sk-local-crash", base_url=server.base_url) as client:
        uploads = list(client.files.list(purpose="batch"))
        batches = list(client.batches.list(limit=100))
    assert len(uploads) == 3, [f.filename for f in uploads]
    assert len(batches) == 3
    assert sorted(b.input_file_id for b in batches) == sorted(f.id for f in uploads)
    assert [json.loads(line)["custom_id"] for line in out.read_bytes().splitlines()] == ids
