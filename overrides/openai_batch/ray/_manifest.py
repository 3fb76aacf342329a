"""The manifest of a job sent from Ray Data: small, JSON-able, and enough to resume it on any machine.

It names the job and each shard: its upload (name, sha256, size, file id), model, token
estimate, where its rows' input columns were kept, and (once known) its batch and result
files. The job's id is the engine's own (``JobDefinition.job_id``): a hash of the endpoint,
completion window, origin, limits, metadata and of the shards' contents, listed in a fixed
order. The same dataset, blocked the same way, names the same job, so its batches (tagged
``<job id>:<shard>:<attempt>``) are found again on the service instead of created twice.

To run that job, the manifest is recorded in an ordinary state file (:func:`register`): the
shard list is written as the job's input file (``inputs/<job id>.shards.json`` beside the
state file), and each shard row carries its upload's file id, so the engine goes straight
to creating batches under the queue, polling, and re-queueing token-limit failures.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..workflow._identity import JobDefinition
from ..workflow._limits import BatchLimits
from ..workflow._store import JobRow, JobStore, ShardRow

__all__ = ["MANIFEST_KIND", "build_manifest", "load_manifest", "register", "save_manifest", "snapshot"]

MANIFEST_KIND = "openai-batch-ray-job"
# What defines a shard's content (not where its upload or columns happen to be).
_CONTENT = ("name", "sha256", "bytes", "requests", "model", "token_estimate")
# What a manifest shows of each shard's batch, as last recorded.
_BATCH_FIELDS = ("attempt", "batch_id", "status", "output_file_id", "error_file_id", "errors")


def _input_document(shards: Iterable[Mapping[str, Any]]) -> bytes:
    """The job's input as the engine sees it: its shards' contents, canonical JSON, in order."""
    return json.dumps([{k: s[k] for k in _CONTENT} for s in shards], sort_keys=True, separators=(",", ":")).encode()


def build_manifest(
    written: Iterable[Mapping[str, Any]],
    *,
    endpoint: str,
    completion_window: str,
    origin: Mapping[str, str | None],
    limits: BatchLimits,
    metadata: Mapping[str, str],
    client: Mapping[str, Any],
    id_column: str | None,
    columns_dir: str | None,
) -> dict[str, Any]:
    """The manifest of the shards the write tasks returned (any order): shards sorted by block, then row."""
    ordered = sorted(written, key=lambda s: (s["block"], s["first_row"]))
    definition = JobDefinition(
        input_sha256=hashlib.sha256(_input_document(ordered)).hexdigest(),
        endpoint=endpoint,
        completion_window=completion_window,
        origin=dict(origin),
        limits=limits.to_dict(),
        metadata=dict(metadata),
    )
    shards = []
    for index, shard in enumerate(ordered):
        entry = {"index": index, **shard}
        entry.update({name: None for name in _BATCH_FIELDS})
        entry["attempt"] = 1
        shards.append(entry)
    return {
        "kind": MANIFEST_KIND,
        "version": 1,
        "job_id": definition.job_id,
        "definition": definition.to_dict(),
        "client": dict(client),
        "id_column": id_column,
        "columns_dir": columns_dir,
        "requests": sum(s["requests"] for s in shards),
        "shards": shards,
    }


def load_manifest(manifest: Mapping[str, Any] | str | os.PathLike[str]) -> dict[str, Any]:
    """A manifest given as a dict or as the path of its JSON file, checked to be one."""
    if isinstance(manifest, str | os.PathLike):
        path = Path(manifest)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ValueError(f"manifest {path}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise ValueError(f"manifest {path}: not JSON: {exc}") from None
        where = str(path)
    else:
        data, where = dict(manifest), "the manifest"
    if not isinstance(data, dict) or data.get("kind") != MANIFEST_KIND:
        raise ValueError(f"{where} is not a manifest of a Ray batch job (no kind {MANIFEST_KIND!r})")
    for field in ("job_id", "definition", "client", "shards"):
        if field not in data:
            raise ValueError(f"{where}: field {field!r} is missing")
    definition = JobDefinition.from_dict(data["definition"])
    if definition.job_id != data["job_id"]:
        raise ValueError(f"{where}: its job_id {data['job_id']} does not match its definition (edited by hand?)")
    if hashlib.sha256(_input_document(data["shards"])).hexdigest() != definition.input_sha256:
        raise ValueError(f"{where}: its shards do not match its job's definition (edited by hand?)")
    return data


def save_manifest(manifest: Mapping[str, Any], path: str | os.PathLike[str]) -> None:
    """Write the manifest as JSON to ``path``, atomically (a reader never sees half of it)."""
    target = Path(path)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    partial.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(partial, target)


def register(store: JobStore, manifest: Mapping[str, Any]) -> JobRow:
    """The job's row in ``store``, recorded from the manifest the first time (idempotent)."""
    job_id = manifest["job_id"]
    found = store.get_job(job_id)
    if found is not None:
        return found
    definition = JobDefinition.from_dict(manifest["definition"])
    inputs = Path(store.path).parent / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    path = inputs / f"{job_id}.shards.json"
    path.write_bytes(_input_document(manifest["shards"]))
    stat = path.stat()
    row = JobRow(
        job_id=job_id,
        input_path=str(path),
        input_digest=definition.input_sha256,
        endpoint=definition.endpoint,
        completion_window=definition.completion_window,
        metadata=dict(definition.metadata),
        limits=dict(definition.limits),
        definition=definition.to_dict(),
        request_count=sum(s["requests"] for s in manifest["shards"]),
        sharded=True,
        input_size=stat.st_size,
        input_mtime_ns=stat.st_mtime_ns,
        created_at=time.time(),
    )
    rows, line = [], 1
    for shard in manifest["shards"]:
        rows.append(
            ShardRow(
                job_id=job_id,
                shard_index=shard["index"],
                # Uploaded by a worker already: the engine never reads this range (file_id is set).
                path=str(path),
                byte_offset=0,
                byte_size=shard["bytes"],
                request_count=shard["requests"],
                first_line=line,
                token=shard["name"],
                model=shard["model"],
                token_estimate=shard["token_estimate"],
                file_id=shard["file_id"],
            )
        )
        line += shard["requests"]
    with store.transaction():
        store.create_job(row)
        store.add_shards(rows)
    return row


def snapshot(manifest: Mapping[str, Any], store: JobStore) -> dict[str, Any]:
    """The manifest with each shard's batch as ``store`` last recorded it."""
    recorded = {s.shard_index: s for s in store.shards(manifest["job_id"])}
    shards = []
    for shard in manifest["shards"]:
        row = recorded.get(shard["index"])
        entry = dict(shard)
        if row is not None:
            entry.update({name: getattr(row, name) for name in _BATCH_FIELDS})
        shards.append(entry)
    return {**manifest, "shards": shards}
