"""The ``openai_batch`` logger and the redaction applied to everything it prints.

DEBUG: one line per HTTP attempt and per response (method, URL, headers with
credentials redacted, status, request id). INFO: each retry and its delay. Enable with
``logging.getLogger("openai_batch").setLevel(logging.DEBUG)``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Final

logger: Final = logging.getLogger("openai_batch")

# Headers whose values are credentials; matched case-insensitively.
SENSITIVE_HEADERS: Final = frozenset(
    {"authorization", "proxy-authorization", "api-key", "x-api-key", "openai-api-key", "cookie", "set-cookie"}
)


def redact_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """A printable copy of `headers` with credential values replaced."""
    return {name: ("<redacted>" if name.lower() in SENSITIVE_HEADERS else value) for name, value in headers}
