"""The API key on a Ray cluster: workers read it from their own environment; it is in no task argument,
no file under Ray's logs folder, and no worker's exception, even when the service refuses it."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openai_batch import BatchClient
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
cloudpickle = pytest.importorskip("ray.cloudpickle")
obray = pytest.importorskip("openai_batch.ray")
tables = pytest.importorskip("openai_batch.tables")

POLL = {"poll_interval": 0.05, "max_interval": 0.2, "deadline": 300}


def files_holding(folder: Path, secret: str) -> list[str]:
    """Every file under ``folder`` whose bytes hold ``secret``."""
    needle = secret.encode()
    return [str(path) for path in folder.rglob("*") if path.is_file() and needle in path.read_bytes()]


def a_sink(server: LocalServer, tmp_path: Path, client: BatchClient | None = None) -> Any:
    return obray.BatchDatasink(
        tables.RequestTemplate("Say {text}", model="gpt-4o-mini"),
        id_column="id",
        columns_dir=str(tmp_path / "columns"),
        settings=obray.ClientSettings(base_url=server.base_url),
        client=client,
        state=tmp_path / "jobs.sqlite",
        queue=ROOMY_QUEUE,
    )


def test_the_key_is_in_no_task_argument_and_no_ray_log(
    ray_cluster: RayCluster, local_server: LocalServer, tmp_path: Path
) -> None:
    with BatchClient(api_key=ray_cluster.key, base_url=local_server.base_url) as driver_client:
        sink = a_sink(local_server, tmp_path, driver_client)
        # What Ray ships to every write task: the sink, pickled. The driver's client stays behind.
        shipped = cloudpickle.dumps(sink)
        assert ray_cluster.key.encode() not in shipped
        ray.data.from_items([{"id": f"k{i}", "text": f"hello {i}"} for i in range(300)]).write_datasink(sink)
    finished = obray.wait(sink.manifest, state=tmp_path / "jobs.sqlite", **POLL)
    source = obray.ResultsDatasource(finished)
    assert ray_cluster.key.encode() not in cloudpickle.dumps(source)
    table = pa.concat_tables(ray.get(ray.data.read_datasource(source).to_arrow_refs()))
    assert table.num_rows == 300 and set(table.column("outcome").to_pylist()) == {"succeeded"}
    assert ray_cluster.key not in repr(finished)
    assert files_holding(ray_cluster.temp_dir, ray_cluster.key) == []


def test_a_worker_refused_by_the_service_raises_without_the_key(
    ray_cluster: RayCluster, local_server_factory: Callable[..., LocalServer], tmp_path: Path
) -> None:
    # The service wants another key: every worker's upload is refused with its own key in hand.
    server = local_server_factory(required_api_key="sk-the-right-one")
    sink = a_sink(server, tmp_path)
    with pytest.raises(Exception) as caught:
        ray.data.from_items([{"id": "k1", "text": "hello"}]).write_datasink(sink)
    # All a user sees: the message, the repr and the traceback of the error and of each cause
    # (the worker's own traceback is carried in the message of Ray's RayTaskError).
    shown = "".join(
        part
        for error in _causes(caught.value)
        for part in (str(error), repr(error), *traceback.format_exception(error))
    )
    assert "401" in shown or "API key" in shown, shown[-2000:]
    assert ray_cluster.key not in shown
    assert files_holding(ray_cluster.temp_dir, ray_cluster.key) == []


def _causes(error: BaseException) -> list[BaseException]:
    found, seen = [], set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        found.append(current)
        current = current.__cause__ or current.__context__
    return found
