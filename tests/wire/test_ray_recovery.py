"""A Ray batch job recovers without sending anything twice, and holds the account's queue, on the local server.

* A worker killed mid-write is retried by Ray; the whole pipeline is then run again from
  another driver state file (another machine): one live batch per shard, each request run once.
* A tight enqueued-token limit with 10 shards: at most one batch fails on the limit (the
  learning step), and the job finishes.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openai_batch import BatchClient
from openai_batch.server import LocalServer
from openai_batch.workflow import BatchLimits

from tests.fixtures.local_server import ROOMY_QUEUE
from tests.fixtures.ray_cluster import RayCluster

pytestmark = [
    pytest.mark.wire,
    # Ray warns about its own deprecated settings, which it sets itself: not ours to fix.
    pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.*"),
]

ray = pytest.importorskip("ray")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
obray = pytest.importorskip("openai_batch.ray")

POLL = {"poll_interval": 0.05, "max_interval": 0.2, "deadline": 300}
MODEL = "gpt-4o-mini"


def write_parts(folder: Path, rows: list[dict[str, Any]], files: int) -> Path:
    folder.mkdir()
    per = len(rows) // files
    for part in range(files):
        pq.write_table(pa.Table.from_pylist(rows[part * per : (part + 1) * per]), folder / f"part-{part:02d}.parquet")
    return folder


def arrow(dataset: Any) -> Any:
    return pa.concat_tables(ray.get(dataset.to_arrow_refs()))


def server_batches(server: LocalServer, key: str) -> list[Any]:
    with BatchClient(api_key=key, base_url=server.base_url) as client:
        return list(client.batches.list(limit=100))


def test_a_killed_worker_and_a_second_run_send_each_request_once(
    ray_cluster: RayCluster, local_server: LocalServer, tmp_path: Path
) -> None:
    rows = [{"review_id": f"r{i:05d}", "text": f"review {i}"} for i in range(1_200)]
    source = write_parts(tmp_path / "reviews", rows, 4)
    marker = tmp_path / "killed-once"
    renders = tmp_path / "renders-of-r00000"

    def request(row: dict[str, Any]) -> dict[str, Any]:
        if row["review_id"] == "r00000":
            with renders.open("a") as seen:
                seen.write("rendered\n")
            if not marker.exists():
                # Once in the whole run: this worker is SIGKILLed right after its task's second upload
                # reaches the service, before the task can record it. Ray retries the task elsewhere.
                marker.write_text("armed")
                # The worker's own count of uploads (imported there: this function travels by value).
                from openai_batch.workflow import _crash

                os.environ[_crash.CRASH_ENV] = f"after_upload:{_crash._reached['after_upload'] + 2}"
        return {"model": MODEL, "messages": [{"role": "user", "content": row["text"]}]}

    def run(state: Path) -> dict[str, Any]:
        sink = obray.BatchDatasink(
            request,
            id_column="review_id",
            columns_dir=str(tmp_path / "columns"),
            settings=obray.ClientSettings(base_url=local_server.base_url),
            limits=BatchLimits(max_requests=200),
            rows_per_write=600,  # each task sends 3 shards: the kill comes between two of its uploads
            state=state,
            queue=ROOMY_QUEUE,
        )
        ray.data.read_parquet(str(source)).write_datasink(sink)
        assert sink.manifest is not None
        return obray.wait(sink.manifest, state=state, **POLL)

    first = run(tmp_path / "machine-a" / "jobs.sqlite")
    # r00000 rendered twice in the first run: its task died and Ray ran it again.
    assert renders.read_text().count("rendered") == 2, "the worker was not killed: the test proved nothing"
    second = run(tmp_path / "machine-b" / "jobs.sqlite")

    assert first["job_id"] == second["job_id"]
    shards = len(first["shards"])
    assert shards >= 6  # 4 files of 300 rows, 200 requests a shard at most
    assert [s["batch_id"] for s in first["shards"]] == [s["batch_id"] for s in second["shards"]]
    batches = server_batches(local_server, ray_cluster.key)
    live = [b for b in batches if b.status not in ("cancelled", "cancelling", "failed")]
    assert len(live) == shards, [b.id for b in batches]
    with BatchClient(api_key=ray_cluster.key, base_url=local_server.base_url) as client:
        uploads = [f.filename for f in client.files.list(purpose="batch") if f.filename.startswith("ray-")]
    assert sorted(uploads) == sorted(s["name"] for s in first["shards"])  # one upload a shard, none left twice
    executed = sum(b.request_counts.completed + b.request_counts.failed for b in batches if b.request_counts)
    assert executed == len(rows)
    table = arrow(obray.read_results(second))
    assert sorted(table.column("custom_id").to_pylist()) == [r["review_id"] for r in rows]
    assert set(table.column("outcome").to_pylist()) == {"succeeded"}


LIMIT = 2_000_000


def test_a_tight_token_limit_fails_at_most_one_batch_and_the_job_finishes(
    ray_cluster: RayCluster, local_server_factory: Callable[..., LocalServer], tmp_path: Path
) -> None:
    # Slow enough that a shard still runs when the next could start: the queue fills up.
    server = local_server_factory(throughput=0.05, enqueued_token_limit=LIMIT)
    # 10 shards of 10 requests of ~99,900 estimated tokens each: ~1.0M a shard, 5x the limit in all.
    rows = [{"n": i, "text": "1 " * 49_950} for i in range(100)]
    source = write_parts(tmp_path / "big", rows, 2)
    template = obray_template()
    sink = obray.BatchDatasink(
        template,
        id_column="n",
        settings=obray.ClientSettings(base_url=server.base_url),
        limits=BatchLimits(max_requests=10),
        state=tmp_path / "jobs.sqlite",
    )
    ray.data.read_parquet(str(source)).write_datasink(sink)
    assert sink.manifest is not None and len(sink.manifest["shards"]) == 10
    finished = obray.wait(sink.manifest, state=tmp_path / "jobs.sqlite", **{**POLL, "deadline": 600})
    assert {s["status"] for s in finished["shards"]} == {"completed"}
    batches = server_batches(server, ray_cluster.key)
    limited = [
        b.id
        for b in batches
        if b.status == "failed" and b.errors and any(e.code == "token_limit_exceeded" for e in b.errors.data or [])
    ]
    assert len(limited) <= 1, limited
    # No columns were kept: each read task takes the shard's order from its uploaded request file.
    table = arrow(obray.read_results(finished))
    assert sorted(table.column("custom_id").to_pylist(), key=int) == [str(i) for i in range(100)]
    assert set(table.column("outcome").to_pylist()) == {"succeeded"}


def obray_template() -> Any:
    from openai_batch.tables import RequestTemplate

    return RequestTemplate("{text}", model=MODEL, max_completion_tokens=5)
