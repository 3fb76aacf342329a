"""Tables in and out from asyncio against the local server: ``AsyncJob.submit_table`` builds the requests off
the event loop, then sends, waits and joins the results back as ``Job`` does; the same table resumes the same
job from either; a bad row is refused with nothing sent."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openai_batch import AsyncBatchClient, BatchClient
from openai_batch.server import LocalServer
from openai_batch.tables import RequestTemplate, TableInputError
from openai_batch.workflow import AsyncJob, Job
from pydantic import BaseModel

pytestmark = pytest.mark.wire

FAST: dict[str, float] = {"poll_interval": 0.02, "max_interval": 0.05, "deadline": 60}


class Review(BaseModel):
    label: str
    stars: int


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def server(local_server_factory: Callable[..., LocalServer]) -> LocalServer:
    return local_server_factory(throughput=1000.0, fail_custom_id_pattern="-bad$")


def reviews() -> pd.DataFrame:
    ids = ["rev-0", "rev-1", "rev-2-bad", "rev-3"]
    texts = ["Great kettle,\nboils fast", "Broke in a week", "Never arrived", "Fine"]
    return pd.DataFrame({"review_id": ids, "text": texts, "shop": ["north", "south", "north", "south"]})


def template() -> RequestTemplate:
    return RequestTemplate(
        "Classify this review: {text}", model="gpt-4o-mini", response_format=Review, max_completion_tokens=40
    )


@pytest.mark.anyio
async def test_an_async_job_from_a_dataframe_gives_labels_beside_the_ids_and_resumes_as_a_job(
    server: LocalServer, tmp_path: Path
) -> None:
    state = tmp_path / "jobs.sqlite"
    async with AsyncBatchClient(api_key="sk-local", base_url=server.base_url) as aclient:
        job = await AsyncJob.submit_table(aclient, reviews(), template(), id_column="review_id", state=state)
        async with job:
            status = await job.wait(**FAST)
            table = job.results_table(parse=Review)
            job_id, usage = job.job_id, job.usage()
    assert status.done
    rows = table.to_pylist()
    assert [row["review_id"] for row in rows] == ["rev-0", "rev-1", "rev-2-bad", "rev-3"]
    assert [row["shop"] for row in rows] == ["north", "south", "north", "south"]
    assert rows[0]["text"] == "Great kettle,\nboils fast"
    assert [row["outcome"] for row in rows] == ["succeeded", "succeeded", "failed", "succeeded"]
    for row in (rows[0], rows[1], rows[3]):
        assert isinstance(row["label"], str) and isinstance(row["stars"], int) and row["cost_usd"] > 0
    assert rows[2]["label"] is None and rows[2]["error_message"]
    assert usage.cost_usd is not None
    assert sum(row["cost_usd"] or 0 for row in rows) == pytest.approx(usage.cost_usd)

    # The sync twin builds the same request file from the same table: the same job, found again, nothing resent.
    with (
        BatchClient(api_key="sk-local", base_url=server.base_url) as client,
        Job.submit_table(client, reviews(), template(), id_column="review_id", state=state) as again,
    ):
        assert again.job_id == job_id and again.resumed
        assert again.results_table(parse=Review).equals(table)
        assert len(list(client.batches.list())) == 1


@pytest.mark.anyio
async def test_async_submit_table_renders_rows_off_the_event_loop(server: LocalServer, tmp_path: Path) -> None:
    loop_thread = threading.get_ident()
    rendered_on: set[int] = set()

    def request(row: dict[str, Any]) -> Mapping[str, Any]:
        rendered_on.add(threading.get_ident())
        return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"Stars for: {row['text']}"}]}

    async with AsyncBatchClient(api_key="sk-local", base_url=server.base_url) as aclient:
        job = await AsyncJob.submit_table(aclient, reviews(), request, state=tmp_path / "jobs.sqlite")
        async with job:
            await job.wait(**FAST)
            table = job.results_table(columns=["shop"])
    assert rendered_on and loop_thread not in rendered_on
    # No id column: ids are the row numbers, so the -bad$ pattern fails none of them.
    assert table.column_names[:3] == ["shop", "custom_id", "outcome"]
    assert table.column("custom_id").to_pylist() == ["row-0", "row-1", "row-2", "row-3"]
    assert table.column("outcome").to_pylist() == ["succeeded"] * 4
    assert all(text for text in table.column("answer").to_pylist())


@pytest.mark.anyio
async def test_async_submit_table_refuses_a_duplicate_id_and_sends_nothing(server: LocalServer, tmp_path: Path) -> None:
    frame = reviews()
    frame.loc[3, "review_id"] = "rev-1"
    async with AsyncBatchClient(api_key="sk-local", base_url=server.base_url) as aclient:
        with pytest.raises(
            TableInputError, match=r"row 3: id 'rev-1' \(column 'review_id'\) is used by an earlier row"
        ):
            await AsyncJob.submit_table(aclient, frame, template(), id_column="review_id", state=tmp_path / "s")
    with BatchClient(api_key="sk-local", base_url=server.base_url) as client:
        assert list(client.files.list()) == [] and list(client.batches.list()) == []
    assert not list((tmp_path / "inputs").glob("*.jsonl"))
