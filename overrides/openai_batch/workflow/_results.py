"""Typed records for Batch API output and error lines, and the outcome of each input request."""

from __future__ import annotations

import enum
import functools
import re
from typing import Any

import attrs

from ._json import dumps, loads

__all__ = ["BatchResult", "Outcome", "RequestError", "leading_result_id", "parse_result_line"]

# The service writes {"id": "...", "custom_id": "...", ...}: the id is read without parsing the line.
_LEADING_RESULT_ID = re.compile(rb'\{\s*(?:"id"\s*:\s*"[^"\\]*"\s*,\s*)?"custom_id"\s*:\s*"([^"\\]*)"')


def leading_result_id(raw: bytes) -> bytes | None:
    """The custom_id of a result line, as its bytes, when the line starts the service's way (no escapes); else None."""
    match = _LEADING_RESULT_ID.match(raw)
    return match.group(1) if match is not None else None


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
# "body"}, "error": null}, compact or with spaces after the separators. The ids exclude control
# characters, so their bytes are already what a JSON encoder would write for them.
_SUCCESS_HEAD = re.compile(
    rb'\{\s*"id"\s*:\s*"[^"\\]*"\s*,\s*"custom_id"\s*:\s*"([^"\\\x00-\x1f]*)"\s*,\s*"response"\s*:\s*\{\s*'
    rb'"status_code"\s*:\s*(2\d\d)\s*,\s*"request_id"\s*:\s*"([^"\\\x00-\x1f]*)"\s*,\s*"body"\s*:\s*'
)
# What follows the body: the response's closing brace, then "error": null and the line's end.
_SUCCESS_TAIL = re.compile(rb'\}\s*,\s*"error"\s*:\s*null\s*\}\s*$')
_ERROR_KEY = b'"error"'


@functools.lru_cache(maxsize=256)
def _json_value(value: str | None) -> bytes:
    return dumps(value)


def fast_success_record(raw: bytes, batch_id: str | None, attempts: int) -> bytes | None:
    """The ``to_dict`` JSON line of a success in the service's layout, its body copied verbatim; else None.

    Only lines whose head and tail match exactly; everything else is parsed by
    :func:`parse_result_line`. The record is joined from the line's own bytes, in
    ``to_dict``'s key order, without decoding or encoding anything but the batch id: this
    runs once per request of a job, so it is kept to a few C-level steps.
    """
    head = _SUCCESS_HEAD.match(raw)
    if head is None:
        return None
    start = head.end()
    # The tail is found from the end (its "error" key is the line's last): searching forward
    # through the body for it would try every position of a long body.
    key = raw.rfind(_ERROR_KEY, start)
    close = raw.rfind(b"}", start, key) if key >= 0 else -1
    if close < 0 or _SUCCESS_TAIL.match(raw, close) is None:
        return None
    body = raw[start:close]
    if not body.startswith((b"{", b"[")):
        return None
    custom_id, status, request_id = head.groups()
    try:
        custom_id.decode()
        request_id.decode()
    except UnicodeDecodeError:
        return None  # not UTF-8: the slow path says so
    return b"".join(
        (
            b'{"custom_id":"',
            custom_id,
            b'","outcome":"succeeded","status_code":',
            status,
            b',"body":',
            body,
            b',"error":null,"request_id":"',
            request_id,
            b'","batch_id":',
            _json_value(batch_id),
            b',"attempts":%d}\n' % attempts,
        )
    )


# The same success layout over a block of whole lines, to be rewritten in one pass: every line
# is one match, the success's pieces for a success in that layout and four empty groups for any
# other line, so the matches are as many as the lines and nothing counts the block's newlines.
# Nothing in a match crosses a newline ("~" stands for the whitespace JSON allows between
# tokens, short of a newline). The service writes none: the compact form (no "~" at all) is
# tried first, a third quicker than the other.
_SUCCESS_LAYOUT = (
    rb'\{~"id"~:~"[^"\\\n]*"~,~"custom_id"~:~"([^"\\\x00-\x1f]*)"~,~"response"~:~\{~"status_code"~:~(2\d\d)~,~'
    rb'"request_id"~:~"([^"\\\x00-\x1f]*)"~,~"body"~:~([{\[][^\n]*)\}~,~"error"~:~null~\}~\n'
)
_COMPACT_SUCCESS_LINES = re.compile(rb"(?:" + _SUCCESS_LAYOUT.replace(b"~", b"") + rb"|[^\n]*\n)")
_SUCCESS_LINES = re.compile(rb"(?:" + _SUCCESS_LAYOUT.replace(b"~", rb"[ \t\r]*") + rb"|[^\n]*\n)")
_OTHER_LINE = (b"", b"", b"", b"")


def fast_success_block(
    block: bytes, batch_id: str | None, count: int | None = None, attempts: int = 1
) -> tuple[bytes, int] | None:
    """(records, line count) of a block of whole success lines, as :func:`fast_success_record` writes each; else None.

    One regular-expression pass over the block instead of a call per line. None
    when any line is not a success in the service's layout (or the block is not UTF-8),
    or when ``count`` is given and the block holds another number of lines: the caller
    then goes line by line. The line count comes from the pass itself (one match per
    line), so a caller that cut the block without counting its lines learns it here.
    """
    if not block.endswith(b"\n"):
        return None
    if not block.isascii():
        try:
            block.decode()
        except UnicodeDecodeError:
            return None
    # The pieces of every record, joined once: a substitution template would be expanded by
    # Python code once per line (before Python 3.12), which costs more than the match itself.
    found = _COMPACT_SUCCESS_LINES.findall(block)
    if _OTHER_LINE in found:
        found = _SUCCESS_LINES.findall(block)
        if _OTHER_LINE in found:
            return None
    if count is not None and len(found) != count:
        return None
    tail = b'","batch_id":' + _json_value(batch_id) + b',"attempts":%d}\n' % attempts
    head, status_key, body_key, request_key = _RECORD_PIECES
    records = b"".join(
        [
            piece
            for custom_id, status, request_id, body in found
            for piece in (head, custom_id, status_key, status, body_key, body, request_key, request_id, tail)
        ]
    )
    return records, len(found)


_RECORD_PIECES = (
    b'{"custom_id":"',
    b'","outcome":"succeeded","status_code":',
    b',"body":',
    b',"error":null,"request_id":"',
)


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
