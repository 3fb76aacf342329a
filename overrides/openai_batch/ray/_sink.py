"""``BatchDatasink``: a Ray Data datasink that turns a dataset into one Batch API job.

What runs where:

* each write task (a worker) renders its block's rows into requests, checks them, cuts them
  into shards within the batch limits, uploads each shard and keeps its rows' columns
  (``columns_dir``) for the join back; nothing there creates a batch;
* the driver, in ``on_write_complete``, orders the shards, names the job and creates its
  batches through the job engine, as many as the account's enqueued-token queue admits (one
  admitter: the budget holds however many workers there are). The rest are created by
  :func:`openai_batch.ray.wait` as room frees up.

Ray's ``Datasink`` API: https://docs.ray.io/en/latest/data/api/doc/ray.data.Datasink.html
(``write`` runs in each write task; ``on_write_complete`` runs once on the driver with every
task's return value).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..tables._render import RequestTemplate
from ..workflow._limits import BatchLimits
from ..workflow._protocols import ClientLike
from ..workflow._queue import QueuePolicy
from ._blocks import BlockSpec, send_block
from ._driver import open_job
from ._manifest import build_manifest, save_manifest
from ._require import require_ray_data
from ._settings import ClientSettings

if TYPE_CHECKING:
    from ..workflow._store import JobStore

__all__ = ["BatchDatasink"]

_Datasink: Any = require_ray_data().Datasink


class BatchDatasink(_Datasink):  # type: ignore[misc]  # Ray's classes carry no types mypy checks
    """Write a dataset as a Batch API job: ``ds.write_datasink(sink)``, then ``sink.manifest``.

    ``request`` is a :class:`~openai_batch.tables.RequestTemplate` or a function from a row (a
    dict of its columns) to a request body (then give ``endpoint``). ``id_column`` gives
    each row's ``custom_id`` (else one is made from the block's content and the row's place
    in it). ``columns_dir`` (a local path or any URI pyarrow opens, ``s3://...``) keeps each
    shard's input rows for :func:`~openai_batch.ray.read_results` to join back. ``settings``
    says where to send (no key: each process reads it from ``settings.api_key_env``);
    ``client`` is the driver's own client, if it has one. ``state`` is the driver's state
    file, ``queue`` its :class:`~openai_batch.workflow.QueuePolicy`. The manifest is also
    written to ``manifest_path`` when given. Each write task takes at least ``rows_per_write``
    rows (default: a full shard, ``limits.max_requests``), so small blocks do not make small
    batches.

    Example::

        sink = BatchDatasink(
            request=RequestTemplate("Classify: {text}", model="gpt-4o-mini"),
            id_column="review_id", columns_dir="s3://bucket/job-columns/", manifest_path="job.json",
        )
        ray.data.read_parquet("s3://bucket/reviews/").write_datasink(sink)
        manifest = openai_batch.ray.wait(sink.manifest)
        openai_batch.ray.read_results(manifest).write_parquet("s3://bucket/labels/")
    """

    def __init__(
        self,
        request: RequestTemplate | Callable[[dict[str, Any]], Mapping[str, Any]],
        *,
        endpoint: str | None = None,
        id_column: str | None = None,
        columns_dir: str | None = None,
        settings: ClientSettings | None = None,
        client: ClientLike | None = None,
        completion_window: str = "24h",
        metadata: Mapping[str, str] | None = None,
        limits: BatchLimits | None = None,
        queue: QueuePolicy | None = None,
        state: str | os.PathLike[str] | JobStore | None = None,
        manifest_path: str | os.PathLike[str] | None = None,
        rows_per_write: int | None = None,
    ) -> None:
        chosen = endpoint or (request.endpoint if isinstance(request, RequestTemplate) else "/v1/chat/completions")
        if settings is None:
            settings = ClientSettings.from_client(client) if client is not None else ClientSettings()
        if columns_dir is not None and "://" not in columns_dir:
            # A local folder: the workers' working directory need not be the driver's.
            columns_dir = os.path.abspath(columns_dir)
        self._spec = BlockSpec(
            requests=request,
            endpoint=chosen,
            limits=limits or BatchLimits(),
            settings=settings,
            id_column=id_column,
            columns_dir=columns_dir,
        )
        self._completion_window = completion_window
        self._metadata = dict(metadata or {})
        # Driver-side only: dropped when Ray pickles the sink into its write tasks (see __getstate__).
        self._client = client
        self._queue = queue
        self._state = state
        self._manifest_path = manifest_path
        if rows_per_write is not None and rows_per_write < 1:
            raise ValueError(f"rows_per_write must be 1 or more, got {rows_per_write}")
        # Ray's blocks are often small (a few thousand rows): each write task is given at least
        # this many rows, so a shard (one batch) is full rather than one per little block.
        self._rows_per_write = rows_per_write or self._spec.limits.max_requests
        #: The job's manifest once the write is complete (a small JSON-able dict).
        self.manifest: dict[str, Any] | None = None

    def __getstate__(self) -> dict[str, Any]:
        # The write tasks need the block spec alone: never the driver's client (or its state file).
        state = dict(self.__dict__)
        state.update(_client=None, _state=None)
        return state

    def get_name(self) -> str:
        return "OpenAIBatch"

    @property
    def min_rows_per_write(self) -> int:
        return self._rows_per_write

    def write(self, blocks: Iterable[Any], ctx: Any) -> list[dict[str, Any]]:
        """On a worker: each block rendered, checked, sharded and uploaded; the shards' records returned."""
        import pyarrow
        from ray.data.block import BlockAccessor

        # The task's blocks are one unit (about rows_per_write rows): one key, shards cut across them.
        tables = [BlockAccessor.for_block(block).to_arrow() for block in blocks]
        tables = [table for table in tables if table.num_rows]
        if not tables:
            return []
        return send_block(pyarrow.concat_tables(tables, promote_options="default"), self._spec)

    def on_write_complete(self, write_result: Any) -> None:
        """On the driver: the job named from every shard, and its batches created as the queue admits."""
        written = [shard for returned in write_result.write_returns for shard in returned]
        if not written:
            raise ValueError("the dataset has no rows: there is nothing to send")
        settings = self._spec.settings
        if self._client is not None:
            from ..workflow._identity import client_origin

            origin = client_origin(self._client)
        else:
            origin = settings.origin()
        manifest = build_manifest(
            written,
            endpoint=self._spec.endpoint,
            completion_window=self._completion_window,
            origin=origin,
            limits=self._spec.limits,
            metadata=self._metadata,
            client=settings.to_dict(),
            id_column=self._spec.id_column,
            columns_dir=self._spec.columns_dir,
        )
        with open_job(manifest, client=self._client, state=self._state, queue=self._queue) as (job, recorded):
            job.start()
            self.manifest = recorded()
        if self._manifest_path is not None:
            save_manifest(self.manifest, self._manifest_path)
