"""The multipart body of `files.create`, streamed from disk.

Why not the generated `create_file`: its `CreateFileRequest.to_multipart()` sends
`expires_after` as one JSON part, while the official SDK sends (and the service reads)
the flattened form fields ``expires_after[anchor]`` and ``expires_after[seconds]``; and
it sets the Content-Type header to ``boundary=+++``, a fixed boundary that corrupts the
body of any file containing a ``--+++`` line. So the upload builds its request with the
shared httpx client (same auth, transport and retries) and parses the result with
`OpenAIFile.from_dict`, like the generated code would.

httpx encodes a file object as a multipart stream read in 64 KiB chunks (and computes
Content-Length from the file size), so a 200 MB input file is never held in memory.
The boundary is random (httpx draws 16 bytes from os.urandom per request).
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ._types import FileInput


@dataclass(slots=True)
class UploadSource:
    """An opened file to upload, and what a retry needs to know about it."""

    file: IO[bytes]
    filename: str
    size: int | None  # None when the stream's length is unknown (a pipe)
    replayable: bool  # seekable: httpx rewinds it to 0 for each attempt
    owned: bool  # opened here from a path, so closed here

    def close(self) -> None:
        if self.owned:
            self.file.close()


def open_source(file: FileInput, filename: str | None, purpose: str) -> UploadSource:
    """Open a path (or adopt a binary file object) for streaming; nothing is read yet."""
    if isinstance(file, str | os.PathLike):
        path = Path(file)
        handle = path.open("rb")  # FileNotFoundError / IsADirectoryError name the path
        return UploadSource(handle, filename or path.name, os.fstat(handle.fileno()).st_size, True, True)
    if isinstance(file, io.TextIOBase) or not hasattr(file, "read"):
        raise TypeError(f"file must be a path or a binary file object opened with 'rb', got {type(file).__name__}")
    name = getattr(file, "name", None)
    default = "upload.jsonl" if purpose == "batch" else "upload"
    chosen = filename or (Path(name).name if isinstance(name, str) and name else default)
    return UploadSource(file, chosen, _length(file), _seekable(file), False)


def _seekable(file: IO[bytes]) -> bool:
    try:
        return bool(file.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def _length(file: IO[bytes]) -> int | None:
    try:
        return os.fstat(file.fileno()).st_size
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        pass
    if not _seekable(file):
        return None
    position = file.tell()
    size = file.seek(0, os.SEEK_END)
    file.seek(position)
    return size


def form_fields(purpose: str, expires_after: Mapping[str, Any] | None) -> dict[str, str]:
    """The non-file form fields, with `expires_after` flattened the way the service reads it."""
    if not isinstance(purpose, str) or not purpose:
        raise ValueError("purpose must be a non-empty string such as 'batch'")
    fields = {"purpose": purpose}
    if expires_after is not None:
        missing = {"anchor", "seconds"} - set(expires_after)
        if missing:
            raise ValueError(f"expires_after needs the keys 'anchor' and 'seconds'; missing {sorted(missing)}")
        seconds = expires_after["seconds"]
        if isinstance(seconds, bool) or not isinstance(seconds, int):
            raise ValueError(f"expires_after['seconds'] must be an integer, got {seconds!r}")
        fields["expires_after[anchor]"] = str(expires_after["anchor"])
        fields["expires_after[seconds]"] = str(seconds)
    return fields


def request_options(source: UploadSource, fields: Mapping[str, str]) -> dict[str, Any]:
    """`build_request` keyword arguments for one upload attempt (a fresh stream each time)."""
    return {"data": dict(fields), "files": {"file": (source.filename, source.file)}}
