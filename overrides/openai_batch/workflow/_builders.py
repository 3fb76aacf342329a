"""Typed writers for Batch API input files: one JSON request per line, written as a stream."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ._limits import BATCH_ENDPOINTS, EMBEDDINGS_ENDPOINT, BatchLimits, embedding_input_count

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ..tables import RequestTemplate

__all__ = ["BatchInputWriter"]

# Compact separators: the 200 MB per-file limit is counted in bytes, so every byte matters.
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class BatchInputWriter:
    """Write a Batch API input file request by request, without holding the requests in memory.

    The file appears at ``path`` only when the ``with`` block ends without an error (it is
    written to a temporary name and renamed), so a crash never leaves half a file behind.
    A duplicate ``custom_id`` or a second model is rejected at the call that adds it.

    Example::

        with BatchInputWriter("questions.jsonl", endpoint="/v1/chat/completions") as w:
            for i, q in enumerate(questions):
                w.chat(f"q-{i}", model="gpt-4o-mini", messages=[{"role": "user", "content": q}])
        print(w.request_count, w.byte_size)

    Pass ``limits=BatchLimits()`` to also refuse a request that would not fit in one batch;
    without it the file may be any size, and a :class:`~openai_batch.workflow.Job` shards it.
    """

    def __init__(self, path: str | os.PathLike[str], *, endpoint: str, limits: BatchLimits | None = None) -> None:
        if endpoint not in BATCH_ENDPOINTS:
            raise ValueError(f"unsupported batch endpoint {endpoint!r}; expected one of {sorted(BATCH_ENDPOINTS)}")
        self.path = Path(path)
        self.endpoint = endpoint
        self.limits = limits
        self.request_count = 0
        self.byte_size = 0
        self.embedding_inputs = 0
        self.model: str | None = None
        # Only ids are kept (not requests): enough to refuse a duplicate at once.
        self._ids: set[str] = set()
        self._tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        self._file = self._tmp.open("wb")
        self._closed = False

    def __enter__(self) -> BatchInputWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def add(self, custom_id: str, body: Mapping[str, Any]) -> None:
        """Append one request for this writer's endpoint; ``body`` is the endpoint's JSON body."""
        if self._closed:
            raise ValueError(f"{self.path}: the writer is closed")
        if not isinstance(custom_id, str) or not custom_id:
            raise ValueError(f"{self.path}: custom_id must be a non-empty string, got {custom_id!r}")
        if custom_id in self._ids:
            raise ValueError(f"{self.path}: duplicate custom_id {custom_id!r} (request {self.request_count + 1})")
        if not isinstance(body, Mapping):
            raise TypeError(f"{self.path}: body of {custom_id!r} must be a mapping, got {type(body).__name__}")
        model = body.get("model")
        if model is not None:
            if self.model is None:
                self.model = str(model)
            elif model != self.model:
                raise ValueError(
                    f"{self.path}: request {custom_id!r} uses model {model!r}, but this file already uses "
                    f"{self.model!r}; a batch runs one model"
                )
        line = _dumps({"custom_id": custom_id, "method": "POST", "url": self.endpoint, "body": dict(body)})
        data = line.encode() + b"\n"
        inputs = embedding_input_count(body) if self.endpoint == EMBEDDINGS_ENDPOINT else 0
        if self.limits is not None:
            self._check_limits(custom_id, len(data), inputs)
        self._file.write(data)
        self._ids.add(custom_id)
        self.request_count += 1
        self.byte_size += len(data)
        self.embedding_inputs += inputs

    def has_id(self, custom_id: str) -> bool:
        """Whether a request with this ``custom_id`` was already added."""
        return custom_id in self._ids

    def from_table(
        self,
        source: object,
        requests: RequestTemplate | Callable[[dict[str, Any]], Mapping[str, Any]],
        *,
        id_column: str | None = None,
    ) -> int:
        """Add one request per row of a table (the ``tables`` extra); returns how many rows.

        ``source`` is a path (Parquet, CSV, JSONL), a pyarrow Table or RecordBatchReader, a
        pandas or polars DataFrame, a ``datasets.Dataset`` or an iterable of dicts, read in
        bounded record batches; ``requests`` a :class:`~openai_batch.tables.RequestTemplate`
        or a function from a row to a body. Ids come from ``id_column`` or the row number
        (see :func:`~openai_batch.tables.write_requests`, which also keeps the input's
        columns to join back to the results).

        Example::

            with BatchInputWriter("requests.jsonl", endpoint="/v1/chat/completions") as w:
                w.from_table("reviews.csv", RequestTemplate("Classify: {text}", model="gpt-4o-mini"), id_column="id")
        """
        from ..tables._write import fill_writer

        return fill_writer(self, source, requests, id_column=id_column)

    def _check_limits(self, custom_id: str, size: int, inputs: int) -> None:
        assert self.limits is not None
        if self.request_count + 1 > self.limits.max_requests:
            raise ValueError(f"{self.path}: {custom_id!r} would exceed {self.limits.max_requests} requests per batch")
        if self.byte_size + size > self.limits.max_bytes:
            raise ValueError(f"{self.path}: {custom_id!r} would exceed {self.limits.max_bytes} bytes per batch")
        if self.embedding_inputs + inputs > self.limits.max_embedding_inputs:
            raise ValueError(
                f"{self.path}: {custom_id!r} would exceed {self.limits.max_embedding_inputs} embedding inputs per batch"
            )

    def _require(self, endpoint: str, method: str) -> None:
        if self.endpoint != endpoint:
            raise ValueError(
                f"{self.path}: {method}() writes {endpoint} requests, but this file is for {self.endpoint}"
            )

    def chat(
        self,
        custom_id: str,
        *,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        response_format: type[BaseModel] | Mapping[str, Any] | None = None,
        **params: Any,
    ) -> None:
        """A ``/v1/chat/completions`` request; ``params`` are the other body fields (``max_tokens``, ...).

        ``response_format`` may be a pydantic model class: the request then asks for that
        model's JSON (a strict ``json_schema`` format), which ``job.results(parse=Model)`` reads.
        """
        self._require("/v1/chat/completions", "chat")
        body: dict[str, Any] = {"model": model, "messages": [dict(m) for m in messages], **params}
        if isinstance(response_format, type):
            from ._strict_schema import chat_response_format

            body["response_format"] = chat_response_format(response_format)
        elif response_format is not None:
            body["response_format"] = dict(response_format)
        self.add(custom_id, body)

    def responses(
        self,
        custom_id: str,
        *,
        model: str,
        input: str | list[Any],
        text_format: type[BaseModel] | None = None,
        **params: Any,
    ) -> None:
        """A ``/v1/responses`` request.

        ``text_format`` (a pydantic model class) sets ``text.format`` to that model's strict
        JSON schema, keeping any other ``text`` fields given in ``params``.
        """
        self._require("/v1/responses", "responses")
        body: dict[str, Any] = {"model": model, "input": input, **params}
        if text_format is not None:
            from ._strict_schema import text_format as format_for

            body["text"] = {**dict(body.get("text") or {}), "format": format_for(text_format)}
        self.add(custom_id, body)

    def embeddings(self, custom_id: str, *, model: str, input: str | list[Any], **params: Any) -> None:
        """A ``/v1/embeddings`` request (a string, or a list of strings counting one input each)."""
        self._require(EMBEDDINGS_ENDPOINT, "embeddings")
        self.add(custom_id, {"model": model, "input": input, **params})

    def completions(self, custom_id: str, *, model: str, prompt: str | list[Any], **params: Any) -> None:
        """A legacy ``/v1/completions`` request."""
        self._require("/v1/completions", "completions")
        self.add(custom_id, {"model": model, "prompt": prompt, **params})

    def moderations(self, custom_id: str, *, input: str | list[Any], model: str | None = None, **params: Any) -> None:
        """A ``/v1/moderations`` request."""
        self._require("/v1/moderations", "moderations")
        body: dict[str, Any] = {"input": input, **params}
        if model is not None:
            body["model"] = model
        self.add(custom_id, body)

    def close(self) -> Path:
        """Finish the file and move it into place; returns its path."""
        if not self._closed:
            self._closed = True
            self._file.close()
            os.replace(self._tmp, self.path)
        return self.path

    def abort(self) -> None:
        """Drop what was written; nothing appears at ``path``."""
        if not self._closed:
            self._closed = True
            self._file.close()
            self._tmp.unlink(missing_ok=True)
