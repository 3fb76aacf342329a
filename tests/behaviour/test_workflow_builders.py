"""BatchInputWriter: typed request builders that stream a valid input file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openai_batch.workflow import BatchInputWriter, BatchLimits, validate_input_file


def read_lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def test_chat_writer_writes_one_request_per_line_and_counts(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    with BatchInputWriter(path, endpoint="/v1/chat/completions") as writer:
        writer.chat("a", model="m", messages=[{"role": "user", "content": "hé"}], max_tokens=5)
        writer.chat("b", model="m", messages=[{"role": "user", "content": "x"}])
    lines = read_lines(path)
    assert lines[0] == {
        "custom_id": "a",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": "m", "messages": [{"role": "user", "content": "hé"}], "max_tokens": 5},
    }
    assert [line["custom_id"] for line in lines] == ["a", "b"]
    assert writer.request_count == 2
    assert writer.byte_size == path.stat().st_size
    assert validate_input_file(path).ok


@pytest.mark.parametrize(
    ("endpoint", "method", "kwargs", "field"),
    [
        ("/v1/responses", "responses", {"model": "m", "input": "hi"}, "input"),
        ("/v1/embeddings", "embeddings", {"model": "m", "input": ["a", "b"]}, "input"),
        ("/v1/completions", "completions", {"model": "m", "prompt": "p"}, "prompt"),
        ("/v1/moderations", "moderations", {"input": "text", "model": "omni-moderation-latest"}, "input"),
    ],
)
def test_each_endpoint_helper_writes_its_body(
    tmp_path: Path, endpoint: str, method: str, kwargs: dict[str, object], field: str
) -> None:
    path = tmp_path / "in.jsonl"
    with BatchInputWriter(path, endpoint=endpoint) as writer:
        getattr(writer, method)("r1", **kwargs)
    (line,) = read_lines(path)
    assert line["url"] == endpoint
    assert isinstance(line["body"], dict)
    assert line["body"][field] == kwargs[field]
    assert validate_input_file(path, endpoint=endpoint).ok


def test_embedding_inputs_are_counted(tmp_path: Path) -> None:
    with BatchInputWriter(tmp_path / "e.jsonl", endpoint="/v1/embeddings") as writer:
        writer.embeddings("a", model="m", input=["x", "y", "z"])
        writer.embeddings("b", model="m", input="w")
        writer.embeddings("c", model="m", input=[1, 2, 3])  # one pre-tokenised input
    assert writer.embedding_inputs == 5


def test_duplicate_custom_id_is_rejected_at_once(tmp_path: Path) -> None:
    with BatchInputWriter(tmp_path / "in.jsonl", endpoint="/v1/chat/completions") as writer:
        writer.chat("same", model="m", messages=[])
        with pytest.raises(ValueError, match="duplicate custom_id 'same'"):
            writer.chat("same", model="m", messages=[])
        assert writer.request_count == 1


def test_second_model_is_rejected(tmp_path: Path) -> None:
    with BatchInputWriter(tmp_path / "in.jsonl", endpoint="/v1/embeddings") as writer:
        writer.embeddings("a", model="m1", input="x")
        with pytest.raises(ValueError, match="one model"):
            writer.embeddings("b", model="m2", input="x")


def test_helper_for_another_endpoint_is_refused(tmp_path: Path) -> None:
    with BatchInputWriter(tmp_path / "in.jsonl", endpoint="/v1/embeddings") as writer:
        with pytest.raises(ValueError, match="chat\\(\\) writes /v1/chat/completions"):
            writer.chat("a", model="m", messages=[])


def test_bad_custom_id_and_endpoint(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unsupported batch endpoint"):
        BatchInputWriter(tmp_path / "x.jsonl", endpoint="/v1/nope")
    with BatchInputWriter(tmp_path / "in.jsonl", endpoint="/v1/chat/completions") as writer:
        with pytest.raises(ValueError, match="non-empty string"):
            writer.add("", {"model": "m"})


def test_limits_refuse_a_request_that_would_not_fit(tmp_path: Path) -> None:
    with BatchInputWriter(
        tmp_path / "in.jsonl", endpoint="/v1/chat/completions", limits=BatchLimits(max_requests=2)
    ) as w:
        w.chat("a", model="m", messages=[])
        w.chat("b", model="m", messages=[])
        with pytest.raises(ValueError, match="exceed 2 requests"):
            w.chat("c", model="m", messages=[])


def test_failed_block_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    with pytest.raises(RuntimeError), BatchInputWriter(path, endpoint="/v1/chat/completions") as writer:
        writer.chat("a", model="m", messages=[])
        raise RuntimeError("boom")
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []
