"""A table that cannot become a valid request file is refused with the row and column named, and no file appears."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from openai_batch.tables import RequestTemplate, TableInputError, columns_path, load_schema_file, write_requests

TEMPLATE = RequestTemplate("Classify this review: {text}", model="gpt-4o-mini")


def rows(n: int = 4) -> list[dict[str, Any]]:
    return [{"id": f"r{i}", "text": f"review {i}"} for i in range(n)]


def refused(tmp_path: Path, source: object, requests: Any = TEMPLATE, **options: Any) -> TableInputError:
    target = tmp_path / "requests.jsonl"
    with pytest.raises(TableInputError) as caught:
        write_requests(source, target, requests, **options)
    assert not target.exists() and not columns_path(target).exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left
    return caught.value


def test_a_template_naming_a_missing_column(tmp_path: Path) -> None:
    error = refused(tmp_path, rows(), RequestTemplate("Classify: {body}", model="gpt-4o-mini"))
    assert error.column == "body"
    assert "['body']" in str(error) and "['id', 'text']" in str(error)


def test_a_system_template_naming_a_missing_column(tmp_path: Path) -> None:
    error = refused(tmp_path, rows(), RequestTemplate("{text}", model="m", system="Lang: {language}"))
    assert error.column == "language"


def test_a_missing_id_column(tmp_path: Path) -> None:
    error = refused(tmp_path, rows(), id_column="review_id")
    assert error.column == "review_id" and "no id column 'review_id'" in str(error)


def test_a_duplicate_id_names_the_row_that_repeats_it(tmp_path: Path) -> None:
    table = rows(5)
    table[3]["id"] = "r1"
    error = refused(tmp_path, table, id_column="id")
    assert (error.row, error.column) == (3, "id")
    assert "row 3: id 'r1' (column 'id') is used by an earlier row" in str(error)


@pytest.mark.parametrize("empty", ["", "   ", None])
def test_an_empty_id_names_the_row(tmp_path: Path, empty: str | None) -> None:
    table = rows()
    table[2]["id"] = empty
    error = refused(tmp_path, table, id_column="id")
    assert (error.row, error.column) == (2, "id")
    assert "row 2: the id column 'id' is empty" in str(error)


def test_a_null_value_the_template_uses(tmp_path: Path) -> None:
    table = rows()
    table[1]["text"] = None
    error = refused(tmp_path, table, id_column="id")
    assert (error.row, error.column) == (1, "text")
    assert "row 1: column 'text' is empty (null)" in str(error)


def test_a_row_rendering_an_empty_message(tmp_path: Path) -> None:
    table = rows()
    table[2]["text"] = "  "
    error = refused(tmp_path, table, RequestTemplate("{text}", model="gpt-4o-mini"), id_column="id")
    assert (error.row, error.column) == (2, "text")
    assert "row 2: a user message is empty (made from column(s) ['text'])" in str(error)


def test_a_function_returning_a_value_json_cannot_hold(tmp_path: Path) -> None:
    def request(row: dict[str, Any]) -> dict[str, Any]:
        return {"model": "m", "messages": [{"role": "user", "content": row["text"]}], "metadata": {"at": row["at"]}}

    table = [{**row, "at": dt.date(2026, 1, 1 + i)} for i, row in enumerate(rows())]
    error = refused(tmp_path, table, request)
    assert error.row == 0 and "metadata.at is not a JSON value" in str(error)


def test_a_column_of_mixed_kinds(tmp_path: Path) -> None:
    table: list[dict[str, Any]] = [{"id": "a", "text": "t"}, {"id": "b", "text": 7}]
    error = refused(tmp_path, table)
    assert "a column holds values of different kinds" in str(error)


def test_a_function_that_fails_names_the_row(tmp_path: Path) -> None:
    def request(row: dict[str, Any]) -> dict[str, Any]:
        return {"model": "m", "messages": [{"role": "user", "content": row["text"][10]}]}

    error = refused(tmp_path, rows(), request)
    assert error.row == 0 and "IndexError" in str(error)


def test_a_request_without_a_model(tmp_path: Path) -> None:
    error = refused(tmp_path, rows(), lambda row: {"messages": [{"role": "user", "content": row["text"]}]})
    assert error.row == 0 and "no model" in str(error)


def test_a_second_model_names_the_row(tmp_path: Path) -> None:
    def request(row: dict[str, Any]) -> dict[str, Any]:
        model = "gpt-4o" if row["id"] == "r2" else "gpt-4o-mini"
        return {"model": model, "messages": [{"role": "user", "content": row["text"]}]}

    error = refused(tmp_path, rows(), request, id_column="id")
    assert error.row == 2 and "a batch runs one model" in str(error)


def test_rows_that_change_their_columns(tmp_path: Path) -> None:
    table: list[dict[str, Any]] = [*rows(2), {"id": "x", "text": "t", "extra": 1}]
    error = refused(tmp_path, table, batch_rows=2)
    assert (error.row, error.column) == (2, "extra")


def test_a_template_with_a_positional_field(tmp_path: Path) -> None:
    error = refused(tmp_path, rows(), RequestTemplate("Classify: {}", model="m"))
    assert "every field must name a column" in str(error)


def test_an_empty_table(tmp_path: Path) -> None:
    import pyarrow as pa

    empty = pa.table({"id": pa.array([], pa.string()), "text": pa.array([], pa.string())})
    error = refused(tmp_path, empty)
    assert "the table: no rows" in str(error)


def test_a_bad_schema_file(tmp_path: Path) -> None:
    (tmp_path / "schema.json").write_text("[1, 2]")
    with pytest.raises(TableInputError, match=r"schema.json: expected a JSON object"):
        load_schema_file(tmp_path / "schema.json")


def test_an_unknown_file_kind(tmp_path: Path) -> None:
    (tmp_path / "reviews.xlsx").write_bytes(b"")
    error = refused(tmp_path, tmp_path / "reviews.xlsx")
    assert "unknown kind of file '.xlsx'" in str(error)


def test_a_csv_value_further_on_that_does_not_fit_its_column(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from openai_batch.tables import _sources

    # Types come from the first block (made small here): it holds integers only, a word comes later.
    monkeypatch.setattr(_sources, "_BLOCK_BYTES", 1024)
    lines = ["id,text", *(f"{i},t{i}" for i in range(1000)), "x-1,later"]
    (tmp_path / "t.csv").write_text("\n".join(lines) + "\n")
    target = tmp_path / "requests.jsonl"
    with pytest.raises(TableInputError, match=r"t.csv: .*column types are taken from the file's first block"):
        write_requests(tmp_path / "t.csv", target, TEMPLATE, id_column="id")
    assert not target.exists()
