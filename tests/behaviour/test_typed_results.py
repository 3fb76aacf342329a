"""Typed result bodies per endpoint, structured-output problems per input, strict JSON schemas."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from openai_batch.server.responses import render
from openai_batch.workflow import BatchInputWriter, BatchResult, Outcome, ProblemKind, strict_json_schema
from openai_batch.workflow._results import RequestError
from openai_batch.workflow._structured import structured_results
from openai_batch.workflow._typed import typed_results
from openai_batch_api import models
from pydantic import BaseModel

REQUESTS: dict[str, tuple[dict[str, Any], type[Any]]] = {
    "/v1/chat/completions": (
        {"model": "m", "messages": [{"role": "user", "content": "hi"}]},
        models.CreateChatCompletionResponse,
    ),
    "/v1/responses": ({"model": "m", "input": "hi"}, models.Response),
    "/v1/embeddings": ({"model": "text-embedding-3-small", "input": "hi"}, models.CreateEmbeddingResponse),
    "/v1/completions": ({"model": "m", "prompt": "hi"}, models.CreateCompletionResponse),
    "/v1/moderations": ({"input": "hi"}, models.CreateModerationResponse),
}


JOB_IMPORT_PROBE = """
import json, sys
import openai_batch.workflow, openai_batch.cli._commands
from openai_batch_api.models import Batch
before = sorted(sys.modules)
from openai_batch.workflow._typed import body_model
body_model("/v1/responses")
print(json.dumps({"before": before, "after": sorted(sys.modules)}))
"""


def test_result_models_and_pydantic_load_only_when_typed_results_are_asked_for() -> None:
    result = subprocess.run(
        [sys.executable, "-c", JOB_IMPORT_PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = json.loads(result.stdout)
    result_models = ("openai_batch_api.models.response", "openai_batch_api.models.create_chat_completion_response")
    for module in (*result_models, "pydantic"):
        assert module not in loaded["before"], f"running a job imported {module}"
    assert "openai_batch_api.models.response" in loaded["after"]


def succeeded(custom_id: str, body: Any) -> BatchResult:
    return BatchResult(custom_id, Outcome.SUCCEEDED, 200, body)


@pytest.mark.parametrize("endpoint", sorted(REQUESTS))
def test_each_endpoints_body_parses_into_its_generated_model(endpoint: str) -> None:
    request, model = REQUESTS[endpoint]
    body = render(endpoint, request, key="ab" * 16, created=1_700_000_000).body
    failed = BatchResult("f", Outcome.FAILED, 500, {"error": {"message": "boom"}})
    broken = succeeded("broken", {"object": "unexpected"})
    items = list(typed_results([succeeded("ok", body), failed, broken], endpoint))
    assert isinstance(items[0].parsed, model) and items[0].problem is None
    assert items[0].parsed.to_dict()["model"] == body["model"]
    assert items[1].parsed is None and items[1].outcome is Outcome.FAILED
    assert items[1].problem is not None and items[1].problem.kind is ProblemKind.FAILED
    assert "500" in items[1].problem.message and "boom" in items[1].problem.message
    assert items[2].parsed is None and items[2].problem is not None
    assert items[2].problem.custom_id == "broken" and items[2].problem.kind is ProblemKind.UNPARSED_BODY


def test_an_endpoint_without_a_generated_model_is_reported_not_raised() -> None:
    items = list(typed_results([succeeded("img", {"data": []})], "/v1/images/generations"))
    assert items[0].problem is not None and items[0].problem.kind is ProblemKind.NO_MODEL


class Answer(BaseModel):
    city: str
    population: int


def chat_body(content: str | None, *, refusal: str | None = None, finish: str = "stop") -> dict[str, Any]:
    message = {"role": "assistant", "content": content, "refusal": refusal}
    return {"choices": [{"index": 0, "message": message, "finish_reason": finish}]}


def test_structured_chat_answers_report_each_problem_by_custom_id() -> None:
    results = [
        succeeded("good", chat_body('{"city": "Oslo", "population": 700000}')),
        succeeded("not-json", chat_body('{"city": "Oslo", ')),
        succeeded("wrong-type", chat_body('{"city": "Oslo", "population": "many"}')),
        succeeded("refused", chat_body(None, refusal="no")),
        succeeded("cut", chat_body('{"city": "Os', finish="length")),
        succeeded("empty", {"choices": []}),
    ]
    items = list(structured_results(results, "/v1/chat/completions", Answer))
    assert items[0].parsed == Answer(city="Oslo", population=700000)
    kinds = {item.custom_id: item.problem.kind for item in items if item.problem is not None}
    assert kinds == {
        "not-json": ProblemKind.INVALID_JSON,
        "wrong-type": ProblemKind.INVALID,
        "refused": ProblemKind.REFUSAL,
        "cut": ProblemKind.TRUNCATED,
        "empty": ProblemKind.NO_ANSWER,
    }
    wrong = next(item for item in items if item.custom_id == "wrong-type")
    assert wrong.problem is not None and "population" in wrong.problem.message


def test_structured_outputs_are_refused_up_front_for_other_endpoints() -> None:
    with pytest.raises(ValueError, match="/v1/embeddings"):
        structured_results([], "/v1/embeddings", Answer)


class Inner(BaseModel):
    label: str = "x"


class Outer(BaseModel):
    name: str
    note: str | None = None
    inner: Inner
    items: list[Inner]


def test_strict_schema_requires_every_property_and_forbids_others() -> None:
    schema = strict_json_schema(Outer)
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["name", "note", "inner", "items"]
    assert "default" not in schema["properties"]["note"]
    inner = schema["$defs"]["Inner"]
    assert inner["additionalProperties"] is False and inner["required"] == ["label"]
    # The model's own schema is untouched (a copy is rewritten).
    assert Outer.model_json_schema()["required"] == ["name", "inner", "items"]


def test_strict_schema_inlines_a_ref_with_siblings() -> None:
    schema = strict_json_schema(
        {
            "type": "object",
            "properties": {"a": {"$ref": "#/$defs/A", "description": "the a"}},
            "$defs": {"A": {"type": "object", "properties": {"x": {"type": "integer"}}}},
        }
    )
    a = schema["properties"]["a"]
    assert "$ref" not in a and a["description"] == "the a"
    assert a["required"] == ["x"] and a["additionalProperties"] is False


def test_builders_fill_response_format_and_text_format_from_the_model(tmp_path: Any) -> None:
    with BatchInputWriter(tmp_path / "chat.jsonl", endpoint="/v1/chat/completions") as writer:
        writer.chat("c", model="m", messages=[{"role": "user", "content": "q"}], response_format=Answer)
    with BatchInputWriter(tmp_path / "resp.jsonl", endpoint="/v1/responses") as writer:
        writer.responses("r", model="m", input="q", text_format=Answer, text={"verbosity": "low"})
    chat = json.loads((tmp_path / "chat.jsonl").read_text())["body"]["response_format"]
    assert chat == {
        "type": "json_schema",
        "json_schema": {"name": "Answer", "schema": strict_json_schema(Answer), "strict": True},
    }
    text = json.loads((tmp_path / "resp.jsonl").read_text())["body"]["text"]
    assert text == {
        "verbosity": "low",
        "format": {"type": "json_schema", "name": "Answer", "schema": strict_json_schema(Answer), "strict": True},
    }


UNSUCCESSFUL = [
    BatchResult("f", Outcome.FAILED, 500, None, RequestError("server_error", "boom")),
    BatchResult("e", Outcome.EXPIRED),
    BatchResult("c", Outcome.CANCELLED),
    BatchResult("m", Outcome.MISSING),
    BatchResult("p", Outcome.PENDING),
]


@pytest.mark.parametrize("parse", ["typed", "structured"])
def test_every_result_without_a_parsed_answer_has_a_problem_named_by_its_outcome(parse: str) -> None:
    good = succeeded("ok", chat_body('{"city": "Oslo", "population": 700000}'))
    results = [good, *UNSUCCESSFUL]
    if parse == "typed":
        items = list(typed_results(results, "/v1/chat/completions"))
    else:
        items = list(structured_results(results, "/v1/chat/completions", Answer))
    # The README's idiom counts only real answers as good.
    kinds = {item.custom_id: item.parsed if item.problem is None else item.problem.kind for item in items}
    assert kinds.pop("ok") is not None
    assert kinds == {
        "f": ProblemKind.FAILED,
        "e": ProblemKind.EXPIRED,
        "c": ProblemKind.CANCELLED,
        "m": ProblemKind.MISSING,
        "p": ProblemKind.PENDING,
    }
    for item in items[1:]:
        assert item.parsed is None and item.problem is not None
        assert item.problem.kind.value == item.outcome.value and item.problem.custom_id == item.custom_id
    failed = items[1].problem
    assert failed is not None and "server_error" in failed.message and "boom" in failed.message
    assert items[1].to_dict()["problem"] == {"kind": "failed", "message": failed.message}
