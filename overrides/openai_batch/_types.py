"""Public type aliases: the known values of open string enums, and argument shapes.

The service adds statuses and purposes over time, so the generated models type
`Batch.status` and `OpenAIFile.purpose` as plain `str` (an unknown value must never
crash a poll loop). These Literals list the values known today, for users' own
annotations and exhaustiveness checks::

    from openai_batch import BatchStatus

    TERMINAL: frozenset[BatchStatus] = frozenset({"completed", "failed", "expired", "cancelled"})
"""

from __future__ import annotations

import os
from typing import IO, Literal, TypeAlias, TypedDict

import httpx
from openai_batch_api import known_values

# Derived from openapi.yaml at generation time (generated/openai_batch_api/known_values.py),
# so a status or purpose the spec adds needs no change here.
BatchStatus: TypeAlias = known_values.BatchStatus
"""Known values of `Batch.status`; the service may send others (the field stays `str`)."""

FilePurpose: TypeAlias = known_values.FilePurpose
"""Known values of `OpenAIFile.purpose` (upload purposes plus the ones the service assigns)."""

ListOrder: TypeAlias = Literal["asc", "desc"]

FileInput: TypeAlias = str | os.PathLike[str] | IO[bytes]
"""What `files.create(file=...)` accepts: a path, or a binary file object (streamed, never read whole)."""

TimeoutTypes: TypeAlias = float | httpx.Timeout


class ExpiresAfter(TypedDict):
    """Expiry policy sent with an upload (the service accepts 3600 s to 30 days).

    >>> expiry: ExpiresAfter = {"anchor": "created_at", "seconds": 7 * 24 * 3600}
    >>> client.files.create(file="in.jsonl", purpose="batch", expires_after=expiry)
    """

    anchor: Literal["created_at"]
    seconds: int
