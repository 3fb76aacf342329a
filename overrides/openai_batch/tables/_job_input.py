"""Where a job submitted straight from a table keeps its request file: beside its state file.

``Job.submit_table`` writes the requests (and the input's columns) under ``inputs/`` next
to the state file, named by the requests' own sha256: the same table and template give the
same file, hence the same job id, so submitting again resumes the job instead of starting
another. The file must stay until the results are written (results are joined to it);
``job.prune()`` leaves it, as it leaves any input file. A ``requests_path`` of the
caller's own choosing is used as it is.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from ..workflow._ranges import READ_BUFFER
from ..workflow._store import DEFAULT_STATE_PATH, JobStore
from ._columns_file import columns_path
from ._write import Requests, write_requests

__all__ = ["inputs_dir", "write_job_input"]


def inputs_dir(state: str | os.PathLike[str] | JobStore | None) -> Path:
    """The folder for request files built from tables: ``inputs/`` beside the state file."""
    if isinstance(state, JobStore):
        return Path(state.path).parent / "inputs"
    return Path(state if state is not None else DEFAULT_STATE_PATH).parent / "inputs"


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb", buffering=READ_BUFFER) as stream:
        while block := stream.read(READ_BUFFER):
            digest.update(block)
    return digest.hexdigest()


def write_job_input(
    source: object,
    requests: Requests,
    *,
    state: str | os.PathLike[str] | JobStore | None = None,
    requests_path: str | os.PathLike[str] | None = None,
    **options: Any,
) -> Path:
    """Build the request file for a job from a table; returns its path (see the module's docstring)."""
    if requests_path is not None:
        return write_requests(source, requests_path, requests, **options).path
    folder = inputs_dir(state)
    folder.mkdir(parents=True, exist_ok=True)
    building = folder / f"building-{os.getpid()}.jsonl"
    built = write_requests(source, building, requests, **options)
    final = folder / f"table-{_digest(built.path)[:16]}.jsonl"
    if built.columns_path is not None:
        os.replace(built.columns_path, columns_path(final))
    os.replace(built.path, final)
    return final
