"""Usage sums read a block of chat lines at once, and agree with reading every line on its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import orjson
import pytest
from openai_batch.workflow import _usage_lines
from openai_batch.workflow._usage import TokenCounts, sum_result_file


def chat_line(i: int, model: str = "gpt-4o-mini", reasoning: int = 0) -> bytes:
    """A result line in the service's layout (key order and compact separators as it writes them)."""
    body = {
        "id": f"chatcmpl-{i}",
        "object": "chat.completion",
        "created": 1_700_000_000 + i,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": f'answer {i} with "usage" in it'}}],
        "usage": {
            "prompt_tokens": 10 + i,
            "completion_tokens": 5 + i % 7,
            "total_tokens": 15 + i + i % 7,
            "prompt_tokens_details": {"cached_tokens": i % 3, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": reasoning, "audio_tokens": 0},
        },
        "service_tier": "default",
    }
    line = {
        "id": f"batch_req_{i}",
        "custom_id": f"r{i}",
        "response": {"status_code": 200, "request_id": "q", "body": body},
    }
    return orjson.dumps({**line, "error": None}) + b"\n"


def other_lines() -> list[bytes]:
    error = {"id": "e", "custom_id": "bad", "response": {"status_code": 400, "body": {"error": {"message": "no"}}}}
    responses = {
        "custom_id": "resp",
        "response": {
            "status_code": 200,
            "body": {
                "object": "response",
                "model": "gpt-4.1",
                "usage": {"input_tokens": 7, "input_tokens_details": {"cached_tokens": 2}, "output_tokens": 3},
            },
        },
    }
    embedding = {
        "custom_id": "emb",
        "response": {
            "status_code": 200,
            "body": {
                "object": "list",
                "data": [{"embedding": [0.5] * 3000}],
                "model": "text-embedding-3-small",
                "usage": {"prompt_tokens": 4, "total_tokens": 4},
            },
        },
    }
    return [orjson.dumps(error) + b"\n", orjson.dumps(responses) + b"\n", orjson.dumps(embedding) + b"\n"]


def one_by_one(path: Path) -> dict[str | None, tuple[int, ...]]:
    """The reference: every line read on its own by the line reader."""
    sums: dict[str | None, list[int]] = {}
    for raw in path.read_bytes().splitlines(keepends=True):
        found = _usage_lines.line_usage(raw)
        if found is not None:
            total = sums.setdefault(found[0], [0, 0, 0, 0, 0])
            for i, value in enumerate((1, *found[1])):
                total[i] += value
    return {model: tuple(values) for model, values in sums.items()}


def as_tuples(sums: dict[str | None, TokenCounts]) -> dict[str | None, tuple[int, ...]]:
    return {model: attrs.astuple(counts) for model, counts in sums.items()}


def test_chat_lines_are_summed_a_block_at_a_time_without_reading_each_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes(b"".join(chat_line(i) for i in range(3000)))
    calls: list[Any] = []
    reader = _usage_lines.line_usage
    monkeypatch.setattr(_usage_lines, "line_usage", lambda raw: calls.append(raw) or reader(raw))
    summed = as_tuples(sum_result_file(path))
    assert calls == []
    prompt = sum(10 + i for i in range(3000))
    cached = sum(i % 3 for i in range(3000))
    completion = sum(5 + i % 7 for i in range(3000))
    assert summed == {"gpt-4o-mini": (3000, prompt, cached, completion, 0)}


@pytest.mark.parametrize("block", [64, 1000, 1 << 20])
def test_mixed_files_agree_with_reading_every_line_whatever_the_block_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    monkeypatch.setattr(_usage_lines, "_SUM_BLOCK", block)
    lines = [chat_line(i, model="gpt-4o-mini" if i % 2 else "gpt-4o", reasoning=i % 5) for i in range(200)]
    for at, line in zip((3, 50, 120), other_lines(), strict=True):
        lines.insert(at, line)
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"".join(lines)[:-1])  # the last line without its newline
    summed = as_tuples(sum_result_file(path))
    assert summed == one_by_one(path)
    assert set(summed) == {"gpt-4o-mini", "gpt-4o", "gpt-4.1", "text-embedding-3-small"}
    assert summed["gpt-4.1"] == (1, 7, 2, 3, 0)
