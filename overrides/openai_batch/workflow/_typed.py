"""Read succeeded result bodies into the generated model of their endpoint.

The models are generated from the spec's response schemas (overrides/codegen/build_spec.py
RESULT_SCHEMAS), so they follow each regeneration. They are imported here, on first use,
never when openai_batch is imported. A package generated from an older spec may lack one
(the 2024 spec has no Response): its bodies are then reported as NO_MODEL, not raised.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeAlias

from ._problems import ParsedResult, ProblemKind, ResultProblem, unsuccessful
from ._results import BatchResult, Outcome

if TYPE_CHECKING:
    from openai_batch_api.models import (
        CreateChatCompletionResponse,
        CreateCompletionResponse,
        CreateEmbeddingResponse,
        CreateModerationResponse,
        Response,
    )

    ResultBody: TypeAlias = (
        CreateChatCompletionResponse
        | Response
        | CreateEmbeddingResponse
        | CreateCompletionResponse
        | CreateModerationResponse
    )
else:
    ResultBody: TypeAlias = Any

__all__ = ["ResultBody", "body_model", "typed_results"]


def body_model(endpoint: str) -> Callable[[dict[str, Any]], ResultBody] | None:
    """The generated ``from_dict`` for an endpoint's response body, or None when there is none."""
    try:
        if endpoint == "/v1/chat/completions":
            from openai_batch_api.models import CreateChatCompletionResponse

            return CreateChatCompletionResponse.from_dict
        if endpoint == "/v1/responses":
            from openai_batch_api.models import Response

            return Response.from_dict
        if endpoint == "/v1/embeddings":
            from openai_batch_api.models import CreateEmbeddingResponse

            return CreateEmbeddingResponse.from_dict
        if endpoint == "/v1/completions":
            from openai_batch_api.models import CreateCompletionResponse

            return CreateCompletionResponse.from_dict
        if endpoint == "/v1/moderations":
            from openai_batch_api.models import CreateModerationResponse

            return CreateModerationResponse.from_dict
    except ImportError:  # generated from a spec without this schema
        return None
    return None


def parse_body(
    result: BatchResult, from_dict: Callable[[dict[str, Any]], ResultBody] | None, endpoint: str
) -> ParsedResult[ResultBody]:
    if result.outcome is not Outcome.SUCCEEDED:
        return unsuccessful(result)
    if from_dict is None:
        message = f"the generated package has no model for {endpoint} response bodies"
        return ParsedResult(result, problem=ResultProblem(result.custom_id, ProblemKind.NO_MODEL, message))
    if not isinstance(result.body, dict):
        message = f"the body is {type(result.body).__name__}, not a JSON object"
        return ParsedResult(result, problem=ResultProblem(result.custom_id, ProblemKind.UNPARSED_BODY, message))
    try:
        return ParsedResult(result, parsed=from_dict(result.body))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # The generated from_dict raises these on a missing field or a value of another type.
        message = f"the body does not fit the {endpoint} model: {type(exc).__name__}: {exc}"
        return ParsedResult(result, problem=ResultProblem(result.custom_id, ProblemKind.UNPARSED_BODY, message))


def typed_results(results: Iterable[BatchResult], endpoint: str) -> Iterator[ParsedResult[ResultBody]]:
    """Each result with its body parsed into the endpoint's model; a body that does not fit is a problem."""
    from_dict = body_model(endpoint)
    for result in results:
        yield parse_body(result, from_dict, endpoint)
