"""Checks of request parameters (query strings, form fields, JSON bodies) with the service's 400s."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import bad_request

FILE_PURPOSES = ("assistants", "batch", "fine-tune", "vision", "user_data", "evals")
COMPLETION_WINDOWS = ("24h",)
EXPIRY_MIN_SECONDS = 3600
EXPIRY_MAX_SECONDS = 2_592_000
METADATA_MAX_KEYS = 16
METADATA_MAX_KEY_LENGTH = 64
METADATA_MAX_VALUE_LENGTH = 512


def list_page(data: list[dict[str, Any]], has_more: bool) -> dict[str, Any]:
    """A list response in the service's shape; an empty page has null cursors, as the service sends."""
    return {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
        "has_more": has_more,
    }


def missing(param: str) -> Exception:
    return bad_request(f"Missing required parameter: '{param}'.", param=param, code="missing_required_parameter")


def invalid(param: str, message: str) -> Exception:
    return bad_request(f"Invalid '{param}': {message}", param=param, code="invalid_value")


def parse_limit(raw: str | None, *, low: int, high: int, default: int) -> int:
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid("limit", f"expected an integer, got {raw!r}.") from None
    if not low <= value <= high:
        raise invalid("limit", f"must be between {low} and {high}, got {value}.")
    return value


def parse_order(raw: str | None) -> bool:
    """True for ascending."""
    if raw is None or raw == "desc":
        return False
    if raw == "asc":
        return True
    raise invalid("order", f"expected 'asc' or 'desc', got {raw!r}.")


def parse_expires_after(anchor: Any, seconds: Any, *, param: str) -> dict[str, Any] | None:
    """An expiration policy {anchor: created_at, seconds: 3600..2592000}, or None when absent."""
    if anchor is None and seconds is None:
        return None
    if anchor != "created_at":
        raise invalid(f"{param}[anchor]", f"the only supported anchor is 'created_at', got {anchor!r}.")
    try:
        value = int(seconds)
    except (TypeError, ValueError):
        raise invalid(f"{param}[seconds]", f"expected an integer, got {seconds!r}.") from None
    if isinstance(seconds, bool) or (isinstance(seconds, float) and not seconds.is_integer()):
        raise invalid(f"{param}[seconds]", f"expected an integer, got {seconds!r}.")
    if not EXPIRY_MIN_SECONDS <= value <= EXPIRY_MAX_SECONDS:
        raise invalid(
            f"{param}[seconds]", f"must be between {EXPIRY_MIN_SECONDS} and {EXPIRY_MAX_SECONDS}, got {value}."
        )
    return {"anchor": "created_at", "seconds": value}


def parse_metadata(raw: Any) -> dict[str, str] | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise invalid("metadata", "expected an object of string keys and values.")
    if len(raw) > METADATA_MAX_KEYS:
        raise invalid("metadata", f"at most {METADATA_MAX_KEYS} keys are allowed, got {len(raw)}.")
    for key, value in raw.items():
        if len(key) > METADATA_MAX_KEY_LENGTH:
            raise invalid("metadata", f"key {key[:20]!r}... is longer than {METADATA_MAX_KEY_LENGTH} characters.")
        if not isinstance(value, str):
            raise invalid("metadata", f"the value of {key!r} must be a string.")
        if len(value) > METADATA_MAX_VALUE_LENGTH:
            raise invalid("metadata", f"the value of {key!r} is longer than {METADATA_MAX_VALUE_LENGTH} characters.")
    return dict(raw)


_CREATE_BATCH_FIELDS = frozenset({"input_file_id", "endpoint", "completion_window", "metadata", "output_expires_after"})


def window_seconds(window: str) -> int:
    """``"24h"`` -> 86400, ``"7d"`` -> 604800: the completion windows a provider may offer."""
    return int(window[:-1]) * (86_400 if window.endswith("d") else 3_600)


def parse_create_batch(
    body: Any, endpoints: tuple[str, ...], windows: tuple[str, ...] = COMPLETION_WINDOWS
) -> dict[str, Any]:
    """The checked fields of a create-batch body (the input file is checked by the caller)."""
    if not isinstance(body, Mapping):
        raise bad_request("The request body must be a JSON object.")
    unknown = sorted(set(body) - _CREATE_BATCH_FIELDS)
    if unknown:
        raise bad_request(f"Unrecognized request argument supplied: {unknown[0]}", param=unknown[0])
    for name in ("input_file_id", "endpoint", "completion_window"):
        if body.get(name) is None:
            raise missing(name)
        if not isinstance(body[name], str):
            raise invalid(name, "expected a string.")
    if body["endpoint"] not in endpoints:
        raise invalid(
            "endpoint", f"{body['endpoint']!r} is not supported; supported values are: {', '.join(endpoints)}."
        )
    if body["completion_window"] not in windows:
        accepted = "the only value is '24h'" if windows == COMPLETION_WINDOWS else f"accepted: {', '.join(windows)}"
        raise invalid("completion_window", f"{body['completion_window']!r} is not supported; {accepted}.")
    expiry = body.get("output_expires_after")
    if expiry is not None and not isinstance(expiry, Mapping):
        raise invalid("output_expires_after", "expected an object with 'anchor' and 'seconds'.")
    return {
        "input_file_id": body["input_file_id"],
        "endpoint": body["endpoint"],
        "completion_window": body["completion_window"],
        "metadata": parse_metadata(body.get("metadata")),
        "output_expires_after": None
        if expiry is None
        else parse_expires_after(expiry.get("anchor"), expiry.get("seconds"), param="output_expires_after"),
    }
