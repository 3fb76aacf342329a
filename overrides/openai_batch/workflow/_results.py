"""Typed records for Batch API output and error lines, and the outcome of each input request."""

from __future__ import annotations

import enum
import re
from typing import Any

import attrs

from ._json import Fragment, dumps, loads

__all__ = ["BatchResult", "Outcome", "RequestError", "parse_result_line"]


class Outcome(enum.StrEnum):
    """What became of one input request.

    Example::

        failed = [r.custom_id for r in job.results() if r.outcome is Outcome.FAILED]
    """

    SUCCEEDED = "succeeded"  # a 2xx response is in the output file
    FAILED = "failed"  # an error line, a non-2xx response, or its batch failed as a whole
    EXPIRED = "expired"  # its batch expired before it ran
    CANCELLED = "cancelled"  # its batch was cancelled before it ran
    MISSING = "missing"  # its batch finished but neither file mentions it
    PENDING = "pending"  # its batch has not finished (or not been created) yet


@attrs.frozen
class RequestError:
    """The ``error`` of a failed request (or of its batch): a ``code`` and a ``message``.

    Example::

        for result in job.results():
            if result.error is not None:
                print(result.custom_id, result.error.code, result.error.message)
    """

    code: str | None
    message: str | None

    def to_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message}


@attrs.frozen
class BatchResult:
    """The result of one input request, joined by ``custom_id``.

    Example::

        for result in job.results():
            if result.outcome is Outcome.SUCCEEDED:
                print(result.custom_id, result.body["choices"][0]["message"]["content"])
            else:
                print(result.custom_id, result.outcome, result.error)
    """

    custom_id: str
    outcome: Outcome
    status_code: int | None = None
    body: Any = None
    error: RequestError | None = None
    request_id: str | None = None
    batch_id: str | None = None
    #: How many times the request was sent (1, or more after automatic retries).
    attempts: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "custom_id": self.custom_id,
            "outcome": self.outcome.value,
            "status_code": self.status_code,
            "body": self.body,
            "error": self.error.to_dict() if self.error else None,
            "request_id": self.request_id,
            "batch_id": self.batch_id,
            "attempts": self.attempts,
        }

    @property
    def retryable(self) -> bool:
        """Whether sending it again may succeed: it did not run, or failed with a 429 or 5xx."""
        if self.outcome in (Outcome.EXPIRED, Outcome.CANCELLED):
            return True
        return (
            self.outcome is Outcome.FAILED
            and self.status_code is not None
            and (self.status_code == 429 or self.status_code >= 500)
        )


# Error codes the Batch API writes to the error file for requests that never ran.
_OUTCOME_BY_ERROR_CODE = {"batch_expired": Outcome.EXPIRED, "batch_cancelled": Outcome.CANCELLED}


def _error_from(value: Any) -> RequestError | None:
    if isinstance(value, dict):
        code, message = value.get("code"), value.get("message")
        return RequestError(None if code is None else str(code), None if message is None else str(message))
    if value is None:
        return None
    return RequestError(None, str(value))


# A success line as the service writes it: {"id", "custom_id", "response": {"status_code", "request_id",
# "body"}, "error": null}, compact or with spaces after the separators.
_SUCCESS_HEAD = re.compile(
    rb'\{\s*"id"\s*:\s*"[^"\\]*"\s*,\s*"custom_id"\s*:\s*"([^"\\]*)"\s*,\s*"response"\s*:\s*\{\s*'
    rb'"status_code"\s*:\s*(2\d\d)\s*,\s*"request_id"\s*:\s*"([^"\\]*)"\s*,\s*"body"\s*:\s*'
)
_SUCCESS_TAIL = re.compile(rb'\}\s*,\s*"error"\s*:\s*null\s*\}\s*$')


def fast_success_record(raw: bytes, batch_id: str | None, attempts: int) -> bytes | None:
    """The ``to_dict`` JSON line of a success in the service's layout, its body copied verbatim; else None.

    Only with orjson (which embeds the body as a fragment) and only for lines whose head and
    tail match exactly; everything else is parsed by :func:`parse_result_line`.
    """
    if Fragment is None:
        return None
    head = _SUCCESS_HEAD.match(raw)
    if head is None:
        return None
    tail = _SUCCESS_TAIL.search(raw, head.end())
    if tail is None:
        return None
    body = raw[head.end() : tail.start()]
    if not body.startswith((b"{", b"[")):
        return None
    record = {
        "custom_id": head.group(1).decode(),
        "outcome": "succeeded",
        "status_code": int(head.group(2)),
        "body": Fragment(body),
        "error": None,
        "request_id": head.group(3).decode(),
        "batch_id": batch_id,
        "attempts": attempts,
    }
    return dumps(record) + b"\n"


def parse_result_line(
    raw: bytes | str, *, batch_id: str | None = None, source: str = "result file", attempts: int = 1
) -> BatchResult:
    """Parse one line of a batch's output or error file into a :class:`BatchResult`.

    A 2xx ``response`` is a success; a non-2xx response is a failure carrying the body's
    ``error``; an ``error`` line is a failure unless its code says the batch expired or was
    cancelled before the request ran.
    """
    try:
        item = loads(raw)
    except ValueError as exc:
        raise ValueError(f"{source}: not a JSON result line: {exc}") from exc
    if not isinstance(item, dict) or not isinstance(item.get("custom_id"), str):
        raise ValueError(f"{source}: result line has no custom_id: {str(raw)[:120]!r}")
    custom_id: str = item["custom_id"]
    response = item.get("response")
    error = _error_from(item.get("error"))
    if isinstance(response, dict):
        status = response.get("status_code")
        status_code = status if isinstance(status, int) else None
        body = response.get("body")
        request_id = response.get("request_id")
        request_id = request_id if isinstance(request_id, str) else None
        if status_code is not None and 200 <= status_code < 300 and error is None:
            return BatchResult(custom_id, Outcome.SUCCEEDED, status_code, body, None, request_id, batch_id, attempts)
        if error is None and isinstance(body, dict):
            error = _error_from(body.get("error")) or RequestError(None, f"HTTP {status_code}")
        return BatchResult(custom_id, Outcome.FAILED, status_code, body, error, request_id, batch_id, attempts)
    outcome = _OUTCOME_BY_ERROR_CODE.get(error.code or "", Outcome.FAILED) if error else Outcome.FAILED
    return BatchResult(custom_id, outcome, None, None, error, None, batch_id, attempts)
