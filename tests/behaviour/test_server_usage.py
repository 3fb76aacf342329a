"""The local server's itemised usage: cached prompt tokens, reasoning tokens, and batch usage as the sum of its lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openai_batch.server.caching import CACHE_MIN_TOKENS, CACHE_STEP_TOKENS, PromptCache, reasoning_tokens
from openai_batch.server.responses import count_tokens, render

from tests.behaviour.test_server_lifecycle import CHAT, Harness

PREAMBLE = "Grade the answer below for accuracy and tone. " * 100  # 4,600 characters: 1,150 tokens


def chat(content: str, model: str = "gpt-4o-mini", **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": content}], **extra}


def request(custom_id: str, body: dict[str, Any]) -> bytes:
    line = {"custom_id": custom_id, "method": "POST", "url": CHAT, "body": body}
    return json.dumps(line).encode() + b"\n"


def test_a_prompt_repeating_an_earlier_ones_start_is_cached_in_128_token_steps_from_1024() -> None:
    cache = PromptCache()
    long_text = "x" * (4 * 1500)  # 1,500 tokens
    assert cache.cached_tokens("gpt-4o", long_text) == 0, "nothing seen yet"
    assert cache.cached_tokens("gpt-4o", long_text) == 1408, "the largest 1024 + 128 k that fits 1,500"
    # Only the first 1,200 tokens are shared with the earlier prompt: 1,152 of them are cached.
    assert cache.cached_tokens("gpt-4o", "x" * (4 * 1200) + "y" * 4000) == 1152
    # Another model has its own cache; a short prompt is never cached.
    assert cache.cached_tokens("gpt-4.1", long_text) == 0
    assert cache.cached_tokens("gpt-4o", "x" * (4 * CACHE_MIN_TOKENS - 1)) == 0
    # The prefix must repeat from the very start.
    assert cache.cached_tokens("gpt-4o", "z" + long_text) == 0
    assert (CACHE_MIN_TOKENS, CACHE_STEP_TOKENS) == (1024, 128)


def test_chat_and_responses_report_the_cache_hit_they_are_given() -> None:
    rendered = render(CHAT, chat(PREAMBLE), key="k", created=1, cached_tokens=1024)
    usage = rendered.body["usage"]
    assert usage["prompt_tokens_details"]["cached_tokens"] == rendered.cached_tokens == 1024
    assert usage["prompt_tokens"] >= 1024
    body = render("/v1/responses", {"model": "gpt-4.1", "input": PREAMBLE}, key="k", created=1, cached_tokens=1024)
    assert body.body["usage"]["input_tokens_details"]["cached_tokens"] == 1024


def test_reasoning_models_spend_hidden_tokens_within_the_output_bound() -> None:
    plain = render(CHAT, chat("What is 2+2?"), key="k", created=1)
    reasoned = render(CHAT, chat("What is 2+2?", model="o4-mini"), key="k", created=1)
    visible = count_tokens(reasoned.body["choices"][0]["message"]["content"])
    details = reasoned.body["usage"]["completion_tokens_details"]
    assert plain.reasoning_tokens == 0 and plain.body["usage"]["completion_tokens_details"]["reasoning_tokens"] == 0
    assert details["reasoning_tokens"] == reasoned.reasoning_tokens == 2 * visible
    assert reasoned.body["usage"]["completion_tokens"] == reasoned.output_tokens == 3 * visible
    # A bound caps reasoning and answer together, as the service bills them.
    bounded = render(
        CHAT, chat("What is 2+2?", model="gpt-5-mini", max_completion_tokens=visible + 3), key="k", created=1
    )
    assert bounded.body["usage"]["completion_tokens"] == visible + 3
    responses = render("/v1/responses", {"model": "o3", "input": "hello"}, key="k", created=1)
    assert responses.body["usage"]["output_tokens_details"]["reasoning_tokens"] == responses.reasoning_tokens > 0
    assert reasoning_tokens("o1-mini", visible=10, bound=None) == 20
    assert reasoning_tokens("gpt-4o", visible=10, bound=None) == 0


def _batch_input() -> bytes:
    bodies = [
        chat(PREAMBLE + " first", model="o4-mini"),
        chat("short", model="o4-mini"),
        chat(PREAMBLE + " second", model="o4-mini"),
        chat(PREAMBLE + PREAMBLE, model="o4-mini"),
        chat(PREAMBLE + " third", model="o4-mini"),
    ]
    return b"".join(request(f"r{i}", body) for i, body in enumerate(bodies))


def _run(harness: Harness, batch_id: str) -> dict[str, Any]:
    for _ in range(4):
        harness.step(10)
    return harness.batch(batch_id)


def test_a_batchs_usage_is_the_sum_of_its_lines_cached_and_reasoning_included(tmp_path: Path) -> None:
    harness = Harness(tmp_path / "data", throughput=100.0)
    batch_id = harness.create(harness.upload(_batch_input()))
    batch = _run(harness, batch_id)
    assert batch["status"] == "completed"
    lines = sorted(harness.lines(batch["output_file_id"]), key=lambda x: x["custom_id"])
    usages = [line["response"]["body"]["usage"] for line in lines]
    cached = [u["prompt_tokens_details"]["cached_tokens"] for u in usages]
    assert cached == [0, 0, 1024, 1024, 1024], "every prompt after the first shares its 1,150-token preamble"
    usage = batch["usage"]
    assert usage["input_tokens"] == sum(u["prompt_tokens"] for u in usages)
    assert usage["input_tokens_details"]["cached_tokens"] == sum(cached) == 3072
    assert usage["output_tokens"] == sum(u["completion_tokens"] for u in usages)
    reasoning = sum(u["completion_tokens_details"]["reasoning_tokens"] for u in usages)
    assert usage["output_tokens_details"]["reasoning_tokens"] == reasoning > 0
    harness.store.close()


def test_a_restart_mid_batch_reports_the_same_cache_hits(tmp_path: Path) -> None:
    straight = Harness(tmp_path / "straight", throughput=100.0)
    expected = _run(straight, straight.create(straight.upload(_batch_input())))
    expected_lines = sorted(
        json.dumps(x["response"]["body"]["usage"]) for x in straight.lines(expected["output_file_id"])
    )
    straight.store.close()

    data_dir = tmp_path / "restarted"
    first = Harness(data_dir, throughput=1.0)
    batch_id = first.create(first.upload(_batch_input()))
    first.step(10)
    first.step(2)  # two requests run, then the server stops
    assert first.batch(batch_id)["request_counts"]["completed"] == 2
    first.store.close()
    again = Harness(data_dir, throughput=100.0)
    again.clock.advance(12)
    batch = _run(again, batch_id)
    assert batch["usage"] == expected["usage"]
    assert sorted(json.dumps(x["response"]["body"]["usage"]) for x in again.lines(batch["output_file_id"])) == (
        expected_lines
    )
    again.store.close()
