"""Object ids: an empty string is not an id.

The service has reported "no file" both as null and as ``""`` (e.g. `output_file_id` of
a batch where every request failed), and the generated models keep whatever came. Code
that follows an id must treat both as absent, and a request for ``/files//content``
must never be sent.
"""

from __future__ import annotations


def file_id_or_none(value: object) -> str | None:
    """The id if `value` is a non-empty string, else None (for null, ``""``, or an unset field).

    >>> file_id_or_none(batch.output_file_id)   # "file-abc" -> "file-abc"; "" / None / UNSET -> None
    """
    if isinstance(value, str) and value.strip():
        return value
    return None


def require_id(field: str, value: object) -> str:
    """`value` if it is a usable id; otherwise a ValueError naming the argument."""
    if not isinstance(value, str):
        raise ValueError(f"{field} must be an id string, got {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{field} is empty: an empty string is not an id (the object has no such file)")
    return value
