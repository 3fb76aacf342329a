"""A dataset sent as one batch job from Ray Data, waited on and read back, against the local server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openai_batch.server import LocalServer

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
tables = pytest.importorskip("openai_batch.tables")

POLL = {"poll_interval": 0.05, "max_interval": 0.2, "deadline": 300}


def reviews(path: Path, rows: int, files: int) -> Path:
    """``files`` Parquet files of reviews (review_id, text, stars): Ray reads one block (at least) per file."""
    path.mkdir()
    per = rows // files
    for part in range(files):
        ids = range(part * per, (part + 1) * per)
        pq.write_table(
            pa.table(
                {
                    "review_id": [f"r{i:07d}" for i in ids],
                    "text": [f"review number {i}" for i in ids],
                    "stars": [i % 5 + 1 for i in ids],
                }
            ),
            path / f"part-{part:02d}.parquet",
        )
    return path


def arrow(dataset: Any) -> Any:
    """A Ray dataset collected into one Arrow table on the driver (small test outputs only)."""
    return pa.concat_tables(ray.get(dataset.to_arrow_refs()))


def sink_for(server: LocalServer, tmp_path: Path, **options: Any) -> Any:
    return obray.BatchDatasink(
        tables.RequestTemplate("Classify this review: {text}", model="gpt-4o-mini"),
        id_column="review_id",
        columns_dir=str(tmp_path / "columns"),
        settings=obray.ClientSettings(base_url=server.base_url),
        state=tmp_path / "driver" / "jobs.sqlite",
        queue=ROOMY_QUEUE,
        manifest_path=tmp_path / "job.json",
        **options,
    )


def test_parquet_to_batches_to_results_with_columns_joined(
    ray_cluster: RayCluster, local_server: LocalServer, tmp_path: Path
) -> None:
    source = reviews(tmp_path / "reviews", 2_000, 4)
    sink = sink_for(local_server, tmp_path, limits=obray_limits(400))
    ray.data.read_parquet(str(source)).write_datasink(sink)
    manifest = sink.manifest
    assert manifest is not None and manifest["requests"] == 2_000
    assert len(manifest["shards"]) >= 5  # 4 blocks of 500 rows, 400 requests a shard at most
    finished = obray.wait(tmp_path / "job.json", state=tmp_path / "driver" / "jobs.sqlite", **POLL)
    assert {s["status"] for s in finished["shards"]} == {"completed"}
    table = arrow(obray.read_results(finished))
    assert table.num_rows == 2_000
    assert table.column_names[:3] == ["review_id", "text", "stars"]
    assert sorted(table.column("custom_id").to_pylist()) == [f"r{i:07d}" for i in range(2_000)]
    assert table.column("review_id").to_pylist() == table.column("custom_id").to_pylist()
    assert set(table.column("outcome").to_pylist()) == {"succeeded"}


def obray_limits(requests: int) -> Any:
    from openai_batch.workflow import BatchLimits

    return BatchLimits(max_requests=requests)
