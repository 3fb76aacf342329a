"""Lenient parsing as one step at the edge: a service's Files/Batches answers made OpenAI-shaped.

A profile names the rules it needs (``normalise = [...]`` in its TOML); they run on the decoded
JSON of every Files and Batches answer before the generated models parse it, so the models stay
exactly as strict as the OpenAI spec makes them. Each rule is a pure function of one object.

The Azure quirks these cover are listed in the batch how-to's troubleshooting notes
(https://learn.microsoft.com/azure/ai-foundry/openai/how-to/batch) and seen in the Azure v1
spec (Azure/azure-rest-api-specs, specification/ai/data-plane/OpenAI.v1, whose file and batch
schemas are kept in tests/fixtures/azure/ and checked by tests/contract/test_provider_profiles.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Final

__all__ = ["BATCH_TIMES", "RULES", "normalise_body"]

Rule = Callable[[dict[str, Any]], None]

_CAMEL: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# Timestamp fields of a batch and of a file (Unix seconds in the OpenAI spec).
BATCH_TIMES: Final = (
    "created_at",
    "in_progress_at",
    "expires_at",
    "finalizing_at",
    "completed_at",
    "failed_at",
    "expired_at",
    "cancelling_at",
    "cancelled_at",
)
_FILE_TIMES: Final = ("created_at", "expires_at")


def _snake(value: str) -> str:
    # "Validating" -> "validating", "InProgress" -> "in_progress", "in_progress" unchanged.
    return _CAMEL.sub("_", value).lower()


def status_snake_case(obj: dict[str, Any]) -> None:
    """``"Validating"`` / ``"InProgress"`` become the spec's ``validating`` / ``in_progress``."""
    status = obj.get("status")
    if isinstance(status, str):
        obj["status"] = _snake(status)


def _unix(value: str) -> int | str:
    try:
        stamp = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return value  # not ISO either: left for the model to report, never guessed
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)  # the service's ISO stamps without an offset are UTC
    return int(stamp.timestamp())


def iso_timestamps(obj: dict[str, Any]) -> None:
    """ISO-8601 strings in timestamp fields become Unix seconds (an integer string too)."""
    fields = BATCH_TIMES if obj.get("object") == "batch" else _FILE_TIMES
    for name in fields:
        value = obj.get(name)
        if isinstance(value, str):
            obj[name] = int(value) if value.strip().isdigit() else _unix(value)


def empty_file_ids(obj: dict[str, Any]) -> None:
    """``output_file_id: ""`` / ``error_file_id: ""`` mean no file: null, as OpenAI says it."""
    for name in ("output_file_id", "error_file_id"):
        if obj.get(name) == "":
            obj[name] = None


def null_request_counts(obj: dict[str, Any]) -> None:
    """``request_counts: null`` (a batch still validating) is dropped: not stated, never zeros."""
    if "request_counts" in obj and obj["request_counts"] is None:
        del obj["request_counts"]


def null_endpoint(obj: dict[str, Any]) -> None:
    """``endpoint: null`` (seen on blob-storage batches) becomes ``""``: the service did not say."""
    if "endpoint" in obj and obj["endpoint"] is None:
        obj["endpoint"] = ""


RULES: Final[Mapping[str, Rule]] = {
    "status_snake_case": status_snake_case,
    "iso_timestamps": iso_timestamps,
    "empty_file_ids": empty_file_ids,
    "null_request_counts": null_request_counts,
    "null_endpoint": null_endpoint,
}
# Rules that only make sense on a batch object.
_BATCH_ONLY: Final = frozenset({"empty_file_ids", "null_request_counts", "null_endpoint"})


def _apply(obj: Any, rules: tuple[str, ...]) -> None:
    if not isinstance(obj, dict):
        return
    kind = obj.get("object")
    if kind == "list":
        for item in obj.get("data") or ():
            _apply(item, rules)
        return
    if kind not in ("batch", "file"):
        return
    for name in rules:
        if kind == "file" and name in _BATCH_ONLY:
            continue
        RULES[name](obj)


def normalise_body(data: Any, rules: tuple[str, ...]) -> Any:
    """`data` (a decoded batch, file, or list of them) with `rules` applied in place; returned."""
    if rules:
        _apply(data, rules)
    return data
