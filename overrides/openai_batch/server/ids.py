"""Identifiers shaped like the service's: file-…, batch_…, batch_req_…, req_…."""

from __future__ import annotations

import hashlib
import secrets
import string

_ALPHABET = string.ascii_letters + string.digits


def _token(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def new_file_id() -> str:
    return f"file-{_token(22)}"


def new_batch_id() -> str:
    return f"batch_{secrets.token_hex(16)}"


def new_request_id() -> str:
    return f"req_{secrets.token_hex(16)}"


def derived_hex(*parts: str, length: int = 32) -> str:
    """Stable hex from `parts`: a request re-executed after a restart gets the same ids again."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return digest[:length]
