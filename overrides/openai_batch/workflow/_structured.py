"""Validate each structured-output answer against the user's pydantic model, per input.

The answer is read from the body as the endpoint writes it: chat completions carry it in
``choices[0].message.content`` (or a ``refusal``), responses in the ``output_text`` items of
the ``message`` output item (or ``refusal`` items). A refusal, a cut answer (chat
``finish_reason: "length"``, a response with ``status: "incomplete"``), text that is not
JSON and JSON the model rejects are each reported as the input's
:class:`~openai_batch.workflow.ResultProblem`, never raised from the middle of the stream.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from ._problems import ParsedResult, ProblemKind, ResultProblem, unsuccessful
from ._results import BatchResult, Outcome

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["STRUCTURED_ENDPOINTS", "require_pydantic", "structured_results"]

M = TypeVar("M", bound="BaseModel")
STRUCTURED_ENDPOINTS = ("/v1/chat/completions", "/v1/responses")
# A validation message names this many errors at most: enough to see the cause, one line.
_ERRORS_SHOWN = 3


def require_pydantic() -> None:
    try:
        import pydantic  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            "parsing structured outputs needs pydantic: pip install 'openai-batch-client[structured]'"
        ) from exc


class _NoAnswer(Exception):
    def __init__(self, kind: ProblemKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _chat_answer(body: dict[str, Any]) -> str:
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise _NoAnswer(ProblemKind.NO_ANSWER, "the body has no choices")
    choice = choices[0]
    found = choice.get("message")
    message: dict[str, Any] = found if isinstance(found, dict) else {}
    if message.get("refusal"):
        raise _NoAnswer(ProblemKind.REFUSAL, f"the model refused: {message['refusal']}")
    if choice.get("finish_reason") == "length":
        raise _NoAnswer(ProblemKind.TRUNCATED, "the answer was cut at the token limit (finish_reason: length)")
    content = message.get("content")
    if not isinstance(content, str):
        raise _NoAnswer(ProblemKind.NO_ANSWER, "choices[0].message has no text content")
    return content


def _responses_answer(body: dict[str, Any]) -> str:
    texts: list[str] = []
    for item in body.get("output") or []:
        if not isinstance(item, dict) or item.get("type") != "message":
            continue
        for part in item.get("content") or []:
            if not isinstance(part, dict):
                continue
            if part.get("type") == "refusal":
                raise _NoAnswer(ProblemKind.REFUSAL, f"the model refused: {part.get('refusal')}")
            if part.get("type") == "output_text" and isinstance(part.get("text"), str):
                texts.append(part["text"])
    if body.get("status") == "incomplete":
        details = body.get("incomplete_details")
        reason = details.get("reason") if isinstance(details, dict) else None
        raise _NoAnswer(ProblemKind.TRUNCATED, f"the response is incomplete ({reason or 'no reason given'})")
    if not texts:
        raise _NoAnswer(ProblemKind.NO_ANSWER, "the response has no output_text in a message output item")
    return "".join(texts)


def _validation_problem(custom_id: str, exc: Any) -> ResultProblem:
    errors = exc.errors(include_url=False)
    if errors and errors[0].get("type") == "json_invalid":
        return ResultProblem(custom_id, ProblemKind.INVALID_JSON, f"the answer is not JSON: {errors[0].get('msg')}")
    shown = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ())) or '(root)'}: {e.get('msg')}" for e in errors[:_ERRORS_SHOWN]
    )
    more = f" (and {len(errors) - _ERRORS_SHOWN} more)" if len(errors) > _ERRORS_SHOWN else ""
    return ResultProblem(custom_id, ProblemKind.INVALID, f"{len(errors)} validation error(s): {shown}{more}")


def parse_answer(result: BatchResult, endpoint: str, model: type[M]) -> ParsedResult[M]:
    from pydantic import ValidationError

    if result.outcome is not Outcome.SUCCEEDED:
        return unsuccessful(result)
    body = result.body
    try:
        if not isinstance(body, dict):
            raise _NoAnswer(ProblemKind.NO_ANSWER, f"the body is {type(body).__name__}, not a JSON object")
        text = _chat_answer(body) if endpoint == "/v1/chat/completions" else _responses_answer(body)
        return ParsedResult(result, parsed=model.model_validate_json(text))
    except _NoAnswer as exc:
        return ParsedResult(result, problem=ResultProblem(result.custom_id, exc.kind, str(exc)))
    except ValidationError as exc:
        return ParsedResult(result, problem=_validation_problem(result.custom_id, exc))


def structured_results(results: Iterable[BatchResult], endpoint: str, model: type[M]) -> Iterator[ParsedResult[M]]:
    """Each result with its answer validated into ``model``; checks the endpoint and pydantic up front."""
    if endpoint not in STRUCTURED_ENDPOINTS:
        raise ValueError(
            f"structured outputs are read from {' and '.join(STRUCTURED_ENDPOINTS)} results, not {endpoint}"
        )
    require_pydantic()
    return (parse_answer(result, endpoint, model) for result in results)
