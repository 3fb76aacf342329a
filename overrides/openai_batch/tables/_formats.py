"""Record batches written to an open binary stream as Parquet, CSV or JSON lines.

Only formats: opening the destination (a path, a temporary name and a rename, stdout) is
the caller's, so the same code writes a file or a pipe. Parquet is written front to back
(its footer last), so a pipe works as well as a file.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

import orjson

from ._arrow import require_pyarrow

__all__ = ["FORMATS", "write_batches"]

FORMATS = ("parquet", "csv", "jsonl")


def _flat_for_csv(pa: Any, schema: Any) -> tuple[Any, list[int]]:
    """CSV holds no list columns: the schema with each one as its JSON text, and their positions."""
    listed = [i for i, field in enumerate(schema) if pa.types.is_list(field.type) or pa.types.is_struct(field.type)]
    fields = [pa.field(f.name, pa.string()) if i in listed else f for i, f in enumerate(schema)]
    return pa.schema(fields), listed


def _as_json_text(pa: Any, column: Any) -> Any:
    return pa.array(
        [None if value is None else orjson.dumps(value).decode() for value in column.to_pylist()], type=pa.string()
    )


def write_batches(schema: Any, batches: Iterable[Any], stream: IO[bytes], format: str) -> int:
    """Write every batch to ``stream`` in ``format`` (one of :data:`FORMATS`); returns the rows written."""
    pa = require_pyarrow()
    rows = 0
    if format == "parquet":
        import pyarrow.parquet as pq

        with pq.ParquetWriter(stream, schema) as writer:
            for batch in batches:
                writer.write_batch(batch)
                rows += batch.num_rows
        return rows
    if format == "csv":
        import pyarrow.csv as csv

        flat, listed = _flat_for_csv(pa, schema)
        with csv.CSVWriter(stream, flat) as writer:
            for batch in batches:
                if listed:
                    arrays = [
                        _as_json_text(pa, column) if i in listed else column for i, column in enumerate(batch.columns)
                    ]
                    batch = pa.RecordBatch.from_arrays(arrays, schema=flat)
                writer.write_batch(batch)
                rows += batch.num_rows
        return rows
    if format == "jsonl":
        for batch in batches:
            stream.write(b"".join(orjson.dumps(row, default=str) + b"\n" for row in batch.to_pylist()))
            rows += batch.num_rows
        return rows
    raise ValueError(f"unknown table format {format!r}; choose from {', '.join(FORMATS)}")
