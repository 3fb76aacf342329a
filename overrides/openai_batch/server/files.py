"""The Files operations over the store: upload (streamed to disk), retrieve, list, delete, content."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from .clock import Clock
from .errors import ApiError, bad_request, not_found
from .ids import new_file_id
from .options import ServerOptions
from .params import FILE_PURPOSES, invalid, list_page
from .store import FileRecord, Store

_COPY_CHUNK = 1024 * 1024


class _TooLarge(Exception):
    pass


#: The service's answer to a batch upload that is not JSON Lines, word for word, with ``param``
#: and ``code`` null (seen in litellm's proxy tests recorded against the service: BerriAI/litellm#37527).
NOT_JSONL = "Invalid file format for Batch API. Must be .jsonl"


def _is_jsonl(path: Path) -> bool:
    """Whether ``path`` is JSON Lines: empty, or at least one of its lines is a JSON object.

    The service judges a batch upload by its content, not its name: the openai SDK names an
    upload of bare bytes ``upload`` and the service takes it (curator's tests, recorded
    against the service, show 200 and ``"filename": "upload"``), while prose or CSV is
    refused. A JSON Lines file with some bad lines is taken: each bad line is reported when
    a batch is created from it (``invalid_json_line`` with its line number), as the service
    does. Read a line at a time, stopping at the first object.
    """
    blank = True
    with path.open("rb") as lines:
        for line in lines:
            if not line.strip():
                continue
            blank = False
            try:
                if isinstance(orjson.loads(line), dict):
                    return True
            except orjson.JSONDecodeError:
                continue
    return blank


def _copy_limited(source: BinaryIO, target: BinaryIO, limit: int) -> int:
    copied = 0
    while chunk := source.read(_COPY_CHUNK):
        copied += len(chunk)
        if copied > limit:
            raise _TooLarge
        target.write(chunk)
    return copied


class FileService:
    """Files of one store, timestamped with the simulated clock.

    Example::

        files = FileService(store, clock, ServerOptions())
        record = files.create(open("in.jsonl", "rb"), filename="in.jsonl", purpose="batch")
    """

    def __init__(self, store: Store, clock: Clock, options: ServerOptions) -> None:
        self._store = store
        self._clock = clock
        self._options = options

    def create(
        self, source: BinaryIO, *, filename: str, purpose: str, expires_after: dict[str, Any] | None = None
    ) -> FileRecord:
        if purpose not in FILE_PURPOSES:
            raise invalid("purpose", f"{purpose!r} is not supported; supported values are: {', '.join(FILE_PURPOSES)}.")
        temp = self._store.new_temp_path(uuid.uuid4().hex)
        try:
            with temp.open("wb") as target:
                size = _copy_limited(source, target, self._options.max_upload_bytes)
        except _TooLarge:
            temp.unlink(missing_ok=True)
            raise bad_request(
                f"File is too large: the limit is {self._options.max_upload_bytes} bytes.",
                param="file",
                code="file_too_large",
            ) from None
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        if purpose == "batch" and not _is_jsonl(temp):
            temp.unlink(missing_ok=True)
            raise bad_request(NOT_JSONL)
        created_at = int(self._clock.now())
        record = FileRecord(
            id=new_file_id(),
            bytes=size,
            created_at=created_at,
            filename=Path(filename).name or "upload",
            purpose=purpose,
            expires_at=None if expires_after is None else created_at + int(expires_after["seconds"]),
        )
        temp.replace(self._store.file_path(record.id))
        self._store.insert_file(record)
        return record

    def retrieve(self, file_id: str) -> FileRecord:
        record = self._store.get_file(file_id, now=self._clock.now())
        if record is None:
            raise not_found(f"No such File object: {file_id}", param="id")
        return record

    def list(self, *, purpose: str | None, limit: int, ascending: bool, after: str | None) -> dict[str, Any]:
        after_seq = None
        if after is not None:
            after_seq = self._store.file_seq(after)
            if after_seq is None:
                raise bad_request(f"Invalid 'after': no file with id {after!r}.", param="after")
        records, has_more = self._store.list_files(
            now=self._clock.now(), purpose=purpose, ascending=ascending, after_seq=after_seq, limit=limit
        )
        return list_page([record.to_json() for record in records], has_more)

    def delete(self, file_id: str) -> dict[str, Any]:
        with self._store.lock:
            self.retrieve(file_id)
            self._store.mark_file_deleted(file_id)
        return {"id": file_id, "object": "file", "deleted": True}

    def content_path(self, file_id: str) -> Path:
        self.retrieve(file_id)
        path = self._store.file_path(file_id)
        if not path.exists():
            raise ApiError(404, f"No content for File object: {file_id}", param="id")
        return path
