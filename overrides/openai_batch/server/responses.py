"""Deterministic fake bodies for each batch endpoint, with token counts derived from text length.

Usage is itemised as the service does: cached prompt tokens (a hit found by the batch's
``caching.PromptCache``) and a reasoning model's hidden reasoning tokens (see ``caching``).

The same request body always yields the same reply text, vectors and usage, so tests can
predict them; ids are derived from a per-request key so a request re-executed after a restart
produces an identical output line.
"""

from __future__ import annotations

import array
import base64
import dataclasses
import hashlib
import json
import math
from collections.abc import Callable
from typing import Any

from .caching import chat_prompt, chat_user_texts, reasoning_tokens, responses_prompt, responses_texts, text_of
from .schema_tokens import schema_tokens

# A 1x1 transparent PNG: a valid image small enough to write thousands of times.
_TINY_PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
        "0000000b49444154789c6360000200000500017a5eab3f0000000049454e44ae426082"
    )
).decode()

_MODERATION_CATEGORIES = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/instructions",
    "self-harm/intent",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)
_REPLY_PREFIX = "Local reply to: "
_QUOTE_LIMIT = 200


class RequestFailure(Exception):
    """The request body is not acceptable to the endpoint: becomes a 400 line in the error file."""

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code


@dataclasses.dataclass
class Rendered:
    body: dict[str, Any]
    input_tokens: int
    output_tokens: int
    #: Parts of input_tokens read from the prompt cache, and of output_tokens spent reasoning.
    cached_tokens: int = 0
    reasoning_tokens: int = 0


def count_tokens(text: str) -> int:
    """About four characters per token, as a rule of thumb for English text."""
    return (len(text) + 3) // 4


def _require_model(body: dict[str, Any]) -> str:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise RequestFailure("Missing required parameter: 'model'.", param="model", code="missing_required_parameter")
    return model


def _reply(prompt: str, max_tokens: Any) -> tuple[str, bool]:
    """The reply text and whether it was cut by the token limit."""
    text = _REPLY_PREFIX + " ".join(prompt.split())[:_QUOTE_LIMIT]
    if isinstance(max_tokens, int) and max_tokens > 0 and count_tokens(text) > max_tokens:
        return text[: max_tokens * 4], True
    return text, False


def _chat(body: dict[str, Any], key: str, created: int, cached: int) -> Rendered:
    model = _require_model(body)
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise RequestFailure(
            "Missing required parameter: 'messages'.", param="messages", code="missing_required_parameter"
        )
    prompt_text = chat_prompt(body)
    user_texts = chat_user_texts(body)
    n = body.get("n", 1)
    if not isinstance(n, int) or not 1 <= n <= 128:
        raise RequestFailure("Invalid 'n': must be an integer between 1 and 128.", param="n", code="invalid_value")
    bound = body.get("max_completion_tokens", body.get("max_tokens"))
    text, cut = _reply(user_texts[-1] if user_texts else prompt_text, bound)
    prompt_tokens = count_tokens(prompt_text) + 3 * len(messages)
    visible = count_tokens(text)
    thinking = reasoning_tokens(model, visible=visible, bound=bound) * n
    completion_tokens = visible * n + thinking
    cached = min(cached, prompt_tokens)
    choices: list[dict[str, Any]] = [
        {
            "index": index,
            "message": {"role": "assistant", "content": text, "refusal": None, "annotations": []},
            "logprobs": None,
            "finish_reason": "length" if cut else "stop",
        }
        for index in range(n)
    ]
    return Rendered(
        body={
            "id": f"chatcmpl-{key[:29]}",
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": choices,
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
                "completion_tokens_details": {
                    "reasoning_tokens": thinking,
                    "audio_tokens": 0,
                    "accepted_prediction_tokens": 0,
                    "rejected_prediction_tokens": 0,
                },
            },
            "service_tier": "default",
            "system_fingerprint": "fp_local",
        },
        input_tokens=prompt_tokens,
        output_tokens=completion_tokens,
        cached_tokens=cached,
        reasoning_tokens=thinking,
    )


def _responses(body: dict[str, Any], key: str, created: int, cached: int) -> Rendered:
    model = _require_model(body)
    texts = responses_texts(body)
    if texts is None:
        raise RequestFailure("Missing required parameter: 'input'.", param="input", code="missing_required_parameter")
    instructions = body.get("instructions")
    prompt_text = responses_prompt(body)
    bound = body.get("max_output_tokens")
    text, cut = _reply(texts[-1] if texts else prompt_text, bound)
    input_tokens = count_tokens(prompt_text)
    visible = count_tokens(text)
    thinking = reasoning_tokens(model, visible=visible, bound=bound)
    output_tokens = visible + thinking
    cached = min(cached, input_tokens)
    return Rendered(
        body={
            "id": f"resp_{key}",
            "object": "response",
            "created_at": created,
            "status": "incomplete" if cut else "completed",
            "error": None,
            "incomplete_details": {"reason": "max_output_tokens"} if cut else None,
            "instructions": instructions if isinstance(instructions, str) else None,
            "max_output_tokens": body.get("max_output_tokens"),
            "model": model,
            "output": [
                {
                    "type": "message",
                    "id": f"msg_{key}",
                    "status": "incomplete" if cut else "completed",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}],
                }
            ],
            "parallel_tool_calls": True,
            "previous_response_id": None,
            "reasoning": {"effort": None, "summary": None},
            "store": False,
            "temperature": body.get("temperature", 1.0),
            "text": {"format": {"type": "text"}},
            "tool_choice": "auto",
            "tools": [],
            "top_p": body.get("top_p", 1.0),
            "truncation": "disabled",
            "usage": {
                "input_tokens": input_tokens,
                "input_tokens_details": {"cached_tokens": cached, "cache_write_tokens": 0},
                "output_tokens": output_tokens,
                "output_tokens_details": {"reasoning_tokens": thinking},
                "total_tokens": input_tokens + output_tokens,
            },
            "metadata": body.get("metadata") or {},
        },
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cached_tokens=cached,
        reasoning_tokens=thinking,
    )


def embedding_vector(text: str, model: str, dimensions: int) -> list[float]:
    """A unit vector seeded from the text: equal texts embed equally, different ones almost never.

    SHAKE-256 yields all the pseudo-random bytes in one C call, which keeps 1536 dimensions cheap.
    """
    raw = array.array("H", hashlib.shake_256(f"{model}\x1f{text}".encode()).digest(2 * dimensions))
    values = [value / 32767.5 - 1.0 for value in raw]
    norm = math.sqrt(sum(value * value for value in values)) or 1.0
    return [round(value / norm, 6) for value in values]


def _default_dimensions(model: str) -> int:
    return 3072 if "large" in model else 1536


def _embeddings(body: dict[str, Any], key: str, created: int, cached: int) -> Rendered:
    model = _require_model(body)
    given = body.get("input")
    if isinstance(given, str):
        texts = [given]
    elif isinstance(given, list) and given and all(isinstance(item, int) for item in given):
        texts = [" ".join(map(str, given))]
    elif isinstance(given, list) and given:
        texts = [item if isinstance(item, str) else " ".join(map(str, item)) for item in given]
    else:
        raise RequestFailure("Missing required parameter: 'input'.", param="input", code="missing_required_parameter")
    dimensions = body.get("dimensions", _default_dimensions(model))
    if not isinstance(dimensions, int) or isinstance(dimensions, bool) or not 1 <= dimensions <= 3072:
        raise RequestFailure(
            "Invalid 'dimensions': must be an integer between 1 and 3072.", param="dimensions", code="invalid_value"
        )
    encoding = body.get("encoding_format", "float")
    if encoding not in ("float", "base64"):
        raise RequestFailure(
            "Invalid 'encoding_format': must be 'float' or 'base64'.", param="encoding_format", code="invalid_value"
        )
    data = []
    for index, text in enumerate(texts):
        vector = embedding_vector(text, model, dimensions)
        embedding: Any = (
            base64.b64encode(array.array("f", vector).tobytes()).decode() if encoding == "base64" else vector
        )
        data.append({"object": "embedding", "index": index, "embedding": embedding})
    tokens = sum(count_tokens(text) for text in texts)
    return Rendered(
        body={
            "object": "list",
            "data": data,
            "model": model,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        },
        input_tokens=tokens,
        output_tokens=0,
    )


def _completions(body: dict[str, Any], key: str, created: int, cached: int) -> Rendered:
    model = _require_model(body)
    given = body.get("prompt")
    if isinstance(given, str):
        prompts = [given]
    elif isinstance(given, list) and given and all(isinstance(item, str) for item in given):
        prompts = list(given)
    else:
        raise RequestFailure("Missing required parameter: 'prompt'.", param="prompt", code="missing_required_parameter")
    n = body.get("n", 1)
    if not isinstance(n, int) or not 1 <= n <= 128:
        raise RequestFailure("Invalid 'n': must be an integer between 1 and 128.", param="n", code="invalid_value")
    choices: list[dict[str, Any]] = []
    completion_tokens = 0
    for prompt in prompts:
        text, cut = _reply(prompt, body.get("max_tokens", 16))
        for _ in range(n):
            choices.append(
                {"text": text, "index": len(choices), "logprobs": None, "finish_reason": "length" if cut else "stop"}
            )
            completion_tokens += count_tokens(text)
    prompt_tokens = sum(count_tokens(prompt) for prompt in prompts)
    return Rendered(
        body={
            "id": f"cmpl-{key[:29]}",
            "object": "text_completion",
            "created": created,
            "model": model,
            "choices": choices,
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
            "system_fingerprint": "fp_local",
        },
        input_tokens=prompt_tokens,
        output_tokens=completion_tokens,
    )


def _moderations(body: dict[str, Any], key: str, created: int, cached: int) -> Rendered:
    given = body.get("input")
    if isinstance(given, str):
        texts = [given]
    elif isinstance(given, list) and given:
        texts = [item if isinstance(item, str) else text_of([item]) for item in given]
    else:
        raise RequestFailure("Missing required parameter: 'input'.", param="input", code="missing_required_parameter")
    model = body.get("model") if isinstance(body.get("model"), str) else "omni-moderation-latest"
    results = []
    for text in texts:
        digest = hashlib.sha256(text.encode()).digest()
        # Scores stay far below any threshold: fake moderation never flags anything.
        scores = {name: digest[i] / 255 * 1e-3 for i, name in enumerate(_MODERATION_CATEGORIES)}
        results.append(
            {
                "flagged": False,
                "categories": dict.fromkeys(_MODERATION_CATEGORIES, False),
                "category_scores": scores,
                "category_applied_input_types": {name: ["text"] for name in _MODERATION_CATEGORIES},
            }
        )
    return Rendered(body={"id": f"modr-{key}", "model": model, "results": results}, input_tokens=0, output_tokens=0)


def _images(body: dict[str, Any], key: str, created: int, cached: int) -> Rendered:
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt:
        raise RequestFailure("Missing required parameter: 'prompt'.", param="prompt", code="missing_required_parameter")
    n = body.get("n", 1)
    if not isinstance(n, int) or not 1 <= n <= 10:
        raise RequestFailure("Invalid 'n': must be an integer between 1 and 10.", param="n", code="invalid_value")
    input_tokens = count_tokens(prompt)
    output_tokens = 272 * n
    return Rendered(
        body={
            "created": created,
            "data": [{"b64_json": _TINY_PNG} for _ in range(n)],
            "usage": {
                "input_tokens": input_tokens,
                "input_tokens_details": {"text_tokens": input_tokens, "image_tokens": 0},
                "output_tokens": output_tokens,
                "total_tokens": input_tokens + output_tokens,
            },
        },
        input_tokens=input_tokens,
        output_tokens=output_tokens,
    )


def _videos(body: dict[str, Any], key: str, created: int, cached: int) -> Rendered:
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt:
        raise RequestFailure("Missing required parameter: 'prompt'.", param="prompt", code="missing_required_parameter")
    return Rendered(
        body={
            "id": f"video_{key}",
            "object": "video",
            "model": body.get("model", "sora-2"),
            "status": "completed",
            "progress": 100,
            "created_at": created,
            "completed_at": created,
            "expires_at": created + 86_400,
            "prompt": prompt,
            "seconds": str(body.get("seconds", "4")),
            "size": str(body.get("size", "720x1280")),
            "remixed_from_video_id": None,
            "error": None,
        },
        input_tokens=count_tokens(prompt),
        output_tokens=0,
    )


_RENDERERS: dict[str, Callable[[dict[str, Any], str, int, int], Rendered]] = {
    "/v1/chat/completions": _chat,
    "/v1/responses": _responses,
    "/v1/embeddings": _embeddings,
    "/v1/completions": _completions,
    "/v1/moderations": _moderations,
    "/v1/images/generations": _images,
    "/v1/images/edits": _images,
    "/v1/videos": _videos,
}

ENDPOINTS = tuple(_RENDERERS)


def render(endpoint: str, body: dict[str, Any], *, key: str, created: int, cached_tokens: int = 0) -> Rendered:
    """The body the endpoint answers to `body`; `key` (hex) seeds the ids. Raises RequestFailure.

    ``cached_tokens`` is the prompt's cache hit (see ``caching.PromptCache``); only chat and
    responses report one.
    """
    renderer = _RENDERERS.get(endpoint)
    if renderer is None:
        raise RequestFailure(f"Unsupported endpoint '{endpoint}'.", param="url")
    return structured_answer(endpoint, body, renderer(body, key, created, cached_tokens))


# --- Structured outputs -------------------------------------------------------------------
# A request asking for a json_schema format gets a JSON answer filled from the schema, so
# structured-output parsing can be tested end to end. A marker in the last user text makes
# the answer deliberately bad, to test that exactly those inputs are reported.
MALFORMED_JSON_MARKER = "[malformed:json]"
REFUSAL_MARKER = "[malformed:refusal]"
LENGTH_MARKER = "[malformed:length]"
REFUSAL_TEXT = "I'm sorry, I can't help with that."


def _requested_schema(endpoint: str, body: dict[str, Any]) -> dict[str, Any] | None:
    if endpoint == "/v1/chat/completions":
        found = body.get("response_format")
        if isinstance(found, dict) and found.get("type") == "json_schema":
            spec = found.get("json_schema")
            schema = spec.get("schema") if isinstance(spec, dict) else None
            return schema if isinstance(schema, dict) else {}
    elif endpoint == "/v1/responses":
        text = body.get("text")
        found = text.get("format") if isinstance(text, dict) else None
        if isinstance(found, dict) and found.get("type") == "json_schema":
            schema = found.get("schema")
            return schema if isinstance(schema, dict) else {}
    return None


def sample_from_schema(schema: Any, root: dict[str, Any], seed: str, depth: int = 0) -> Any:
    """A value of `schema` derived from `seed` only: the same request, the same answer."""
    if not isinstance(schema, dict) or depth > 8:
        return None
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        return sample_from_schema(target, root, seed, depth + 1)
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][len(seed) % len(schema["enum"])]
    for key in ("anyOf", "oneOf", "allOf"):
        members = [m for m in schema.get(key) or [] if m != {"type": "null"}]
        if members:
            return sample_from_schema(members[0], root, seed, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties") or {}
        return {name: sample_from_schema(sub, root, f"{seed}:{name}", depth + 1) for name, sub in properties.items()}
    if kind == "array":
        return [sample_from_schema(schema.get("items"), root, seed, depth + 1)]
    if kind == "integer":
        return len(seed)
    if kind == "number":
        return len(seed) / 4
    if kind == "boolean":
        return len(seed) % 2 == 0
    if kind == "string":
        return seed[-40:]
    return None


def _last_user_text(endpoint: str, body: dict[str, Any]) -> str:
    texts = chat_user_texts(body) if endpoint == "/v1/chat/completions" else responses_texts(body)
    return texts[-1] if texts else ""


def _bill_schema(endpoint: str, rendered: Rendered, tokens: int) -> None:
    # The service shows the model the schema and bills it as input (see ``schema_tokens``).
    usage = rendered.body["usage"]
    usage["prompt_tokens" if endpoint == "/v1/chat/completions" else "input_tokens"] += tokens
    usage["total_tokens"] += tokens
    rendered.input_tokens += tokens


def structured_answer(endpoint: str, body: dict[str, Any], rendered: Rendered) -> Rendered:
    """`rendered` with its text replaced by a JSON answer when the request asks for a json_schema format."""
    schema = _requested_schema(endpoint, body)
    if schema is None:
        return rendered
    _bill_schema(endpoint, rendered, schema_tokens(schema, count_tokens))
    prompt = _last_user_text(endpoint, body)
    answer = json.dumps(sample_from_schema(schema, schema, " ".join(prompt.split())), separators=(",", ":"))
    refused = REFUSAL_MARKER in prompt
    if MALFORMED_JSON_MARKER in prompt:
        answer = answer[:-1] + ',"unterminated'
    if LENGTH_MARKER in prompt:
        answer = answer[: max(1, len(answer) // 2)]
    reply = rendered.body
    if endpoint == "/v1/chat/completions":
        for choice in reply["choices"]:
            message = choice["message"]
            message["content"], message["refusal"] = (None, REFUSAL_TEXT) if refused else (answer, None)
            choice["finish_reason"] = "length" if LENGTH_MARKER in prompt else "stop"
    else:
        content: dict[str, Any] = (
            {"type": "refusal", "refusal": REFUSAL_TEXT}
            if refused
            else {"type": "output_text", "text": answer, "annotations": [], "logprobs": []}
        )
        reply["output"][0]["content"] = [content]
        cut = LENGTH_MARKER in prompt
        reply["status"] = "incomplete" if cut else "completed"
        reply["output"][0]["status"] = "incomplete" if cut else "completed"
        reply["incomplete_details"] = {"reason": "max_output_tokens"} if cut else None
        reply["text"] = {"format": body["text"]["format"]}
    return rendered
