"""Any table a user holds, read as a stream of Arrow record batches of bounded size.

A file is never read whole: Parquet by row batches (``ParquetFile.iter_batches``), CSV and
JSON lines by blocks (``pyarrow.csv.open_csv``, ``pyarrow.json.open_json``). A table
already in memory (pandas, polars, pyarrow, a Hugging Face dataset) is sliced without a
copy where its library allows. pandas, polars and datasets are never imported here: an
object is recognised by the module its type comes from, so they stay optional.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from ._arrow import require_pyarrow
from ._errors import TableInputError

__all__ = ["DEFAULT_BATCH_ROWS", "TableStream", "open_table"]

#: Rows per record batch: large enough for Arrow's per-batch cost to vanish, small enough
#: that a batch of long texts stays a few MB.
DEFAULT_BATCH_ROWS = 4096
# CSV and JSON readers cut their input in blocks of this many bytes.
_BLOCK_BYTES = 1 << 22

_PARQUET = (".parquet", ".pq")
_CSV = (".csv", ".tsv")
_JSON_LINES = (".jsonl", ".ndjson", ".json")


@attrs.frozen
class TableStream:
    """A table's column names and its rows as record batches, read once, in order.

    Example::

        stream = open_table("reviews.parquet")
        for batch in stream.batches:          # pyarrow.RecordBatch, at most batch_rows rows each
            print(batch.num_rows)
    """

    name: str  # what error messages call the table: a path, or a kind of object
    column_names: tuple[str, ...]
    batches: Iterator[Any]
    schema: Any = None


def _type_module(source: object) -> str:
    return type(source).__module__.split(".", 1)[0]


def open_table(source: object, *, batch_rows: int = DEFAULT_BATCH_ROWS) -> TableStream:
    """The rows of ``source`` as record batches.

    ``source`` is a path to a Parquet, CSV/TSV or JSON-lines file, a pyarrow ``Table`` or
    ``RecordBatchReader``, a pandas or polars ``DataFrame``, a Hugging Face
    ``datasets.Dataset``, or an iterable of dicts (one per row).
    """
    pa = require_pyarrow()
    if batch_rows < 1:
        raise ValueError(f"batch_rows must be 1 or more, got {batch_rows}")
    if isinstance(source, str | os.PathLike):
        return _open_file(Path(source), batch_rows)
    if isinstance(source, pa.Table):
        return _stream("pyarrow Table", source.schema, iter(source.to_batches(max_chunksize=batch_rows)))
    if isinstance(source, pa.RecordBatch):
        return _stream(
            "pyarrow RecordBatch", source.schema, iter(pa.Table.from_batches([source]).to_batches(batch_rows))
        )
    if isinstance(source, pa.RecordBatchReader):
        return _stream("pyarrow RecordBatchReader", source.schema, _rebatch(iter(source), batch_rows))
    module = _type_module(source)
    if module == "pandas" and type(source).__name__ == "DataFrame":
        # A pandas frame is in memory already; Arrow shares its numeric buffers.
        table = pa.Table.from_pandas(source, preserve_index=False)
        return _stream("pandas DataFrame", table.schema, iter(table.to_batches(max_chunksize=batch_rows)))
    if module == "polars" and type(source).__name__ == "DataFrame":
        table = source.to_arrow()  # type: ignore[attr-defined]
        return _stream("polars DataFrame", table.schema, iter(table.to_batches(max_chunksize=batch_rows)))
    if module == "datasets" and type(source).__name__ == "Dataset":
        return _open_dataset(source, batch_rows)
    if isinstance(source, Mapping) or isinstance(source, str | bytes):
        raise TypeError(f"a table is rows, not one {type(source).__name__}: pass an iterable of dicts")
    if isinstance(source, Iterable):
        return _open_rows(iter(source), batch_rows)
    raise TypeError(
        f"cannot read rows from a {type(source).__name__}: give a path (.parquet, .csv, .jsonl), a pyarrow "
        "Table or RecordBatchReader, a pandas or polars DataFrame, a datasets.Dataset or an iterable of dicts"
    )


def _stream(name: str, schema: Any, batches: Iterator[Any]) -> TableStream:
    return TableStream(name, tuple(schema.names), batches, schema)


def _rebatch(batches: Iterator[Any], batch_rows: int) -> Iterator[Any]:
    """Batches of at most ``batch_rows`` rows, cut from batches of any size (zero-copy slices)."""
    for batch in batches:
        for start in range(0, batch.num_rows, batch_rows):
            yield batch.slice(start, batch_rows)


def _open_file(path: Path, batch_rows: int) -> TableStream:
    suffix = path.suffix.lower()
    if not path.is_file():
        raise FileNotFoundError(f"table {path} does not exist" if not path.exists() else f"table {path} is not a file")
    if suffix in _PARQUET:
        import pyarrow.parquet as pq

        # One row group read at a time, on this thread: pre-buffering and reader threads each
        # hold (or leave in the allocator) a whole row group more, for little speed on 2 cores.
        parquet = pq.ParquetFile(path, pre_buffer=False, buffer_size=_BLOCK_BYTES)
        batches = parquet.iter_batches(batch_size=batch_rows, use_threads=False)
        return _stream(str(path), parquet.schema_arrow, batches)
    if suffix in _CSV:
        import pyarrow.csv as csv

        options = csv.ParseOptions(delimiter="\t" if suffix == ".tsv" else ",", newlines_in_values=True)
        read = csv.ReadOptions(block_size=_BLOCK_BYTES, use_threads=False)
        reader = csv.open_csv(path, read_options=read, parse_options=options)
        return _stream(str(path), reader.schema, _rebatch(_read_blocks(reader, path), batch_rows))
    if suffix in _JSON_LINES:
        import pyarrow.json as pj

        reader = pj.open_json(path, read_options=pj.ReadOptions(block_size=_BLOCK_BYTES, use_threads=False))
        return _stream(str(path), reader.schema, _rebatch(_read_blocks(reader, path), batch_rows))
    raise TableInputError(f"table {path}: unknown kind of file {suffix!r}; use .parquet, .csv, .tsv or .jsonl")


def _read_blocks(reader: Any, path: Path) -> Iterator[Any]:
    """A CSV or JSON reader's batches; a later block whose values do not fit the types is named, not raw."""
    pa = require_pyarrow()
    try:
        yield from reader
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise TableInputError(
            f"table {path}: {exc} (column types are taken from the file's first block; "
            "a value further on does not fit them)"
        ) from exc


def _open_dataset(dataset: Any, batch_rows: int) -> TableStream:
    # Iterated through its "arrow" format so a selection or shuffle (an indices mapping) is honoured.
    arrow = dataset.with_format("arrow")
    schema = arrow.data.schema

    def batches() -> Iterator[Any]:
        for table in arrow.iter(batch_size=batch_rows):
            yield from table.to_batches()

    return _stream("datasets.Dataset", schema, batches())


def _open_rows(rows: Iterator[Any], batch_rows: int) -> TableStream:
    """An iterable of dicts: the first batch fixes the columns; a later row with others is refused."""
    pa = require_pyarrow()
    first = list(itertools.islice(rows, batch_rows))
    for index, row in enumerate(first):
        if not isinstance(row, Mapping):
            raise TableInputError(f"row {index} is a {type(row).__name__}, not a dict of columns", row=index)
    try:
        schema = pa.RecordBatch.from_pylist(first).schema if first else pa.schema([])
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise TableInputError(f"rows 0 to {len(first) - 1}: a column holds values of different kinds: {exc}") from exc

    def batches() -> Iterator[Any]:
        chunk, start = first, 0
        while chunk:
            yield _rows_batch(pa, chunk, schema, start)
            start += len(chunk)
            chunk = list(itertools.islice(rows, batch_rows))

    return _stream("rows", schema, batches())


def _rows_batch(pa: Any, chunk: list[Any], schema: Any, start: int) -> Any:
    names = set(schema.names)
    for offset, row in enumerate(chunk):
        if not isinstance(row, Mapping):
            raise TableInputError(f"row {start + offset} is a {type(row).__name__}, not a dict", row=start + offset)
        extra = [str(k) for k in row if k not in names]
        if extra:
            raise TableInputError(
                f"row {start + offset} has column(s) {extra} that the first rows lack; give every row the same keys",
                row=start + offset,
                column=extra[0],
            )
    try:
        return pa.RecordBatch.from_pylist(chunk, schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise TableInputError(
            f"rows {start} to {start + len(chunk) - 1}: a value does not fit its column: {exc}"
        ) from exc
