"""The input's own columns, kept beside a request file built from a table, to be joined back to results.

``requests.jsonl`` built from a table gets ``requests.columns.parquet``: every input column,
row for row in the order of the request lines, and (in the Parquet metadata) where each
row's custom_id came from. Results are later joined to it in one pass, both sides in that
same order (see ``_results``). Written to a temporary name and renamed at the end, as the
request file is, so the two appear together or not at all.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ._arrow import require_pyarrow
from ._ids import IdRule

__all__ = ["ColumnsWriter", "columns_path"]


def columns_path(requests_path: str | os.PathLike[str]) -> Path:
    """Where the input columns of a request file built from a table are kept."""
    path = Path(requests_path)
    return path.with_name(f"{path.stem}.columns.parquet")


class ColumnsWriter:
    """Streams record batches into the columns file; ``close`` puts it in place, ``abort`` drops it.

    Example::

        columns = ColumnsWriter(columns_path("requests.jsonl"), stream.schema, IdRule("review_id"))
        for batch in batches:
            columns.write(batch)
        columns.close()
    """

    def __init__(self, path: Path, schema: Any, ids: IdRule) -> None:
        require_pyarrow()
        import pyarrow.parquet as pq

        self.path = path
        self._tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        metadata = {**(schema.metadata or {}), **ids.to_metadata()}
        self._schema = schema.with_metadata(metadata)
        self._writer = pq.ParquetWriter(self._tmp, self._schema)

    def write(self, batch: Any) -> None:
        self._writer.write_batch(batch.replace_schema_metadata(self._schema.metadata))

    def close(self) -> Path:
        self._writer.close()
        os.replace(self._tmp, self.path)
        return self.path

    def abort(self) -> None:
        self._writer.close()
        self._tmp.unlink(missing_ok=True)
