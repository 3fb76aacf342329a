"""Read the fields the workflow needs from a Batch, tolerating fields an older spec lacks."""

from __future__ import annotations

from typing import Any

from openai_batch_api.models import Batch
from openai_batch_api.types import Unset

__all__ = [
    "TERMINAL_STATUSES",
    "batch_counts",
    "batch_errors",
    "batch_metadata",
    "blob_locations",
    "optional_str",
]

#: A batch in one of these statuses will not change again.
TERMINAL_STATUSES = frozenset({"completed", "failed", "expired", "cancelled"})


def optional_str(value: object) -> str | None:
    # An empty id means "no file" too (seen from the service as "" as well as null).
    return value if isinstance(value, str) and value else None


def _plain(value: Any) -> Any:
    """An attrs model (or nested structure of them) as plain JSON values."""
    if value is None or isinstance(value, Unset):
        return None
    to_dict = getattr(value, "to_dict", None)
    return to_dict() if callable(to_dict) else value


def batch_counts(batch: Batch) -> tuple[int, int, int]:
    """(total, completed, failed) from ``request_counts``; zeros while the server has none yet."""
    counts = _plain(batch.request_counts)
    if not isinstance(counts, dict):
        return 0, 0, 0
    return int(counts.get("total") or 0), int(counts.get("completed") or 0), int(counts.get("failed") or 0)


def batch_errors(batch: Batch) -> list[dict[str, Any]]:
    """The batch-level ``errors.data`` (why a batch failed validation), as plain dicts."""
    errors = _plain(batch.errors)
    if not isinstance(errors, dict):
        return []
    data = errors.get("data")
    return [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []


def batch_metadata(batch: Batch) -> dict[str, str]:
    metadata = _plain(batch.metadata)
    if isinstance(metadata, dict):
        return {str(k): str(v) for k, v in metadata.items()}
    return {}


# Where a blob-storage batch reads and writes (Azure: https://learn.microsoft.com/azure/ai-foundry/openai/how-to/batch-blob-storage),
# fields outside the OpenAI spec, kept by the models in `additional_properties`.
_BLOB_FIELDS = ("input_blob", "output_folder", "output_blob", "error_blob")


def blob_locations(batch: Batch) -> dict[str, str]:
    """A blob-storage batch's input and output locations (URLs), by field; empty for a file batch."""
    extra = getattr(batch, "additional_properties", {})
    found: dict[str, str] = {}
    for name in _BLOB_FIELDS:
        value = extra.get(name)
        if isinstance(value, dict):  # output_folder is {"url": ...}
            value = value.get("url")
        if isinstance(value, str) and value:
            found[name] = value
    return found


def format_errors(errors: list[dict[str, Any]]) -> str:
    parts = []
    for error in errors:
        where = f" (line {error['line']})" if error.get("line") is not None else ""
        parts.append(f"{error.get('code') or 'error'}: {error.get('message') or ''}{where}")
    return "; ".join(parts)
