"""A table's rows written as a Batch API request file, one record batch at a time.

Memory holds one record batch of rows and the set of ids seen (to refuse a duplicate at
the row that repeats it). Every row is rendered and checked before it is written; the
first bad one stops the build with an error naming it, and no file appears.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ._columns_file import ColumnsWriter, columns_path
from ._errors import TableInputError
from ._ids import IdRule
from ._render import RequestTemplate, RowRenderer, check_body
from ._sources import DEFAULT_BATCH_ROWS, TableStream, open_table

if TYPE_CHECKING:
    from ..workflow._builders import BatchInputWriter
    from ..workflow._limits import BatchLimits

__all__ = ["TableRequests", "fill_writer", "write_requests"]

Requests = RequestTemplate | Callable[[dict[str, Any]], Mapping[str, Any]]


@attrs.frozen
class TableRequests:
    """What :func:`write_requests` wrote: the request file, its columns file (or None) and the row count.

    Example::

        built = write_requests("reviews.csv", "requests.jsonl", template, id_column="review_id")
        print(built.rows, built.path, built.columns_path)
    """

    path: Path
    columns_path: Path | None
    rows: int
    model: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "columns_path": None if self.columns_path is None else str(self.columns_path),
            "rows": self.rows,
            "model": self.model,
        }


def fill_writer(
    writer: BatchInputWriter,
    source: object,
    requests: Requests,
    *,
    id_column: str | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    on_batch: Callable[[TableStream, Any], None] | None = None,
    on_open: Callable[[TableStream], None] | None = None,
) -> int:
    """Add one request per row of ``source`` to ``writer``; returns how many rows were added."""
    stream = open_table(source, batch_rows=batch_rows)
    table = stream.name
    ids = IdRule(id_column)
    ids.check_columns(stream.column_names, table)
    render = RowRenderer(requests, stream.column_names, table)
    if render.endpoint and render.endpoint != writer.endpoint:
        raise ValueError(f"the template writes {render.endpoint} requests, but the file is for {writer.endpoint}")
    if on_open is not None:
        on_open(stream)
    start = 0
    for batch in stream.batches:
        for offset, (custom_id, row) in enumerate(zip(ids.ids(batch, start, table), batch.to_pylist(), strict=True)):
            index = start + offset
            if writer.has_id(custom_id):
                raise TableInputError(
                    f"{table}: row {index}: id {custom_id!r}"
                    + (f" (column {id_column!r})" if id_column else "")
                    + " is used by an earlier row; ids must be unique",
                    row=index,
                    column=id_column,
                )
            body = render(row, index)
            check_body(body, writer.endpoint, index, table, render.fields)
            try:
                writer.add(custom_id, body)
            except (ValueError, TypeError) as exc:
                raise TableInputError(f"{table}: row {index}: {exc}", row=index) from exc
        if on_batch is not None:
            on_batch(stream, batch)
        start += batch.num_rows
    return start


def write_requests(
    source: object,
    path: str | os.PathLike[str],
    requests: Requests,
    *,
    id_column: str | None = None,
    endpoint: str | None = None,
    keep_columns: bool = True,
    limits: BatchLimits | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> TableRequests:
    """Write one request per row of ``source`` to ``path`` (JSONL), streaming; nothing appears on an error.

    ``requests`` is a :class:`RequestTemplate` or a function from a row (a dict of its
    columns) to a request body. ``custom_id`` is the ``id_column``'s value as text (unique,
    never empty), else ``row-<n>`` from the row number (counting from 0). With
    ``keep_columns`` (the default) the input's columns are kept beside the file (see
    ``_columns_file``), so results can be joined back to them: ``job.results_table()``.
    ``endpoint`` is the template's (default chat completions); give it for a function.

    Example::

        write_requests("reviews.csv", "requests.jsonl",
                       RequestTemplate("Classify this review: {text}", model="gpt-4o-mini", response_format=Review),
                       id_column="review_id")
    """
    from ..workflow._builders import BatchInputWriter

    chosen = endpoint or (requests.endpoint if isinstance(requests, RequestTemplate) else "/v1/chat/completions")
    target = Path(path)
    kept: list[ColumnsWriter] = []

    def keep(stream: TableStream) -> None:
        if keep_columns:
            kept.append(ColumnsWriter(columns_path(target), stream.schema, IdRule(id_column)))

    def write(stream: TableStream, batch: Any) -> None:
        if kept:
            kept[0].write(batch)

    try:
        with BatchInputWriter(target, endpoint=chosen, limits=limits) as writer:
            rows = fill_writer(
                writer, source, requests, id_column=id_column, batch_rows=batch_rows, on_batch=write, on_open=keep
            )
            if rows == 0:
                raise TableInputError(f"{source if isinstance(source, str | os.PathLike) else 'the table'}: no rows")
    except BaseException:
        for columns in kept:
            columns.abort()
        raise
    for columns in kept:
        columns.close()
    return TableRequests(target, kept[0].path if kept else None, rows, writer.model)
