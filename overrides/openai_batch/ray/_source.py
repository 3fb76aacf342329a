"""``read_results(manifest)``: a job's results as a Ray Dataset, one read task per shard's result files.

Each read task downloads its shard's output and error files (streamed to a scratch file),
indexes its results by custom_id, then walks the shard's rows in input order, from the
input columns a worker kept (``columns_dir``) or, without them, from the shard's own
uploaded request file: every row comes out exactly once, with its outcome, even when its
line is missing. A node holds one shard's results at a time (a shard is at most one batch:
50,000 requests).

The columns are those of ``job.results_table()`` (see :mod:`openai_batch.tables`): the
input's columns (all, or those named), then the result columns, parsed fields with
``parse=``, tokens and cost.

Ray's ``Datasource`` API: https://docs.ray.io/en/latest/data/api/doc/ray.data.Datasource.html
(``get_read_tasks`` runs on the driver; each ``ReadTask`` runs in a task and yields blocks).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from .._batchinfo import TERMINAL_STATUSES
from ..pricing import PriceTable, load_prices
from ..tables._arrow import require_pyarrow
from ..tables._errors import TableInputError
from ..tables._ids import IdRule
from ..tables._results import _AFTER_PARSED, _BEFORE_PARSED, _INTEGERS, _names, _Parser, _RowMaker
from ..tables._sources import DEFAULT_BATCH_ROWS
from ..workflow._engine import Flow, Stream, run_sync
from ..workflow._join import _not_stored, custom_id_of
from ..workflow._results import BatchResult, parse_result_line
from ..workflow._store import ShardRow
from ._manifest import load_manifest
from ._require import require_ray_data
from ._settings import ClientSettings

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["read_results"]

_ray_data: Any = require_ray_data()


def _download(file_id: str, target: Path) -> Flow[None]:
    with target.open("wb") as out:
        yield Stream(file_id, out.write)


def _lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        for raw in handle:
            if raw.strip():
                yield raw


def _result_schema(pa: Any, input_fields: Sequence[Any], parser: _Parser | None) -> Any:
    """The results table's schema, as :func:`openai_batch.tables.result_batches` lays it out."""
    fields = parser.fields if parser is not None else []
    shown, parsed_names = _names([f.name for f in input_fields], fields)

    def typed(name: str) -> Any:
        return pa.field(name, pa.int64() if name in _INTEGERS else pa.float64() if name == "cost_usd" else pa.string())

    return pa.schema(
        [pa.field(name, f.type) for name, f in zip(shown, input_fields, strict=True)]
        + [typed(name) for name in _BEFORE_PARSED]
        + [pa.field(name, f.arrow_type(pa)) for name, f in zip(parsed_names, fields, strict=True)]
        + [typed(name) for name in _AFTER_PARSED]
    )


class _LineIndex:
    """Where each custom_id's line is in the downloaded result files: lines are parsed one at a time, when joined.

    A shard's output holds up to 50,000 whole responses; parsed all at once they would be
    several hundred MB of Python objects. The index holds one (file, offset, length) each.
    """

    def __init__(self, batch_id: str | None) -> None:
        self.batch_id = batch_id
        self._files: list[tuple[Any, str]] = []
        self._where: dict[str, tuple[int, int, int]] = {}

    def add(self, path: Path, file_id: str) -> None:
        handle = path.open("rb")
        self._files.append((handle, file_id))
        number = len(self._files) - 1
        offset = 0
        for raw in handle:
            if raw.strip():
                # orjson parses a line in microseconds; the parsed body is dropped at once.
                self._where[str(orjson.loads(raw)["custom_id"])] = (number, offset, len(raw))
            offset += len(raw)

    def take(self, custom_id: str) -> BatchResult | None:
        found = self._where.pop(custom_id, None)
        if found is None:
            return None
        number, offset, length = found
        handle, file_id = self._files[number]
        handle.seek(offset)
        return parse_result_line(handle.read(length), batch_id=self.batch_id, source=f"{file_id} at byte {offset}")

    def close(self) -> None:
        for handle, _ in self._files:
            handle.close()


class _ShardReader:
    """What one read task does for one shard (pickled into the task: no key, no client)."""

    def __init__(
        self,
        manifest: Mapping[str, Any],
        shard: Mapping[str, Any],
        columns: Sequence[str] | None,
        parse: type[BaseModel] | Mapping[str, Any] | None,
        prices: PriceTable | None,
        settings: ClientSettings,
    ) -> None:
        self.endpoint: str = manifest["definition"]["endpoint"]
        self.id_column: str | None = manifest.get("id_column")
        self.shard = dict(shard)
        self.columns = list(columns) if columns is not None else None
        self.parse = parse
        self.prices = prices
        self.settings = settings

    def owner(self) -> ShardRow:
        """The shard as the join reads it, for the outcome of a request with no result line."""
        s = self.shard
        return ShardRow(
            job_id="",
            shard_index=s["index"],
            path="",
            byte_offset=0,
            byte_size=s["bytes"],
            request_count=s["requests"],
            first_line=0,
            token=s["name"],
            batch_id=s.get("batch_id"),
            status=s.get("status") or "pending",
            results_done=(s.get("status") in TERMINAL_STATUSES),
            errors=s.get("errors"),
        )

    def __call__(self) -> Iterator[Any]:
        pa = require_pyarrow()
        with tempfile.TemporaryDirectory(prefix="openai-batch-ray-") as scratch:
            index, ids_file = self._results(Path(scratch))
            try:
                yield from self._tables(pa, index, ids_file)
            finally:
                index.close()

    def _results(self, scratch: Path) -> tuple[_LineIndex, Path | None]:
        """The shard's result lines indexed by custom_id, and (without kept columns) its request file, downloaded."""
        index = _LineIndex(self.shard.get("batch_id"))
        s = self.shard
        ready = s.get("status") in TERMINAL_STATUSES
        wanted = [s.get("output_file_id"), s.get("error_file_id")] if ready else []
        files = [file_id for file_id in wanted if file_id]
        needs_ids = not s.get("columns")
        if not files and not needs_ids:
            return index, None
        with self.settings.client() as client:
            for file_id in files:
                path = scratch / f"{file_id}.jsonl"
                run_sync(_download(file_id, path), client)
                index.add(path, file_id)
            ids_file = None
            if needs_ids:
                ids_file = scratch / "requests.jsonl"
                run_sync(_download(s["file_id"], ids_file), client)
        return index, ids_file

    def _tables(self, pa: Any, index: _LineIndex, ids_file: Path | None) -> Iterator[Any]:
        parser = _Parser(self.parse, self.endpoint) if self.parse is not None else None
        rows = _RowMaker(self.endpoint, parser, self.prices if self.prices is not None else load_prices())
        owner = self.owner()

        def result_of(custom_id: str) -> BatchResult:
            result = index.take(custom_id)
            return result if result is not None else _not_stored(custom_id, owner)

        if ids_file is not None:
            schema = _result_schema(pa, [], parser)
            chunk: list[BatchResult] = []
            for raw in _lines(ids_file):
                chunk.append(result_of(custom_id_of(raw)))
                if len(chunk) == DEFAULT_BATCH_ROWS:
                    yield pa.Table.from_batches(
                        [pa.RecordBatch.from_arrays(rows.arrays(pa, chunk, schema, 0), schema=schema)]
                    )
                    chunk = []
            if chunk:
                yield pa.Table.from_batches(
                    [pa.RecordBatch.from_arrays(rows.arrays(pa, chunk, schema, 0), schema=schema)]
                )
            return
        import pyarrow.fs
        import pyarrow.parquet as pq

        filesystem, path = pyarrow.fs.FileSystem.from_uri(self.shard["columns"])
        with filesystem.open_input_file(path) as handle:
            kept = pq.ParquetFile(handle)
            names = self.columns if self.columns is not None else kept.schema_arrow.names
            missing = [name for name in names if name not in kept.schema_arrow.names]
            if missing:
                raise TableInputError(
                    f"no input column(s) {missing}; the input's columns are {kept.schema_arrow.names}",
                    column=missing[0],
                )
            input_fields = [kept.schema_arrow.field(name) for name in names]
            schema = _result_schema(pa, input_fields, parser)
            rule = IdRule(self.id_column, prefix=f"{self.shard['block']}-")
            start = self.shard["first_row"]
            for batch in kept.iter_batches(batch_size=DEFAULT_BATCH_ROWS):
                chunk = [result_of(custom_id) for custom_id in rule.ids(batch, start, self.shard["name"])]
                arrays = [batch.column(name) for name in names]
                yield pa.Table.from_batches(
                    [pa.RecordBatch.from_arrays(arrays + rows.arrays(pa, chunk, schema, len(arrays)), schema=schema)]
                )
                start += batch.num_rows


class ResultsDatasource(_ray_data.Datasource):  # type: ignore[misc]  # Ray's classes carry no types mypy checks
    """A Ray Data datasource over a finished job's results: one read task per shard.

    Example::

        ds = ray.data.read_datasource(ResultsDatasource(manifest))
    """

    def __init__(
        self,
        manifest: Mapping[str, Any] | str,
        *,
        columns: Sequence[str] | None = None,
        parse: type[BaseModel] | Mapping[str, Any] | None = None,
        prices: PriceTable | None = None,
        settings: ClientSettings | None = None,
    ) -> None:
        super().__init__()
        self._manifest = load_manifest(manifest)
        if columns is not None and not self._manifest.get("columns_dir"):
            raise TableInputError(
                f"job {self._manifest['job_id']}: no input columns were kept (the sink had no columns_dir)"
            )
        chosen = settings or ClientSettings.from_dict(self._manifest["client"])
        self._readers = [
            _ShardReader(self._manifest, shard, columns, parse, prices, chosen) for shard in self._manifest["shards"]
        ]

    def get_name(self) -> str:
        return "OpenAIBatchResults"

    def estimate_inmemory_data_size(self) -> int | None:
        return None

    def get_read_tasks(self, parallelism: int, per_task_row_limit: int | None = None, **_: Any) -> list[Any]:
        from ray.data.block import BlockMetadata
        from ray.data.datasource import ReadTask

        # Passed on only when set: older Ray's ReadTask does not take it.
        limit = {} if per_task_row_limit is None else {"per_task_row_limit": per_task_row_limit}
        return [
            ReadTask(
                reader,
                BlockMetadata(num_rows=reader.shard["requests"], size_bytes=None, input_files=None, exec_stats=None),
                **limit,
            )
            for reader in self._readers
        ]


def read_results(
    manifest: Mapping[str, Any] | str,
    *,
    columns: Sequence[str] | None = None,
    parse: type[BaseModel] | Mapping[str, Any] | None = None,
    prices: PriceTable | None = None,
    settings: ClientSettings | None = None,
) -> Any:
    """The job's results as a ``ray.data.Dataset``, with the columns of ``job.results_table()``.

    ``manifest`` is what :func:`~openai_batch.ray.wait` returned (or its JSON file).
    ``columns`` picks input columns to join back (default: all that were kept); ``parse``
    (a pydantic model or JSON schema) adds the answer's fields; ``prices`` prices the
    tokens (default: the shipped table). Rows of batches that have not ended are
    ``pending``. Reading is lazy, as any Ray dataset.

    Example::

        read_results(manifest, columns=["review_id"], parse=Review).write_parquet("s3://bucket/labels/")
    """
    return _ray_data.read_datasource(
        ResultsDatasource(manifest, columns=columns, parse=parse, prices=prices, settings=settings)
    )
