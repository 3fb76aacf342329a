"""The rules an input file must follow, checked line by line while streaming the file.

Each problem becomes a BatchError {code, message, param, line} like the service reports in a
failed batch's `errors.data`. Codes: file_too_large, empty_file, invalid_json_line,
missing_custom_id, duplicate_custom_id, invalid_method, mismatched_url, invalid_body,
mismatched_model, too_many_requests, too_many_embedding_inputs.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO


@dataclasses.dataclass
class InputLine:
    """One request of an input file: `number` is 1-based, `offset` the byte after it."""

    number: int
    offset: int
    request: dict[str, Any]


@dataclasses.dataclass
class ValidationResult:
    total: int = 0
    model: str | None = None
    token_estimate: int = 0
    errors: list[dict[str, Any]] = dataclasses.field(default_factory=list)


def _error(code: str, message: str, *, line: int | None = None, param: str | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "param": param, "line": line}


def iter_lines(stream: BinaryIO, start_offset: int = 0, start_line: int = 1) -> Iterator[tuple[int, int, bytes]]:
    """(line number, offset after the line, raw line) for each non-blank line from `start_offset`.

    Blank lines (a trailing newline, an empty line) are not requests, but they count in line
    numbers so that errors point at the right line of the user's file.
    """
    stream.seek(start_offset)
    offset = start_offset
    number = start_line
    for raw in stream:
        offset += len(raw)
        if raw.strip():
            yield number, offset, raw
        number += 1


def embedding_inputs(body: dict[str, Any]) -> int:
    """How many inputs an embeddings body carries: a string or a token array is one."""
    value = body.get("input")
    if isinstance(value, list) and value and not all(isinstance(item, int) for item in value):
        return len(value)
    return 1


def validate_input_file(
    path: Path,
    *,
    endpoint: str,
    max_requests: int,
    max_input_bytes: int,
    max_embedding_inputs: int,
    max_reported_errors: int,
    count_tokens: Callable[[dict[str, Any]], int] | None = None,
) -> ValidationResult:
    """Check every line of `path` for a batch on `endpoint`; never holds more than one line in memory.

    `token_estimate` sums `count_tokens(request)` over the valid request objects when given, and
    otherwise a quarter of each line's bytes (cheap, for servers without token limits).
    """
    result = ValidationResult()
    size = path.stat().st_size
    if size > max_input_bytes:
        result.errors.append(
            _error(
                "file_too_large",
                f"The input file is {size} bytes; the limit is {max_input_bytes} bytes.",
                param="input_file_id",
            )
        )
        return result

    def report(error: dict[str, Any]) -> None:
        if len(result.errors) < max_reported_errors:
            result.errors.append(error)

    first_line_of: dict[str, int] = {}
    inputs = 0
    inputs_reported = False
    with path.open("rb") as stream:
        for number, _offset, raw in iter_lines(stream):
            result.total += 1
            if count_tokens is None:
                result.token_estimate += max(1, len(raw) // 4)
            if result.total == max_requests + 1:
                report(
                    _error(
                        "too_many_requests",
                        f"The input file has more than {max_requests} requests; the limit is {max_requests}.",
                        line=number,
                    )
                )
            try:
                request = json.loads(raw)
            except ValueError:
                request = None
            if not isinstance(request, dict):
                report(_error("invalid_json_line", "This line is not parseable as valid JSON.", line=number))
                continue
            if count_tokens is not None:
                result.token_estimate += count_tokens(request)
            custom_id = request.get("custom_id")
            if not isinstance(custom_id, str) or not custom_id:
                report(
                    _error(
                        "missing_custom_id",
                        "The request is missing a 'custom_id' string.",
                        line=number,
                        param="custom_id",
                    )
                )
            elif custom_id in first_line_of:
                report(
                    _error(
                        "duplicate_custom_id",
                        f"The custom_id '{custom_id}' is already used on line {first_line_of[custom_id]}; "
                        "each request needs a unique custom_id.",
                        line=number,
                        param="custom_id",
                    )
                )
            else:
                first_line_of[custom_id] = number
            if request.get("method") != "POST":
                report(
                    _error(
                        "invalid_method",
                        f"The method must be 'POST', got {request.get('method')!r}.",
                        line=number,
                        param="method",
                    )
                )
            if request.get("url") != endpoint:
                report(
                    _error(
                        "mismatched_url",
                        f"The url {request.get('url')!r} does not match the batch endpoint '{endpoint}'.",
                        line=number,
                        param="url",
                    )
                )
            body = request.get("body")
            if not isinstance(body, dict):
                report(_error("invalid_body", "The request 'body' must be a JSON object.", line=number, param="body"))
                continue
            model = body.get("model")
            if isinstance(model, str):
                if result.model is None:
                    result.model = model
                elif model != result.model:
                    report(
                        _error(
                            "mismatched_model",
                            f"The request uses model '{model}' but the batch uses '{result.model}'; "
                            "each batch must use a single model.",
                            line=number,
                            param="body.model",
                        )
                    )
            if endpoint == "/v1/embeddings":
                inputs += embedding_inputs(body)
                if inputs > max_embedding_inputs and not inputs_reported:
                    inputs_reported = True
                    report(
                        _error(
                            "too_many_embedding_inputs",
                            f"The batch has more than {max_embedding_inputs} embedding inputs in all.",
                            line=number,
                            param="body.input",
                        )
                    )
    if result.total == 0:
        result.errors.append(_error("empty_file", "The input file has no requests.", param="input_file_id"))
    return result
