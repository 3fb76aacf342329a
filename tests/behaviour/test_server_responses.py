"""The local server's fake endpoint bodies: well-formed, deterministic, usage derived from text."""

from __future__ import annotations

import array
import base64
import math
from typing import Any

import pytest
from openai_batch.server.responses import ENDPOINTS, RequestFailure, count_tokens, render


def chat(content: str, **extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": content}], **extra}


def test_chat_completion_replies_from_the_input_with_usage() -> None:
    rendered = render("/v1/chat/completions", chat("What is 2+2?"), key="ab" * 16, created=123)
    body = rendered.body
    assert body["object"] == "chat.completion"
    assert body["model"] == "gpt-4o-mini"
    assert body["created"] == 123
    [choice] = body["choices"]
    assert "What is 2+2?" in choice["message"]["content"]
    assert choice["message"]["role"] == "assistant"
    assert choice["finish_reason"] == "stop"
    usage = body["usage"]
    assert usage["completion_tokens"] == count_tokens(choice["message"]["content"])
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert (rendered.input_tokens, rendered.output_tokens) == (usage["prompt_tokens"], usage["completion_tokens"])


def test_the_same_request_gives_the_same_body_and_a_different_one_differs() -> None:
    first = render("/v1/chat/completions", chat("hello"), key="k", created=1).body
    again = render("/v1/chat/completions", chat("hello"), key="k", created=1).body
    other = render("/v1/chat/completions", chat("goodbye"), key="k", created=1).body
    assert first == again
    assert first["choices"][0]["message"]["content"] != other["choices"][0]["message"]["content"]


def test_longer_input_costs_more_tokens() -> None:
    short = render("/v1/chat/completions", chat("hi"), key="k", created=1)
    long = render("/v1/chat/completions", chat("hi " * 400), key="k", created=1)
    assert long.input_tokens > short.input_tokens * 50


def test_max_tokens_cuts_the_reply_with_finish_reason_length() -> None:
    body = render("/v1/chat/completions", chat("a long question " * 10, max_tokens=2, n=2), key="k", created=1).body
    assert [choice["finish_reason"] for choice in body["choices"]] == ["length", "length"]
    assert body["usage"]["completion_tokens"] == 4


def test_responses_output_message_and_usage() -> None:
    body = render(
        "/v1/responses", {"model": "gpt-4.1", "input": "Tell me a joke", "instructions": "Be brief"}, key="k", created=5
    ).body
    assert body["object"] == "response"
    assert body["status"] == "completed"
    [message] = body["output"]
    assert message["type"] == "message"
    [part] = message["content"]
    assert part["type"] == "output_text"
    assert "Tell me a joke" in part["text"]
    usage = body["usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"] > 0


@pytest.mark.parametrize(("model", "dimensions"), [("text-embedding-3-small", 1536), ("text-embedding-3-large", 3072)])
def test_embeddings_default_to_the_models_dimensions_as_unit_vectors(model: str, dimensions: int) -> None:
    body = render("/v1/embeddings", {"model": model, "input": ["a", "b"]}, key="k", created=1).body
    assert [item["index"] for item in body["data"]] == [0, 1]
    for item in body["data"]:
        assert len(item["embedding"]) == dimensions
        assert math.isclose(math.fsum(v * v for v in item["embedding"]), 1.0, abs_tol=1e-4)
    assert body["data"][0]["embedding"] != body["data"][1]["embedding"]


def test_embeddings_honour_dimensions_and_base64() -> None:
    request = {"model": "text-embedding-3-small", "input": "same text", "dimensions": 16}
    floats = render("/v1/embeddings", request, key="k", created=1).body["data"][0]["embedding"]
    assert len(floats) == 16
    encoded = render("/v1/embeddings", {**request, "encoding_format": "base64"}, key="k", created=1).body
    decoded = array.array("f", base64.b64decode(encoded["data"][0]["embedding"]))
    assert [round(v, 5) for v in decoded] == [round(v, 5) for v in floats]


def test_completions_answer_each_prompt() -> None:
    body = render(
        "/v1/completions", {"model": "gpt-3.5-turbo-instruct", "prompt": ["one", "two"]}, key="k", created=1
    ).body
    assert body["object"] == "text_completion"
    assert [choice["index"] for choice in body["choices"]] == [0, 1]
    assert "one" in body["choices"][0]["text"] and "two" in body["choices"][1]["text"]


def test_moderations_give_one_result_per_input() -> None:
    body = render("/v1/moderations", {"input": ["x", "y", "z"]}, key="k", created=1).body
    assert len(body["results"]) == 3
    assert body["model"] == "omni-moderation-latest"
    assert all(result["flagged"] is False for result in body["results"])


@pytest.mark.parametrize(
    ("endpoint", "body", "param"),
    [
        ("/v1/chat/completions", {"model": "m"}, "messages"),
        ("/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}]}, "model"),
        ("/v1/embeddings", {"model": "m", "input": "x", "dimensions": 0}, "dimensions"),
        ("/v1/embeddings", {"model": "m"}, "input"),
        ("/v1/responses", {"model": "m"}, "input"),
        ("/v1/completions", {"model": "m", "prompt": 3}, "prompt"),
        ("/v1/moderations", {}, "input"),
        ("/v1/images/generations", {"model": "gpt-image-1"}, "prompt"),
    ],
)
def test_a_body_the_endpoint_cannot_take_raises_naming_the_parameter(
    endpoint: str, body: dict[str, Any], param: str
) -> None:
    with pytest.raises(RequestFailure) as raised:
        render(endpoint, body, key="k", created=1)
    assert raised.value.param == param


def test_every_batch_endpoint_has_a_body() -> None:
    request = {"model": "m", "prompt": "p", "input": "i", "messages": [{"role": "user", "content": "c"}]}
    for endpoint in ENDPOINTS:
        assert render(endpoint, request, key="k", created=1).body, endpoint


# A schema whose shown text is written out by hand below, as the rule in server/schema_tokens.py reads it.
PERSON_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {"name": {"type": "string"}, "required": {"type": "boolean"}},
    "required": ["name", "required"],
    "additionalProperties": False,
}
# Compact JSON without required/additionalProperties/$schema; the property named "required" stays.
PERSON_SHOWN = '{"type":"object","properties":{"name":{"type":"string"},"required":{"type":"boolean"}}}'


def test_a_chat_requests_schema_counts_in_its_prompt_tokens() -> None:
    plain = render("/v1/chat/completions", chat("Who?"), key="k", created=1)
    response_format = {
        "type": "json_schema",
        "json_schema": {"name": "person", "strict": True, "schema": PERSON_SCHEMA},
    }
    shaped = render("/v1/chat/completions", chat("Who?", response_format=response_format), key="k", created=1)
    usage = shaped.body["usage"]
    assert shaped.input_tokens == usage["prompt_tokens"] == plain.input_tokens + count_tokens(PERSON_SHOWN) + 9
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_a_responses_requests_schema_counts_in_its_input_tokens() -> None:
    body: dict[str, Any] = {"model": "gpt-4.1", "input": "Who?"}
    plain = render("/v1/responses", body, key="k", created=1)
    fmt = {"type": "json_schema", "name": "person", "schema": PERSON_SCHEMA}
    shaped = render("/v1/responses", {**body, "text": {"format": fmt}}, key="k", created=1)
    usage = shaped.body["usage"]
    assert shaped.input_tokens == usage["input_tokens"] == plain.input_tokens + count_tokens(PERSON_SHOWN) + 9
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]


def test_the_clients_estimate_of_a_schema_request_is_not_under_the_servers_count() -> None:
    from openai_batch._tokens import TokenEstimator

    response_format = {"type": "json_schema", "json_schema": {"name": "person", "schema": PERSON_SCHEMA}}
    body = chat("Who?", response_format=response_format)
    served = render("/v1/chat/completions", body, key="k", created=1).input_tokens
    estimated = TokenEstimator(use_tiktoken=False).body_tokens("/v1/chat/completions", body)
    assert served <= estimated
