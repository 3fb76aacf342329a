"""Requests built from every kind of table: rows as dicts, pandas, polars, pyarrow, files, datasets.

Each kind must give the same request file, byte for byte, and keep the same input columns
beside it; ids come from a column or from the row number.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from openai_batch.tables import RequestTemplate, columns_path, open_table, write_requests
from openai_batch.workflow import BatchInputWriter, validate_input_file

ROWS: list[dict[str, Any]] = [
    {"review_id": "a-1", "text": "Great, fast\nshipping", "stars": 5},
    {"review_id": "a-2", "text": 'Broke after "two" days', "stars": 1},
    {"review_id": "a-3", "text": "Fine {really}", "stars": 3},
]
TEMPLATE = RequestTemplate(
    "Classify this review: {text}", model="gpt-4o-mini", system="Stars given: {stars}", max_completion_tokens=20
)


def as_table() -> pa.Table:
    return pa.Table.from_pylist(ROWS)


def write_parquet(tmp: Path) -> Path:
    pq.write_table(as_table(), tmp / "reviews.parquet")
    return tmp / "reviews.parquet"


def write_csv(tmp: Path) -> Path:
    pacsv.write_csv(as_table(), tmp / "reviews.csv")
    return tmp / "reviews.csv"


def write_jsonl(tmp: Path) -> Path:
    (tmp / "reviews.jsonl").write_text("".join(json.dumps(row) + "\n" for row in ROWS))
    return tmp / "reviews.jsonl"


def pandas_frame(tmp: Path) -> object:
    import pandas

    return pandas.DataFrame(ROWS)


def polars_frame(tmp: Path) -> object:
    import polars

    return polars.DataFrame(ROWS)


def hf_dataset(tmp: Path) -> object:
    import datasets

    return datasets.Dataset.from_dict({key: [row[key] for row in ROWS] for key in ROWS[0]})


SOURCES: dict[str, Callable[[Path], object]] = {
    "dicts": lambda tmp: iter(ROWS),
    "pyarrow_table": lambda tmp: as_table(),
    "record_batch_reader": lambda tmp: pa.RecordBatchReader.from_batches(as_table().schema, as_table().to_batches(2)),
    "parquet": write_parquet,
    "csv": write_csv,
    "jsonl": write_jsonl,
    "pandas": pandas_frame,
    "polars": polars_frame,
    "datasets": hf_dataset,
}


def expected_lines() -> list[dict[str, Any]]:
    return [
        {
            "custom_id": row["review_id"],
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {
                "model": "gpt-4o-mini",
                "messages": [
                    {"role": "system", "content": f"Stars given: {row['stars']}"},
                    {"role": "user", "content": f"Classify this review: {row['text']}"},
                ],
                "max_completion_tokens": 20,
            },
        }
        for row in ROWS
    ]


@pytest.mark.parametrize("kind", sorted(SOURCES))
def test_every_kind_of_table_gives_the_same_requests_and_keeps_its_columns(kind: str, tmp_path: Path) -> None:
    source = SOURCES[kind](tmp_path)
    built = write_requests(source, tmp_path / "requests.jsonl", TEMPLATE, id_column="review_id")
    lines = [json.loads(line) for line in built.path.read_text().splitlines()]
    assert lines == expected_lines()
    assert built.rows == 3 and built.model == "gpt-4o-mini"
    assert validate_input_file(built.path).ok
    assert built.columns_path == columns_path(built.path) == tmp_path / "requests.columns.parquet"
    kept = pq.read_table(built.columns_path)
    assert kept.column_names == ["review_id", "text", "stars"]
    assert kept.to_pylist() == ROWS
    assert kept.schema.metadata[b"openai_batch.id_column"] == b"review_id"


def test_ids_come_from_the_row_number_without_an_id_column(tmp_path: Path) -> None:
    built = write_requests(ROWS, tmp_path / "requests.jsonl", TEMPLATE)
    ids = [json.loads(line)["custom_id"] for line in built.path.read_text().splitlines()]
    assert ids == ["row-0", "row-1", "row-2"]


def test_an_integer_id_column_becomes_text(tmp_path: Path) -> None:
    rows = [{"n": 10, "text": "a"}, {"n": 11, "text": "b"}]
    built = write_requests(rows, tmp_path / "r.jsonl", RequestTemplate("{text}", model="m"), id_column="n")
    assert [json.loads(line)["custom_id"] for line in built.path.read_text().splitlines()] == ["10", "11"]


def test_a_function_of_the_row_makes_any_request(tmp_path: Path) -> None:
    def embed(row: dict[str, Any]) -> dict[str, Any]:
        return {"model": "text-embedding-3-small", "input": row["text"]}

    built = write_requests(ROWS, tmp_path / "e.jsonl", embed, id_column="review_id", endpoint="/v1/embeddings")
    lines = [json.loads(line) for line in built.path.read_text().splitlines()]
    assert [line["url"] for line in lines] == ["/v1/embeddings"] * 3
    assert [line["body"]["input"] for line in lines] == [row["text"] for row in ROWS]


def test_responses_template_and_a_pydantic_format(tmp_path: Path) -> None:
    from pydantic import BaseModel

    class Label(BaseModel):
        label: str

    template = RequestTemplate(
        "Label: {text}", model="gpt-4o-mini", system="Be brief", endpoint="/v1/responses", response_format=Label
    )
    built = write_requests(ROWS[:1], tmp_path / "r.jsonl", template)
    body = json.loads(built.path.read_text())["body"]
    assert body["input"] == f"Label: {ROWS[0]['text']}" and body["instructions"] == "Be brief"
    assert body["text"]["format"]["type"] == "json_schema"
    assert body["text"]["format"]["schema"]["required"] == ["label"]


def test_a_schema_dict_becomes_a_strict_response_format(tmp_path: Path) -> None:
    schema = {"title": "Verdict", "type": "object", "properties": {"label": {"type": "string"}}}
    template = RequestTemplate("{text}", model="gpt-4o-mini", response_format=schema)
    built = write_requests(ROWS[:1], tmp_path / "r.jsonl", template)
    found = json.loads(built.path.read_text())["body"]["response_format"]
    assert found["type"] == "json_schema" and found["json_schema"]["name"] == "Verdict"
    assert found["json_schema"]["strict"] is True
    assert found["json_schema"]["schema"]["additionalProperties"] is False


def test_the_writer_method_adds_rows_beside_other_requests(tmp_path: Path) -> None:
    with BatchInputWriter(tmp_path / "mixed.jsonl", endpoint="/v1/chat/completions") as w:
        w.chat("first", model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
        assert w.from_table(ROWS, TEMPLATE, id_column="review_id") == 3
    ids = [json.loads(line)["custom_id"] for line in (tmp_path / "mixed.jsonl").read_text().splitlines()]
    assert ids == ["first", "a-1", "a-2", "a-3"]


def test_large_tables_stream_in_bounded_batches(tmp_path: Path) -> None:
    table = pa.table({"text": [f"t{i}" for i in range(10_000)]})
    pq.write_table(table, tmp_path / "big.parquet", row_group_size=10_000)
    stream = open_table(tmp_path / "big.parquet", batch_rows=1000)
    sizes = [batch.num_rows for batch in stream.batches]
    assert sizes == [1000] * 10


def test_without_pyarrow_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(ImportError, match=r"pip install 'openai-batch-client\[tables\]'"):
        write_requests(ROWS, tmp_path / "r.jsonl", TEMPLATE)
    assert not (tmp_path / "r.jsonl").exists()


def test_the_command_line_names_the_extra_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from openai_batch.cli import main

    monkeypatch.setitem(sys.modules, "pyarrow", None)
    argv = [
        "build",
        str(write_jsonl(tmp_path)),
        "--template",
        "{text}",
        "--model",
        "m",
        "-o",
        str(tmp_path / "r.jsonl"),
    ]
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "pip install 'openai-batch-client[tables]'" in error
