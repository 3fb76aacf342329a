"""200,000 rows from Parquet through Ray Data, the local server and back: every row's result exactly once."""

from __future__ import annotations

from pathlib import Path

import pytest
from openai_batch.server import LocalServer

from tests.fixtures.local_server import ROOMY_QUEUE
from tests.fixtures.ray_cluster import RayCluster

pytestmark = [
    pytest.mark.wire,
    pytest.mark.slow,
    # Ray warns about its own deprecated settings, which it sets itself: not ours to fix.
    pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.*"),
]

ray = pytest.importorskip("ray")
pa = pytest.importorskip("pyarrow")
pc = pytest.importorskip("pyarrow.compute")
pq = pytest.importorskip("pyarrow.parquet")
obray = pytest.importorskip("openai_batch.ray")
tables = pytest.importorskip("openai_batch.tables")

ROWS = 200_000
FILES = 8


def test_200000_rows_end_to_end_each_result_once_with_its_columns(
    ray_cluster: RayCluster, local_server_factory: object, tmp_path: Path
) -> None:
    # 50,000 requests per simulated second at 1000x: the server is not what is measured here.
    server: LocalServer = local_server_factory(throughput=50.0)  # type: ignore[operator]
    source = tmp_path / "reviews"
    source.mkdir()
    per = ROWS // FILES
    for part in range(FILES):
        ids = range(part * per, (part + 1) * per)
        pq.write_table(
            pa.table(
                {
                    "review_id": [f"r{i:07d}" for i in ids],
                    "text": [f"review number {i} of the product" for i in ids],
                    "stars": [i % 5 + 1 for i in ids],
                }
            ),
            source / f"part-{part:02d}.parquet",
        )
    sink = obray.BatchDatasink(
        tables.RequestTemplate("Classify this review: {text}", model="gpt-4o-mini", max_completion_tokens=20),
        id_column="review_id",
        columns_dir=str(tmp_path / "columns"),
        settings=obray.ClientSettings(base_url=server.base_url),
        state=tmp_path / "jobs.sqlite",
        queue=ROOMY_QUEUE,
    )
    # Ray reads these small files in one task: 8 blocks spread the work over the write tasks.
    ray.data.read_parquet(str(source)).repartition(FILES).write_datasink(sink)
    manifest = sink.manifest
    assert manifest is not None and manifest["requests"] == ROWS
    assert len({s["block"] for s in manifest["shards"]}) >= 4  # written by at least 4 write tasks' blocks
    finished = obray.wait(manifest, state=tmp_path / "jobs.sqlite", poll_interval=0.1, max_interval=0.5, deadline=600)
    assert {s["status"] for s in finished["shards"]} == {"completed"}

    results = obray.read_results(finished, columns=["review_id", "stars"])
    table = pa.concat_tables(ray.get(results.to_arrow_refs()))
    assert table.num_rows == ROWS
    ids = table.column("custom_id")
    assert pc.count_distinct(ids).as_py() == ROWS  # each row once
    assert pc.all(pc.equal(ids, table.column("review_id"))).as_py()  # joined to its own row
    expected_stars = pc.add(pc.remainder(pc.cast(pc.utf8_slice_codeunits(ids, 1), pa.int64()), 5), 1)
    assert pc.all(pc.equal(table.column("stars"), expected_stars)).as_py()
    assert pc.all(pc.equal(table.column("outcome"), "succeeded")).as_py()
    assert pc.min(table.column("output_tokens")).as_py() > 0
