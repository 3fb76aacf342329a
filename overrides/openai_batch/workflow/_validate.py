"""Stream-check a Batch API input file against every rule the API enforces, before it is uploaded.

Read in binary, one line at a time, so memory stays flat whatever the file size: the only
state that grows is one 8-byte hash per ``custom_id`` (to find duplicates), moved to disk
past a million (see ``_seen_ids``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import attrs

from ._json import loads as json_loads
from ._limits import (
    BATCH_ENDPOINTS,
    DEFAULT_LIMITS,
    EMBEDDINGS_ENDPOINT,
    BatchLimits,
    embedding_input_count,
    limits_for,
)
from ._ranges import READ_BUFFER
from ._seen_ids import HashLedger

if TYPE_CHECKING:
    from ..providers import ProviderProfile

_BOM: Final = b"\xef\xbb\xbf"

__all__ = ["ValidationProblem", "ValidationReport", "validate_input_file"]


@attrs.frozen
class ValidationProblem:
    """One broken rule: the 1-based ``line`` it is on, a stable ``code`` and a readable ``message``.

    Example::

        for problem in validate_input_file("requests.jsonl").problems:
            print(f"requests.jsonl:{problem.line}: {problem.code}: {problem.message}")
    """

    line: int
    code: str
    message: str


@attrs.frozen
class ValidationReport:
    """What :func:`validate_input_file` found.

    ``problems`` lists the first ``max_problems`` problems in line order; ``problem_count``
    counts them all. ``ok`` is true when there are none.

    Example::

        report = validate_input_file("requests.jsonl", endpoint="/v1/chat/completions")
        if not report.ok:
            print(report.format())
    """

    path: Path
    endpoint: str | None
    problems: tuple[ValidationProblem, ...]
    problem_count: int
    request_count: int
    byte_size: int
    embedding_inputs: int
    model: str | None

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def truncated(self) -> bool:
        return self.problem_count > len(self.problems)

    def format(self, limit: int = 20) -> str:
        if self.ok:
            return f"{self.path}: {_count(self.request_count, 'request')}, {self.byte_size:,} bytes, no problems"
        lines = [f"{self.path}: {self.problem_count:,} problem(s) in {_count(self.request_count, 'line')}"]
        # A problem of the whole file (an empty one) has line 0: it is named by the file alone.
        lines += [
            f"  {self.path}{f':{p.line}' if p.line else ''}: [{p.code}] {p.message}" for p in self.problems[:limit]
        ]
        if self.problem_count > min(limit, len(self.problems)):
            lines.append(f"  ... and {self.problem_count - min(limit, len(self.problems))} more")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "endpoint": self.endpoint,
            "ok": self.ok,
            "problem_count": self.problem_count,
            "request_count": self.request_count,
            "byte_size": self.byte_size,
            "embedding_inputs": self.embedding_inputs,
            "model": self.model,
            "problems": [attrs.asdict(p) for p in self.problems],
        }


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _json_error(exc: Exception) -> str:
    """The decoder's message without its "line 1" (it reads one line, not the file): the column only."""
    pos = getattr(exc, "pos", None)
    msg = getattr(exc, "msg", None)
    if isinstance(pos, int) and isinstance(msg, str):
        return f"{msg} at column {pos + 1}"
    return re.sub(r":? line 1 column (\d+) \(char \d+\)", r" at column \1", str(exc))


class _Problems:
    """Keeps the first ``cap`` problems and counts the rest."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.items: list[ValidationProblem] = []
        self.count = 0

    def add(self, line: int, code: str, message: str) -> None:
        self.count += 1
        if len(self.items) < self.cap:
            self.items.append(ValidationProblem(line, code, message))


def _short(value: object, width: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def validate_input_file(
    path: str | os.PathLike[str],
    *,
    endpoint: str | None = None,
    limits: BatchLimits | None = None,
    check_file_limits: bool = True,
    max_problems: int = 100,
    observe: Callable[[bytes, object], None] | None = None,
    profile: ProviderProfile | None = None,
) -> ValidationReport:
    """Check every line of a JSONL batch input file; never raises for bad content, reports it.

    Rules: each line is a JSON object; ``custom_id`` is a non-empty string, unique in the
    file; ``method`` is ``POST``; ``url`` equals the batch endpoint (``endpoint``, or else the
    first line's url, which must be a Batch API endpoint); ``body`` is an object naming one
    ``model`` across the file. With ``check_file_limits`` (the default) the file must also fit
    one batch: ``limits.max_requests`` requests, ``limits.max_bytes`` bytes and, for
    embeddings, ``limits.max_embedding_inputs`` inputs. Without it (a job shards the file)
    only a single line too big for any batch is a problem.

    A `profile` (another service) sets the endpoints accepted, whether a file may mix models
    (on Azure every line names the same deployment), and the default `limits` (explicit
    `limits` win). A UTF-8 byte order mark is refused for every service: the Batch API does
    not strip it, and Azure reports it as a deployment error.
    """
    file_path = Path(path)
    problems = _Problems(max_problems)
    if limits is None:
        limits = DEFAULT_LIMITS if profile is None else limits_for(profile)
    endpoints = BATCH_ENDPOINTS if profile is None or profile.endpoints is None else profile.endpoints
    one_model = profile is None or profile.one_model_per_file
    service = "the Batch API" if profile is None else profile.title
    if endpoint is not None and endpoint not in endpoints:
        problems.add(
            0, "invalid_endpoint", f"{endpoint!r} is not a {service} batch endpoint ({', '.join(sorted(endpoints))})"
        )
    # Every custom_id's hash; a hash seen twice is confirmed against the ids themselves in a
    # second pass, so a hash collision can never report a false duplicate.
    ledger = HashLedger()
    remember = ledger.appenders
    mask = ledger.MASK
    model: str | None = None
    model_line = 0
    url_expected = endpoint
    requests = 0
    size = 0
    inputs = 0
    max_requests, max_bytes, max_inputs = limits.max_requests, limits.max_bytes, limits.max_embedding_inputs
    over_requests = over_bytes = over_inputs = False
    loads = json_loads
    line_no = 0
    with file_path.open("rb", buffering=READ_BUFFER) as handle:
        for raw in handle:
            line_no += 1
            if not line_no & 0xFFFF:
                ledger.maybe_spill()
            size += len(raw)
            if line_no == 1 and raw.startswith(_BOM):
                problems.add(
                    1,
                    "utf8_bom",
                    "the file starts with a UTF-8 byte order mark (BOM): save it as UTF-8 without BOM "
                    "(the service rejects it; Azure reports it as a deployment error)",
                )
                raw = raw[len(_BOM) :]
            if check_file_limits and not over_bytes and size > max_bytes:
                over_bytes = True
                problems.add(
                    line_no, "file_too_large", f"the file passes {max_bytes} bytes at this line (limit per batch)"
                )
            elif len(raw) > max_bytes:
                problems.add(
                    line_no, "line_too_large", f"this line alone is {len(raw)} bytes, over {max_bytes} per batch"
                )
            if not raw or raw.isspace():  # blank (isspace stops at the first other byte; strip would copy)
                if observe is not None:
                    observe(raw, None)
                problems.add(line_no, "empty_line", "empty line (each line must hold one request)")
                continue
            requests += 1
            if check_file_limits and not over_requests and requests > max_requests:
                over_requests = True
                problems.add(
                    line_no, "too_many_requests", f"request {requests} is over the limit of {max_requests} per batch"
                )
            try:
                item = loads(raw)
            except (ValueError, UnicodeDecodeError) as exc:
                if observe is not None:
                    observe(raw, None)
                problems.add(line_no, "invalid_json", f"not valid JSON: {_json_error(exc)}")
                continue
            if observe is not None:
                observe(raw, item)
            if type(item) is not dict:
                problems.add(line_no, "not_an_object", f"expected a JSON object, got {type(item).__name__}")
                continue
            custom_id = item.get("custom_id")
            if type(custom_id) is not str or not custom_id:
                code = "missing_custom_id" if custom_id is None else "invalid_custom_id"
                problems.add(line_no, code, f"custom_id must be a non-empty string, got {_short(custom_id)}")
            else:
                key = hash(custom_id)
                remember[key & mask](key)
            method = item.get("method")
            if method != "POST":
                problems.add(line_no, "invalid_method", f"method must be 'POST', got {_short(method)}")
            url = item.get("url")
            if url_expected is None:
                if isinstance(url, str) and url in endpoints:
                    url_expected = url
                else:
                    problems.add(line_no, "invalid_url", f"url {_short(url)} is not a {service} batch endpoint")
            elif url != url_expected:
                problems.add(
                    line_no, "url_mismatch", f"url {_short(url)} differs from the batch endpoint {url_expected!r}"
                )
            body = item.get("body")
            if type(body) is not dict:
                code = "missing_body" if body is None else "invalid_body"
                problems.add(line_no, code, f"body must be a JSON object, got {_short(body)}")
                continue
            line_model = body.get("model")
            if line_model is None:
                if url_expected != "/v1/moderations":  # moderations may use the default model
                    problems.add(line_no, "missing_model", "body has no model")
            elif model is None:
                model, model_line = str(line_model), line_no
            elif line_model != model and one_model:
                problems.add(
                    line_no,
                    "model_mismatch",
                    f"model {_short(line_model)} differs from {model!r} (line {model_line}); a batch runs one "
                    + ("model" if profile is None else f"model (on {service}: one deployment) per file"),
                )
            if url_expected == EMBEDDINGS_ENDPOINT:
                if url == EMBEDDINGS_ENDPOINT and body.get("input") is None:
                    problems.add(line_no, "missing_input", "an embeddings body needs input (a string or an array)")
                count = embedding_input_count(body)
                inputs += count
                if count > max_inputs:
                    problems.add(
                        line_no,
                        "too_many_embedding_inputs",
                        f"{count} inputs in one request, over {max_inputs} per batch",
                    )
                elif check_file_limits and not over_inputs and inputs > max_inputs:
                    over_inputs = True
                    problems.add(
                        line_no,
                        "too_many_embedding_inputs",
                        f"the file passes {max_inputs} embedding inputs at this line",
                    )
    if line_no == 0:
        problems.add(0, "empty_file", "the file holds no requests")
    try:
        repeated = ledger.repeated()
    finally:
        ledger.close()
    if repeated:
        _confirm_duplicates(file_path, repeated, problems)
    problems.items.sort(key=lambda p: p.line)
    return ValidationReport(
        path=file_path,
        endpoint=url_expected,
        problems=tuple(problems.items),
        problem_count=problems.count,
        request_count=requests,
        byte_size=size,
        embedding_inputs=inputs,
        model=model,
    )


def _custom_ids(path: Path) -> Iterator[tuple[int, object]]:
    loads = json_loads
    with path.open("rb") as handle:
        for line_no, raw in enumerate(handle, 1):
            try:
                item = loads(raw)
            except ValueError:
                continue
            if type(item) is dict:
                yield line_no, item.get("custom_id")


def _confirm_duplicates(path: Path, repeated: set[int], problems: _Problems) -> None:
    """Second pass, only when a hash repeats: report each id used again, with its first line; drop collisions."""
    first: dict[str, int] = {}
    for line_no, custom_id in _custom_ids(path):
        if type(custom_id) is not str or not custom_id or hash(custom_id) not in repeated:
            continue
        first_line = first.setdefault(custom_id, line_no)
        if first_line < line_no:
            problems.add(line_no, "duplicate_custom_id", f"custom_id {custom_id!r} already used on line {first_line}")
