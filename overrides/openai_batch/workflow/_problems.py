"""Typed results: an input's outcome with its parsed body, or the reason it has none."""

from __future__ import annotations

import enum
from typing import Any, Generic, TypeVar

import attrs

from ._results import BatchResult, Outcome

__all__ = ["ParsedResult", "ProblemKind", "ResultProblem", "unsuccessful"]

T = TypeVar("T")


class ProblemKind(enum.StrEnum):
    """Why a result has no parsed value: the request's outcome when it did not succeed, else why it did not parse.

    Every result without a parsed value has a problem, so ``item.problem is None`` means a
    parsed answer and nothing else.

    Example::

        refused = [i.custom_id for i in job.results(parse=Answer) if i.problem and i.problem.kind is ProblemKind.REFUSAL]
    """

    REFUSAL = "refusal"  # the model refused (chat message.refusal, a responses refusal item)
    TRUNCATED = "truncated"  # the answer was cut (chat finish_reason "length", responses "incomplete")
    INVALID_JSON = "invalid_json"  # the answer is not JSON
    INVALID = "invalid"  # JSON that the model class rejects
    NO_ANSWER = "no_answer"  # the body holds no text answer to validate
    UNPARSED_BODY = "unparsed_body"  # the body does not fit the endpoint's generated model
    NO_MODEL = "no_model"  # the generated package has no model for this endpoint
    # The request did not succeed: the kind is its Outcome's value.
    FAILED = "failed"  # an error line, a non-2xx response, or its batch failed as a whole
    EXPIRED = "expired"  # its batch expired before it ran
    CANCELLED = "cancelled"  # its batch was cancelled before it ran
    MISSING = "missing"  # its batch finished but neither file mentions it
    PENDING = "pending"  # its batch has not finished yet


@attrs.frozen
class ResultProblem:
    """Why one input's answer could not be parsed, named by its custom_id.

    Example::

        for item in job.results(parse=Answer):
            if item.problem is not None:
                print(item.custom_id, item.problem.kind, item.problem.message)
    """

    custom_id: str
    kind: ProblemKind
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind.value, "message": self.message}


@attrs.frozen
class ParsedResult(Generic[T]):
    """One input's :class:`BatchResult` with its parsed value, or the problem that prevented it.

    Exactly one of ``parsed`` and ``problem`` is set. ``parsed`` is set only for a succeeded
    request whose body parsed; a request that failed, expired, was cancelled, is missing or
    is still pending has a ``problem`` whose ``kind`` is its outcome (see :func:`outcome_problem`).

    Example::

        for item in job.typed_results():
            if item.parsed is not None:
                print(item.custom_id, item.parsed.usage)
    """

    result: BatchResult
    parsed: T | None = None
    problem: ResultProblem | None = None

    @property
    def custom_id(self) -> str:
        return self.result.custom_id

    @property
    def outcome(self) -> Outcome:
        return self.result.outcome

    def to_dict(self, parsed: Any = None) -> dict[str, Any]:
        """The result's own dict plus ``parsed`` (given already as JSON data) and ``problem``."""
        return {
            **self.result.to_dict(),
            "parsed": parsed,
            "problem": self.problem.to_dict() if self.problem else None,
        }


def unsuccessful(result: BatchResult) -> ParsedResult[Any]:
    """The parsed result of a request that did not succeed: no value, a problem named by its outcome.

    Example::

        item = unsuccessful(BatchResult("q1", Outcome.EXPIRED))
        assert item.problem is not None and item.problem.kind is ProblemKind.EXPIRED
    """
    kind = ProblemKind(result.outcome.value)
    error = result.error
    if error is not None and (error.code or error.message):
        message = f"the request {kind.value}: " + ": ".join(part for part in (error.code, error.message) if part)
    elif result.status_code is not None:
        found = result.body.get("error") if isinstance(result.body, dict) else None
        said = found.get("message") if isinstance(found, dict) else None
        message = f"the request {kind.value} with HTTP status {result.status_code}" + (f": {said}" if said else "")
    else:
        message = f"the request {kind.value}" if kind is not ProblemKind.PENDING else "the request has not run yet"
    return ParsedResult(result, problem=ResultProblem(result.custom_id, kind, message))
