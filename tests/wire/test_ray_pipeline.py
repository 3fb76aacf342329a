"""A dataset sent as one batch job from Ray Data, waited on and read back, against the local server."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openai_batch import BatchClient, Job
from openai_batch.server import LocalServer
from openai_batch.server.responses import MALFORMED_JSON_MARKER
from pydantic import BaseModel

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
    assert all(s["batch_id"] for s in manifest["shards"])  # the driver created them (the queue had room)
    # Waited on from another machine: a state file that never saw the job, and the manifest file alone.
    finished = obray.wait(tmp_path / "job.json", state=tmp_path / "elsewhere" / "jobs.sqlite", **POLL)
    assert [s["batch_id"] for s in finished["shards"]] == [s["batch_id"] for s in manifest["shards"]]
    assert obray.load_manifest(tmp_path / "job.json") == finished  # written back beside the job
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


class Review(BaseModel):
    label: str
    stars: int


def test_the_results_have_the_columns_and_outcomes_of_results_table(
    ray_cluster: RayCluster, local_server_factory: Callable[..., LocalServer], tmp_path: Path
) -> None:
    server = local_server_factory(throughput=1000.0, fail_custom_id_pattern="-bad$")
    texts = [f"Review {i}, with a comma\nand a second line" for i in range(6)]
    texts[4] = f"Odd one {MALFORMED_JSON_MARKER}"
    ids = [f"rev-{i}" if i != 2 else "rev-2-bad" for i in range(6)]
    rows = pa.table({"review_id": ids, "text": texts, "shop": ["north", "south"] * 3})
    template = tables.RequestTemplate(
        "Classify this review: {text}", model="gpt-4o-mini", response_format=Review, max_completion_tokens=40
    )
    with (
        BatchClient(api_key=ray_cluster.key, base_url=server.base_url) as client,
        Job.submit_table(
            client, rows, template, id_column="review_id", state=tmp_path / "one.sqlite", max_attempts=1
        ) as job,
    ):
        job.wait(**POLL)
        single = job.results_table(parse=Review)
    sink = obray.BatchDatasink(
        template,
        id_column="review_id",
        columns_dir=str(tmp_path / "columns"),
        settings=obray.ClientSettings(base_url=server.base_url),
        state=tmp_path / "ray.sqlite",
        queue=ROOMY_QUEUE,
    )
    ray.data.from_arrow(rows).write_datasink(sink)
    finished = obray.wait(sink.manifest, state=tmp_path / "ray.sqlite", **POLL)
    spread = arrow(obray.read_results(finished, parse=Review))
    assert spread.schema == single.schema
    same = ["review_id", "text", "shop", "custom_id", "outcome", "attempts", "problem_kind", "error_code"]
    assert spread.sort_by("custom_id").select(same).to_pylist() == single.sort_by("custom_id").select(same).to_pylist()
    by_id = {row["custom_id"]: row for row in spread.to_pylist()}
    assert by_id["rev-2-bad"]["outcome"] == "failed" and by_id["rev-4"]["problem_kind"] == "invalid_json"
    good = by_id["rev-0"]
    assert json.loads(good["answer"]) == {"label": good["label"], "stars": good["stars"]}
    assert good["input_tokens"] > 0 and good["cost_usd"] > 0
