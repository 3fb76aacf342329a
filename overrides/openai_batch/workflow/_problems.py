"""Typed results: an input's outcome with its parsed body, or the reason it has none."""

from __future__ import annotations

import enum
from typing import Any, Generic, TypeVar

import attrs

from ._results import BatchResult, Outcome

__all__ = ["ParsedResult", "ProblemKind", "ResultProblem"]

T = TypeVar("T")


class ProblemKind(enum.StrEnum):
    """Why a succeeded request has no parsed value.

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

    ``parsed`` is set only for a succeeded request whose body parsed; a failed, expired or
    pending request has neither ``parsed`` nor ``problem`` (its ``outcome`` says why).

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
