"""Results as a table: one row per input, the input's columns joined back in one pass, every outcome kept."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from openai_batch.tables import (
    RESULT_COLUMNS,
    FieldColumn,
    RequestTemplate,
    TableInputError,
    flatten_schema,
    result_batches,
    write_batches,
)
from openai_batch.workflow import BatchLimits, Job

from tests.behaviour.workflow_fakes import ROOMY, FakeClient

ROWS: list[dict[str, Any]] = [
    {"id": f"r{i}", "text": f"review {i}\nsecond line", "stars": i, "outcome": "kept"} for i in range(6)
]
TEMPLATE = RequestTemplate("Classify: {text}", model="gpt-test")
ROOMY_STATE: dict[str, Any] = {"max_attempts": 1, "limits": BatchLimits(max_requests=3), "queue": ROOMY}


def no_sleep(seconds: float) -> None:
    pass


@pytest.fixture
def finished_job(tmp_path: Path) -> Iterator[Job]:
    """Six rows in two batches: r1 fails, r2 has no result line, r5 expires; the rest succeed."""
    client = FakeClient()
    client.server.auto = False
    client.server.outcome = lambda cid: {"r1": "fail", "r2": "skip"}.get(cid, "ok")
    job = Job.submit_table(client, ROWS, TEMPLATE, id_column="id", state=tmp_path / "jobs.sqlite", **ROOMY_STATE)
    first, second = job.status().batch_ids
    client.server.finish(first)
    client.server.finish(second, "expired", done=2)
    job.wait(sleep=no_sleep)
    with job:
        yield job


def test_every_input_row_comes_back_with_its_columns_and_its_outcome(finished_job: Job) -> None:
    with contextlib.nullcontext(finished_job) as job:
        table = job.results_table()
    assert table.num_rows == 6
    # The input's "outcome" column meets the result's: it is kept under another name.
    assert table.column_names == ["id", "text", "stars", "input.outcome", *RESULT_COLUMNS]
    assert table.column("id").to_pylist() == [row["id"] for row in ROWS]
    assert table.column("text").to_pylist() == [row["text"] for row in ROWS]
    assert table.column("input.outcome").to_pylist() == ["kept"] * 6
    assert table.column("custom_id").to_pylist() == [row["id"] for row in ROWS]
    outcomes = table.column("outcome").to_pylist()
    assert outcomes == ["succeeded", "failed", "missing", "succeeded", "succeeded", "expired"]
    by_id = {row["custom_id"]: row for row in table.to_pylist()}
    assert by_id["r1"]["status_code"] == 400
    assert (by_id["r1"]["error_code"], by_id["r1"]["error_message"]) == ("bad", "bad request")
    assert by_id["r5"]["error_code"] == "batch_expired"
    assert by_id["r2"]["error_code"] is None and by_id["r2"]["status_code"] is None
    assert by_id["r0"]["error_code"] is None and by_id["r0"]["status_code"] == 200
    assert table.column("attempts").to_pylist() == [1] * 6


def test_columns_named_are_the_only_input_columns_kept(finished_job: Job) -> None:
    with contextlib.nullcontext(finished_job) as job:
        table = job.results_table(columns=["stars"])
    assert table.column_names == ["stars", *RESULT_COLUMNS]
    with pytest.raises(TableInputError, match=r"no column\(s\) \['nope'\]"):
        finished_job.results_table(columns=["nope"])


def test_a_table_given_again_is_joined_and_checked_row_by_row(finished_job: Job, tmp_path: Path) -> None:
    with contextlib.nullcontext(finished_job) as job:
        table = job.results_table(input=pa.Table.from_pylist(ROWS).select(["id", "stars"]), id_column="id")
        assert table.column("stars").to_pylist() == [row["stars"] for row in ROWS]
        shuffled = [ROWS[1], ROWS[0], *ROWS[2:]]
        with pytest.raises(TableInputError, match=r"row 0 has id 'r1' but request 0 is 'r0'"):
            job.results_table(input=shuffled, id_column="id")
        with pytest.raises(TableInputError, match=r"it has 4 rows but job .* has 6 requests"):
            job.results_table(input=ROWS[:4], id_column="id")
        with pytest.raises(TableInputError, match=r"row 6 has no request in the job"):
            job.results_table(input=[*ROWS, {**ROWS[0], "id": "r9"}], id_column="id")


def test_the_join_streams_in_batches(finished_job: Job) -> None:
    with contextlib.nullcontext(finished_job) as job:
        stream = result_batches(job.store, job.job_id, batch_rows=4)
        sizes = [batch.num_rows for batch in stream.batches]
    assert sizes == [4, 2]


def test_a_job_from_a_plain_request_file_has_the_result_columns_only(tmp_path: Path) -> None:
    from tests.behaviour.workflow_fakes import write_chat_input

    client = FakeClient()
    src = write_chat_input(tmp_path / "in.jsonl", 3)
    with Job.submit(client, src, state=tmp_path / "jobs.sqlite") as job:
        job.wait(sleep=no_sleep)
        table = job.results_table()
        assert table.column_names == list(RESULT_COLUMNS)
        assert table.column("outcome").to_pylist() == ["succeeded"] * 3
        with pytest.raises(TableInputError, match="no input columns are kept"):
            job.results_table(columns=["text"])


def test_the_same_table_submitted_again_resumes_the_same_job(tmp_path: Path) -> None:
    client = FakeClient()
    state = tmp_path / "jobs.sqlite"
    with Job.submit_table(client, ROWS, TEMPLATE, id_column="id", state=state) as first:
        job_id = first.job_id
        assert first.input_path.parent == tmp_path / "inputs"
    with Job.submit_table(client, ROWS, TEMPLATE, id_column="id", state=state) as again:
        assert again.job_id == job_id and again.resumed
    assert client.server.creates == 1
    assert sorted(p.name for p in (tmp_path / "inputs").iterdir()) == [
        f"{first.input_path.stem}.columns.parquet",
        first.input_path.name,
    ]


def test_a_bad_row_sends_nothing(tmp_path: Path) -> None:
    client = FakeClient()
    rows = [*ROWS, {**ROWS[0]}]
    with pytest.raises(TableInputError, match=r"row 6: id 'r0'"):
        Job.submit_table(client, rows, TEMPLATE, id_column="id", state=tmp_path / "jobs.sqlite")
    assert client.server.uploads == 0 and client.server.creates == 0
    assert list((tmp_path / "inputs").iterdir()) == []


# --- flattening an answer's schema into columns -----------------------------------------------


def test_a_pydantic_model_is_flattened_into_typed_columns() -> None:
    from pydantic import BaseModel

    class Place(BaseModel):
        city: str
        country: str | None = None

    class Review(BaseModel):
        label: str
        score: float
        stars: int | None
        spam: bool
        tags: list[str]
        place: Place
        extra: list[Place]
        either: int | str

    columns = flatten_schema(Review.model_json_schema())
    assert columns == [
        FieldColumn("label", ("label",), "string"),
        FieldColumn("score", ("score",), "number"),
        FieldColumn("stars", ("stars",), "integer"),
        FieldColumn("spam", ("spam",), "boolean"),
        FieldColumn("tags", ("tags",), "list:string"),
        FieldColumn("place.city", ("place", "city"), "string"),
        FieldColumn("place.country", ("place", "country"), "string"),
        FieldColumn("extra", ("extra",), "json"),
        FieldColumn("either", ("either",), "json"),
    ]
    answer = {"place": {"city": "Oslo"}, "extra": [{"city": "Bergen"}], "score": 2}
    assert [c.value(answer) for c in columns] == [
        None,
        2.0,
        None,
        None,
        None,
        "Oslo",
        None,
        '[{"city":"Bergen"}]',
        None,
    ]


def test_a_value_of_the_wrong_kind_is_named() -> None:
    column = FieldColumn("stars", ("stars",), "integer")
    with pytest.raises(ValueError, match="stars: expected integer, got 'five'"):
        column.value({"stars": "five"})


def test_enums_and_type_lists_take_their_kind() -> None:
    schema = {
        "type": "object",
        "properties": {
            "label": {"enum": ["good", "bad"]},
            "note": {"type": ["string", "null"]},
            "free": {"type": "object"},
        },
    }
    assert [(c.name, c.kind) for c in flatten_schema(schema)] == [
        ("label", "string"),
        ("note", "string"),
        ("free", "json"),
    ]


# --- formats -----------------------------------------------------------------------------------


def sample() -> tuple[pa.Schema, list[pa.RecordBatch]]:
    table = pa.table(
        {"id": ["a", "b"], "text": ['x,\n"y"', None], "tags": pa.array([["p", "q"], None], pa.list_(pa.string()))}
    )
    return table.schema, table.to_batches(max_chunksize=1)


@pytest.mark.parametrize("format", ["parquet", "csv", "jsonl"])
def test_each_format_round_trips(format: str) -> None:
    schema, batches = sample()
    buffer = io.BytesIO()
    assert write_batches(schema, batches, buffer, format) == 2
    data = buffer.getvalue()
    if format == "parquet":
        assert pq.read_table(io.BytesIO(data)).to_pylist() == pa.Table.from_batches(batches).to_pylist()
    elif format == "csv":
        read = pacsv.read_csv(
            io.BytesIO(data),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(strings_can_be_null=True),
        )
        assert read.column("text").to_pylist() == ['x,\n"y"', None]
        assert read.column("tags").to_pylist() == ['["p","q"]', None]
    else:
        assert [json.loads(line) for line in data.splitlines()] == [
            {"id": "a", "text": 'x,\n"y"', "tags": ["p", "q"]},
            {"id": "b", "text": None, "tags": None},
        ]


def test_an_unknown_format() -> None:
    schema, batches = sample()
    with pytest.raises(ValueError, match="unknown table format 'xlsx'"):
        write_batches(schema, batches, io.BytesIO(), "xlsx")


def test_a_request_sent_again_comes_back_once_with_its_attempts(tmp_path: Path) -> None:
    client = FakeClient()
    seen: dict[str, int] = {}

    def outcome(custom_id: str) -> str:
        seen[custom_id] = seen.get(custom_id, 0) + 1
        return "fail500" if custom_id == "r3" and seen[custom_id] == 1 else "ok"

    client.server.outcome = outcome
    state = tmp_path / "jobs.sqlite"
    with Job.submit_table(client, ROWS, TEMPLATE, id_column="id", state=state, queue=ROOMY, max_attempts=2) as job:
        job.wait(sleep=no_sleep)
        table = job.results_table(columns=["id"])
    assert table.column("id").to_pylist() == [row["id"] for row in ROWS]
    assert table.column("outcome").to_pylist() == ["succeeded"] * 6
    assert table.column("attempts").to_pylist() == [1, 1, 1, 2, 1, 1]


def test_pandas_and_polars_are_one_call_away(finished_job: Job) -> None:
    import polars

    table = finished_job.results_table(columns=["id"])
    frame = table.to_pandas()
    assert list(frame["outcome"]) == table.column("outcome").to_pylist()
    assert polars.from_arrow(table).get_column("custom_id").to_list() == [row["id"] for row in ROWS]
