"""Split a validated input file into shard files that each fit one batch, as a stream."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import attrs

from .._tokens import TokenCounter
from ._json import loads
from ._limits import EMBEDDINGS_ENDPOINT, BatchLimits, embedding_input_count
from ._ranges import READ_BUFFER

__all__ = ["ShardPlan", "ShardPlanner", "ShardSpec", "plan_shards", "shard_input_file"]


@attrs.frozen
class ShardSpec:
    """One shard file: its ``index`` (from 0), ``path``, size, and the input line it starts at.

    Example::

        for shard in shard_input_file("requests.jsonl", "shards/", endpoint="/v1/embeddings", limits=BatchLimits()):
            print(shard.index, shard.path, shard.request_count, shard.first_line)
    """

    index: int
    path: Path
    request_count: int
    byte_size: int
    embedding_inputs: int
    first_line: int


class _ShardFile:
    def __init__(self, index: int, path: Path, first_line: int) -> None:
        self.index = index
        self.path = path
        self.first_line = first_line
        self.tmp = path.with_name(f".{path.name}.tmp")
        self.handle: BinaryIO = self.tmp.open("wb")
        self.requests = 0
        self.size = 0
        self.inputs = 0

    def write(self, data: bytes, inputs: int) -> None:
        self.handle.write(data)
        self.requests += 1
        self.size += len(data)
        self.inputs += inputs

    def finish(self) -> ShardSpec:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        os.replace(self.tmp, self.path)
        return ShardSpec(self.index, self.path, self.requests, self.size, self.inputs, self.first_line)

    def discard(self) -> None:
        self.handle.close()
        self.tmp.unlink(missing_ok=True)


def _lines(path: Path) -> Iterator[bytes]:
    with path.open("rb", buffering=READ_BUFFER) as handle:
        for raw in handle:
            if raw.strip():
                yield raw if raw.endswith(b"\n") else raw + b"\n"


@attrs.frozen
class ShardPlan:
    """One shard as a byte range of the input: no copy is written unless it holds blank lines.

    Example::

        for part in plan_shards("requests.jsonl", endpoint="/v1/chat/completions", limits=BatchLimits()):
            print(part.index, part.offset, part.byte_size, part.request_count)
    """

    index: int
    offset: int
    byte_size: int
    request_count: int
    embedding_inputs: int
    first_line: int
    #: Blank lines or a last line without a newline inside the range: upload a compact copy instead.
    needs_copy: bool
    #: The requests' model (one per job) and their estimated input tokens (see ``_tokens``).
    model: str | None = None
    token_estimate: int = 0


class ShardPlanner:
    """Cuts input lines, fed one at a time in file order, into byte ranges within ``limits``.

    A range closes when the next line would pass any limit (requests, bytes, embedding
    inputs or estimated tokens), counted over the request lines as they would be uploaded.
    Each range records its requests' model and estimated input tokens (``counter``, default
    a fresh :class:`~openai_batch._tokens.TokenCounter`); ``keep_ids``, when given, receives
    each range's index and custom_ids (joined by newlines) as the range closes. Fed by
    :func:`plan_shards`, or by the validator while it reads the file anyway (a new job's one
    pass over its input).

    Example::

        planner = ShardPlanner(endpoint="/v1/chat/completions", limits=BatchLimits())
        with open("requests.jsonl", "rb") as handle:
            for raw in handle:
                planner.add(raw, json.loads(raw) if raw.strip() else None)
        plans = planner.finish()
    """

    _HELD_BODIES = 256
    _HELD_BYTES = 1 << 20

    def __init__(
        self,
        *,
        endpoint: str,
        limits: BatchLimits,
        counter: TokenCounter | None = None,
        keep_ids: Callable[[int, bytes], None] | None = None,
    ) -> None:
        self._endpoint = endpoint
        self._limits = limits
        self._count_inputs = endpoint == EMBEDDINGS_ENDPOINT
        self._counter = counter or TokenCounter()
        self._plans: list[ShardPlan] = []
        self._start = self._position = 0
        self._requests = self._size = self._inputs = self._tokens = 0
        self._line_no = 0
        self._first_line = 1
        self._needs_copy = False
        self._model: str | None = None
        # Each closed range's custom_ids go to ``keep_ids`` (the job store) as they are complete,
        # so the plans never hold a job's ids: only the open range's are in memory.
        self._keep_ids = keep_ids
        self._ids: list[str] = []
        # Bodies go to the counter a few hundred at a time (one call instead of one per line),
        # and at most about a mebibyte of lines' worth is held.
        self._bodies: list[dict[str, Any]] = []
        self._counted_size = 0  # the open range's bytes when its bodies were last counted

    def add(self, raw: bytes, item: object) -> None:
        """The next line of the file, as read (``raw``) and parsed (``item``; None if blank)."""
        self._line_no += 1
        if item is None and (not raw or raw.isspace()):
            self._position += len(raw)
            self._needs_copy = self._needs_copy or self._requests > 0
            if self._requests == 0:
                self._start = self._position  # leading blank lines stay out of the range
            return
        terminated = raw if raw.endswith(b"\n") else raw + b"\n"
        size = len(terminated)
        if type(item) is dict:
            found, custom_id = item.get("body"), item.get("custom_id")
        else:
            found = custom_id = None
        body: dict[str, Any] = found if isinstance(found, dict) else {}
        limits = self._limits
        count = embedding_input_count(body) if self._count_inputs else 0
        # Only a cap needs each request's own estimate; otherwise the counter sums a shard at once.
        max_tokens = limits.max_tokens
        line_tokens = self._counter.estimator.body_tokens(self._endpoint, body) if max_tokens is not None else 0
        if self._requests and (
            self._requests + 1 > limits.max_requests
            or self._size + size > limits.max_bytes
            or self._inputs + count > limits.max_embedding_inputs
            or (max_tokens is not None and self._tokens + line_tokens > max_tokens)
        ):
            self._close()
            self._start = self._position
            self._requests = self._size = self._inputs = self._tokens = self._counted_size = 0
            self._needs_copy = False
        if self._requests == 0:
            self._first_line = self._line_no
            model = body.get("model")
            self._model = model if isinstance(model, str) else None
        self._requests += 1
        self._size += size
        self._inputs += count
        self._tokens += line_tokens
        if self._keep_ids is not None:
            self._ids.append(custom_id if type(custom_id) is str else "\n")  # "\n": not an id to keep
        bodies = self._bodies
        bodies.append(body)
        if len(bodies) >= self._HELD_BODIES or self._size - self._counted_size >= self._HELD_BYTES:
            self._count_bodies()
        if terminated is not raw:
            self._needs_copy = True
        self._position += len(raw)

    def _count_bodies(self) -> None:
        self._counter.add_all(self._endpoint, self._bodies)
        self._bodies = []
        self._counted_size = self._size

    def _close(self) -> None:
        self._count_bodies()
        totals = self._counter.reset()
        if self._keep_ids is not None:
            joined = "\n".join(self._ids)
            # An id with a newline of its own (or a line without one) would shift every id after it.
            if joined.count("\n") == len(self._ids) - 1:
                self._keep_ids(len(self._plans), joined.encode("utf-8", "surrogatepass"))
            self._ids = []
        self._plans.append(
            ShardPlan(
                len(self._plans),
                self._start,
                self._position - self._start,
                self._requests,
                self._inputs,
                self._first_line,
                self._needs_copy,
                self._model,
                sum(totals.values()),
            )
        )

    def finish(self) -> list[ShardPlan]:
        """The ranges, in input order (the last one closed here)."""
        if self._requests:
            self._close()
            self._requests = 0
        return self._plans


def plan_shards(
    path: str | os.PathLike[str], *, endpoint: str, limits: BatchLimits, counter: TokenCounter | None = None
) -> list[ShardPlan]:
    """Cut ``path`` (already validated) into consecutive byte ranges within ``limits``, in input order.

    See :class:`ShardPlanner` for the rules.
    """
    planner = ShardPlanner(endpoint=endpoint, limits=limits, counter=counter)
    with open(path, "rb", buffering=READ_BUFFER) as handle:
        for raw in handle:
            planner.add(raw, loads(raw) if raw.strip() else None)
    return planner.finish()


def shard_input_file(
    path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    endpoint: str,
    limits: BatchLimits,
    name: Callable[[int], str] = lambda index: f"shard-{index:05d}.jsonl",
) -> list[ShardSpec]:
    """Cut ``path`` (already validated) into consecutive shards within ``limits``, written to ``out_dir``.

    Lines keep their input order, so shard 0 holds the first requests. A shard closes when
    the next line would pass any limit (requests, bytes, or embedding inputs). Each shard
    file is complete on disk (fsynced, renamed into place) before the next one starts.
    """
    source = Path(path)
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    count_inputs = endpoint == EMBEDDINGS_ENDPOINT
    specs: list[ShardSpec] = []
    current: _ShardFile | None = None
    try:
        for line_no, raw in enumerate(_lines(source), 1):
            inputs = embedding_input_count(json.loads(raw).get("body")) if count_inputs else 0
            if current is not None and (
                current.requests + 1 > limits.max_requests
                or current.size + len(raw) > limits.max_bytes
                or current.inputs + inputs > limits.max_embedding_inputs
            ):
                specs.append(current.finish())
                current = None
            if current is None:
                index = len(specs)
                current = _ShardFile(index, directory / name(index), line_no)
            current.write(raw, inputs)
        if current is not None:
            specs.append(current.finish())
            current = None
    finally:
        if current is not None:
            current.discard()
    return specs
