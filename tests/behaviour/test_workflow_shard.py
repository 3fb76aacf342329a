"""Sharding: consecutive shard files, each within every per-batch limit."""

from __future__ import annotations

import json
from pathlib import Path

from openai_batch.workflow import BatchLimits, shard_input_file, validate_input_file


def make_input(path: Path, n: int, *, url: str = "/v1/chat/completions", inputs: int = 1) -> Path:
    with path.open("wb") as out:
        for i in range(n):
            body: dict[str, object] = {"model": "m", "messages": [{"role": "user", "content": f"q{i}"}]}
            if url == "/v1/embeddings":
                body = {"model": "m", "input": [f"t{i}"] * inputs}
            out.write(json.dumps({"custom_id": f"r{i}", "method": "POST", "url": url, "body": body}).encode() + b"\n")
    return path


def ids(path: Path) -> list[str]:
    return [json.loads(x)["custom_id"] for x in path.read_bytes().splitlines()]


def test_split_by_request_count_keeps_order(tmp_path: Path) -> None:
    src = make_input(tmp_path / "in.jsonl", 25)
    specs = shard_input_file(
        src, tmp_path / "out", endpoint="/v1/chat/completions", limits=BatchLimits(max_requests=10)
    )
    assert [s.request_count for s in specs] == [10, 10, 5]
    assert [s.first_line for s in specs] == [1, 11, 21]
    assert [cid for s in specs for cid in ids(s.path)] == [f"r{i}" for i in range(25)]
    assert b"".join(s.path.read_bytes() for s in specs) == src.read_bytes()
    for spec in specs:
        assert spec.byte_size == spec.path.stat().st_size
        assert validate_input_file(spec.path, limits=BatchLimits(max_requests=10)).ok
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [f"shard-0000{i}.jsonl" for i in range(3)]


def test_split_by_bytes(tmp_path: Path) -> None:
    src = make_input(tmp_path / "in.jsonl", 30)
    size = len(src.read_bytes().splitlines()[0]) + 1
    limit = size * 7 + 3
    specs = shard_input_file(src, tmp_path / "o", endpoint="/v1/chat/completions", limits=BatchLimits(max_bytes=limit))
    assert all(s.byte_size <= limit for s in specs)
    assert sum(s.request_count for s in specs) == 30
    assert len(specs) >= 4


def test_split_by_embedding_inputs(tmp_path: Path) -> None:
    src = make_input(tmp_path / "in.jsonl", 10, url="/v1/embeddings", inputs=4)
    specs = shard_input_file(
        src, tmp_path / "o", endpoint="/v1/embeddings", limits=BatchLimits(max_embedding_inputs=10)
    )
    assert [s.embedding_inputs for s in specs] == [8, 8, 8, 8, 8]
    assert [s.request_count for s in specs] == [2] * 5


def test_missing_final_newline_is_added(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(make_input(tmp_path / "tmp.jsonl", 3).read_bytes().rstrip(b"\n"))
    specs = shard_input_file(src, tmp_path / "o", endpoint="/v1/chat/completions", limits=BatchLimits(max_requests=2))
    assert specs[-1].path.read_bytes().endswith(b"\n")
    assert [s.request_count for s in specs] == [2, 1]


def test_the_planner_hands_bodies_to_the_counter_a_bounded_amount_at_a_time(tmp_path: Path) -> None:
    # Long lines: a few hundred parsed bodies of 100 KB each would hold tens of MB at once.
    from typing import Any

    from openai_batch._tokens import TokenCounter
    from openai_batch.workflow import plan_shards

    class Spy(TokenCounter):
        def __init__(self) -> None:
            super().__init__()
            self.handed: list[int] = []

        def add_all(self, endpoint: str, bodies: Any) -> None:
            bodies = list(bodies)
            self.handed.append(sum(len(json.dumps(body)) for body in bodies))
            super().add_all(endpoint, bodies)

    src = tmp_path / "in.jsonl"
    with src.open("wb") as out:
        for i in range(60):
            body = {"model": "m", "messages": [{"role": "user", "content": "word " * 20_000}]}
            out.write(
                json.dumps(
                    {"custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions", "body": body}
                ).encode()
                + b"\n"
            )
    spy = Spy()
    plans = plan_shards(src, endpoint="/v1/chat/completions", limits=BatchLimits(max_requests=25), counter=spy)
    assert [plan.request_count for plan in plans] == [25, 25, 10]
    assert max(spy.handed) <= (1 << 20) + 110_000  # a mebibyte of lines, and the one that passed it
    estimate = TokenCounter().estimator.body_tokens(
        "/v1/chat/completions", {"model": "m", "messages": [{"role": "user", "content": "word " * 20_000}]}
    )
    assert [plan.token_estimate for plan in plans] == [25 * estimate, 25 * estimate, 10 * estimate]
