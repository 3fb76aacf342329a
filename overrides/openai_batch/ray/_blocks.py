"""One block of the dataset, on a worker: its rows rendered, checked, cut into shards and uploaded.

Nothing here creates a batch: batches are created by the driver alone (see ``_sink``), so
the account's enqueued-token budget is held in one place whatever the number of workers.

Every name is derived from content, so a task Ray retries, or the pipeline run again,
finds what an earlier try uploaded instead of sending it twice:

* a row's ``custom_id`` is its ``id_column`` value (the block's rows are sorted by it
  first, so their arrival order does not matter), else ``<block key>-<row in block>``,
  where the block key is the sha256 of the block's Arrow data (then the same order is
  needed: ``DataContext.get_current().execution_options.preserve_order = True``);
* a shard's upload is named ``ray-<sha256 of its request bytes>.jsonl``. Each task lists
  the service's files once; a shard found there (by name and size, the earliest copy) is
  not sent again. Otherwise the engine's upload step (``_sending._ensure_uploaded``:
  upload, then keep the earliest copy and delete a loser) runs as it is, against a
  scratch state file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs
from openai_batch_api.models import OpenAIFile

from ..tables._arrow import require_pyarrow
from ..tables._errors import TableInputError
from ..tables._ids import IdRule
from ..tables._render import RequestTemplate, RowRenderer, check_body
from ..tables._sources import DEFAULT_BATCH_ROWS
from ..workflow._builders import BatchInputWriter
from ..workflow._discovery import LOOKUP_WINDOW
from ..workflow._engine import Flow, Walk, gather, run_sync
from ..workflow._limits import BatchLimits
from ..workflow._patience import Patience
from ..workflow._ranges import READ_BUFFER, ByteRange
from ..workflow._rivals import earliest
from ..workflow._sending import _ensure_uploaded
from ..workflow._shard import plan_shards
from ..workflow._store import JobRow, JobStore, ShardRow
from ._settings import ClientSettings

__all__ = ["UPLOAD_PREFIX", "BlockSpec", "send_block"]

#: Every shard upload's name: ``ray-<first 32 hex digits of the sha256 of its bytes>.jsonl``.
UPLOAD_PREFIX = "ray-"

Requests = RequestTemplate | Callable[[dict[str, Any]], Mapping[str, Any]]


@attrs.frozen
class BlockSpec:
    """What every write task needs (pickled into it): how to render rows, shard, upload, keep columns. No key."""

    requests: Requests
    endpoint: str
    limits: BatchLimits
    settings: ClientSettings
    id_column: str | None = None
    columns_dir: str | None = None
    #: How long an upload rides out transient faults (seconds).
    patience: float = 900.0


def block_key(table: Any) -> str:
    """The sha256 (first 16 hex digits) of a block's Arrow data: the same rows give the same key."""
    pa = require_pyarrow()
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table.combine_chunks())
    return hashlib.sha256(memoryview(sink.getvalue())).hexdigest()[:16]


def _render(table: Any, spec: BlockSpec, key: str, path: Path) -> None:
    """Write one request per row to ``path``; the first bad row stops it with an error naming it."""
    name = f"block {key}"
    ids = IdRule(spec.id_column, prefix=f"{key}-")
    ids.check_columns(tuple(table.column_names), name)
    render = RowRenderer(spec.requests, tuple(table.column_names), name)
    start = 0
    # No limits here: they bound each shard (plan_shards), not the block.
    with BatchInputWriter(path, endpoint=spec.endpoint) as writer:
        for batch in table.to_batches(max_chunksize=DEFAULT_BATCH_ROWS):
            for offset, (custom_id, row) in enumerate(zip(ids.ids(batch, start, name), batch.to_pylist(), strict=True)):
                index = start + offset
                if writer.has_id(custom_id):
                    raise TableInputError(
                        f"{name}: row {index}: id {custom_id!r} is used by an earlier row; ids must be unique",
                        row=index,
                        column=spec.id_column,
                    )
                body = render(row, index)
                check_body(body, spec.endpoint, index, name, render.fields)
                try:
                    writer.add(custom_id, body)
                except (ValueError, TypeError) as exc:
                    raise TableInputError(f"{name}: row {index}: {exc}", row=index) from exc
            start += batch.num_rows


def _range_sha256(path: Path, offset: int, size: int) -> str:
    digest = hashlib.sha256()
    with ByteRange(path, offset, size) as part:
        while chunk := part.read(READ_BUFFER):
            digest.update(chunk)
    return digest.hexdigest()


def _keep_columns(table: Any, columns_dir: str, name: str) -> str:
    """Write a shard's input rows as Parquet under ``columns_dir`` (any pyarrow filesystem URI); returns its URI."""
    pa = require_pyarrow()
    import pyarrow.fs
    import pyarrow.parquet as pq

    filesystem, base = pyarrow.fs.FileSystem.from_uri(columns_dir)
    filesystem.create_dir(base, recursive=True)
    target = f"{base.rstrip('/')}/{name}.parquet"
    partial = f"{target}.{os.getpid()}.partial"
    # Written whole, then moved into place: a task killed mid-write leaves no half file under the name.
    with filesystem.open_output_stream(partial) as out:
        pq.write_table(pa.Table.from_batches(table.to_batches()) if table.num_rows else table, out)
    filesystem.move(partial, target)
    return f"{columns_dir.rstrip('/')}/{name}.parquet"


def _earlier_uploads() -> Flow[dict[tuple[str, int], OpenAIFile]]:
    """This sink's uploads the service holds (by name and size; the earliest of copies), within the look-up window."""
    files, keep = gather(time.time() - LOOKUP_WINDOW)
    yield Walk("files", {"purpose": "batch", "order": "desc"}, keep)
    copies: dict[tuple[str, int], list[OpenAIFile]] = {}
    for found in files:
        if isinstance(found.filename, str) and found.filename.startswith(UPLOAD_PREFIX):
            copies.setdefault((found.filename, found.bytes_), []).append(found)
    return {key: earliest(same) for key, same in copies.items()}


def send_block(table: Any, spec: BlockSpec) -> list[dict[str, Any]]:
    """Render, check, shard and upload one block; one JSON-able record per shard (see ``_manifest``)."""
    if table.num_rows == 0:
        return []
    if spec.id_column is not None and spec.id_column in table.column_names:
        # Ray Data does not keep row order unless asked (preserve_order): sorted by id, the same
        # rows make the same block key, shards and uploads whatever order they arrived in.
        table = table.sort_by(spec.id_column)
    key = block_key(table)
    with tempfile.TemporaryDirectory(prefix="openai-batch-ray-") as scratch:
        requests = Path(scratch) / "requests.jsonl"
        _render(table, spec, key, requests)
        plans = plan_shards(requests, endpoint=spec.endpoint, limits=spec.limits)
        shards: list[dict[str, Any]] = []
        with spec.settings.client() as client, JobStore(Path(scratch) / "uploads.sqlite") as store:
            # The scratch store only receives the upload step's records (intent, id, duplicates).
            row = JobRow(f"block-{key}", str(requests), key, spec.endpoint, "24h", {}, spec.limits.to_dict(), {})
            # One walk of the file list per task (not one per shard) finds what an earlier try uploaded.
            patience = Patience(deadline=spec.patience)
            uploaded = run_sync(patience.call("listing this job's earlier uploads", _earlier_uploads), client)
            for plan in plans:
                sha = _range_sha256(requests, plan.offset, plan.byte_size)
                name = f"{UPLOAD_PREFIX}{sha[:32]}.jsonl"
                shard = ShardRow(
                    job_id=row.job_id,
                    shard_index=plan.index,
                    path=str(requests),
                    byte_offset=plan.offset,
                    byte_size=plan.byte_size,
                    request_count=plan.request_count,
                    first_line=plan.first_line,
                    token=name,
                    model=plan.model,
                    token_estimate=plan.token_estimate,
                )
                earlier = uploaded.get((name, plan.byte_size))
                if earlier is not None:
                    shard.file_id = earlier.id  # an earlier try of this task (or run) uploaded it
                else:
                    run_sync(_ensure_uploaded(store, row, shard, patience), client)
                first_row = plan.first_line - 1  # the planner counts lines from 1, rows count from 0
                columns = None
                if spec.columns_dir is not None:
                    columns = _keep_columns(table.slice(first_row, plan.request_count), spec.columns_dir, name)
                shards.append(
                    {
                        "name": name,
                        "sha256": sha,
                        "bytes": plan.byte_size,
                        "requests": plan.request_count,
                        "model": plan.model,
                        "token_estimate": plan.token_estimate,
                        "file_id": shard.file_id,
                        "block": key,
                        "first_row": first_row,
                        "columns": columns,
                    }
                )
    return shards
