"""Usage after a job: each endpoint's usage shape, summing per model, pricing, and the batch check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openai_batch.pricing import PER_TOKENS, ModelPrice, PriceTable
from openai_batch.workflow import JobStore, TokenCounts
from openai_batch.workflow._usage import job_usage, sum_result_file, usage_counts

CHAT_USAGE = {
    "prompt_tokens": 2000,
    "completion_tokens": 300,
    "total_tokens": 2300,
    "prompt_tokens_details": {"cached_tokens": 1152, "audio_tokens": 0},
    "completion_tokens_details": {"reasoning_tokens": 200, "audio_tokens": 0},
}
RESPONSES_USAGE = {
    "input_tokens": 1500,
    "input_tokens_details": {"cached_tokens": 1024},
    "output_tokens": 90,
    "output_tokens_details": {"reasoning_tokens": 60},
    "total_tokens": 1590,
}
TABLE = PriceTable(
    as_of="2025-08-01",
    models={
        "gpt-4o-mini": ModelPrice(input=0.075, output=0.3, cached_input=0.0375),
        "o4-mini": ModelPrice(input=0.55, output=2.2, cached_input=0.1375),
        "no-cached-rate": ModelPrice(input=1.0, output=2.0),
    },
)


def line(custom_id: str, body: dict[str, Any] | None, *, status: int = 200) -> str:
    response = None if body is None else {"status_code": status, "request_id": f"req-{custom_id}", "body": body}
    error = {"code": "batch_expired", "message": "expired"} if body is None else None
    return json.dumps({"id": f"batch_req_{custom_id}", "custom_id": custom_id, "response": response, "error": error})


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(x + "\n" for x in lines))
    return path


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        (CHAT_USAGE, TokenCounts(1, 2000, 1152, 300, 200)),
        (RESPONSES_USAGE, TokenCounts(1, 1500, 1024, 90, 60)),
        ({"prompt_tokens": 12, "total_tokens": 12}, TokenCounts(1, 12, 0, 0, 0)),  # embeddings
        ({"prompt_tokens": 5, "completion_tokens": 16, "total_tokens": 21}, TokenCounts(1, 5, 0, 16, 0)),  # completions
        (None, None),  # moderations: no usage
        ({"total_tokens": 4}, None),  # nothing this module can read
    ],
)
def test_every_endpoints_usage_shape_reads_as_input_cached_output_reasoning(
    usage: Any, expected: TokenCounts | None
) -> None:
    assert usage_counts(usage) == expected


def test_a_result_file_sums_per_model_and_skips_lines_without_usage(tmp_path: Path) -> None:
    embedding = {"object": "list", "data": [{"embedding": [0.1] * 3000}], "model": "text-embedding-3-small"}
    path = write_lines(
        tmp_path / "out.jsonl",
        [
            line("a", {"model": "gpt-4o-mini", "usage": CHAT_USAGE}),
            line("b", {"model": "gpt-4o-mini", "usage": CHAT_USAGE}),
            line("c", {"model": "o4-mini", "object": "response", "usage": RESPONSES_USAGE}),
            # A long line (read by its "usage" and "model" bytes alone).
            line("d", {**embedding, "usage": {"prompt_tokens": 7, "total_tokens": 7}}),
            # A long line whose body holds a second "usage" key: parsed whole, the body's own one counts.
            line(
                "e",
                {
                    "model": "o4-mini",
                    "text": {"format": {"schema": {"properties": {"usage": {"type": "string"}}}}},
                    "padding": "x" * 9000,
                    "usage": RESPONSES_USAGE,
                },
            ),
            line("f", {"error": {"message": "bad request"}}, status=400),
            line("g", None),
            line("h", {"model": "omni-moderation-latest", "results": []}),
        ],
    )
    assert sum_result_file(path) == {
        "gpt-4o-mini": TokenCounts(2, 4000, 2304, 600, 400),
        "o4-mini": TokenCounts(2, 3000, 2048, 180, 120),
        "text-embedding-3-small": TokenCounts(1, 7, 0, 0, 0),
    }


def _job_with_files(tmp_path: Path, store: JobStore) -> None:
    out = write_lines(
        tmp_path / "out-1.jsonl",
        [line(f"q{i}", {"model": "gpt-4o-mini", "usage": CHAT_USAGE}) for i in range(3)],
    )
    err = write_lines(tmp_path / "err-1.jsonl", [line("q3", {"error": {"message": "no"}}, status=400)])
    store.add_result_file("job_x", 0, "file-out-1", str(out), 3)
    store.add_result_file("job_x", 0, "file-err-1", str(err), 1)


def _batch_usage(input_tokens: int, cached: int, output: int, reasoning: int) -> dict[str, Any]:
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": cached},
        "output_tokens": output,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": input_tokens + output,
    }


def test_job_usage_prices_cached_input_at_the_cached_rate(tmp_path: Path) -> None:
    with JobStore(tmp_path / "jobs.sqlite") as store:
        _job_with_files(tmp_path, store)
        usage = job_usage(store, "job_x", TABLE)
    [row] = usage.models
    assert row.model == "gpt-4o-mini" and row.tokens == TokenCounts(3, 6000, 3456, 900, 600)
    expected = ((6000 - 3456) * 0.075 + 3456 * 0.0375 + 900 * 0.3) / PER_TOKENS
    assert usage.cost_usd == pytest.approx(expected, rel=1e-12)
    assert usage.to_dict()["total"] == {**usage.total.to_dict(), "cost_usd": usage.cost_usd}


def test_a_model_without_a_cached_rate_bills_cached_tokens_at_the_input_rate() -> None:
    price = TABLE.models["no-cached-rate"]
    assert price.cost(input_tokens=2000, cached_tokens=1024, output_tokens=10) == (2000 * 1.0 + 10 * 2.0) / PER_TOKENS


def test_a_model_missing_from_the_table_is_named_and_leaves_the_total_unknown(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "out.jsonl", [line("a", {"model": "my-fine-tune", "usage": CHAT_USAGE})])
    with JobStore(tmp_path / "jobs.sqlite") as store:
        store.add_result_file("job_x", 0, "file-1", str(path), 1)
        _job_with_files(tmp_path, store)
        usage = job_usage(store, "job_x", TABLE)
    assert usage.unknown_models == ["my-fine-tune"]
    assert usage.cost_usd is None
    assert [(row.model, row.cost_usd is None) for row in usage.models] == [
        ("gpt-4o-mini", False),
        ("my-fine-tune", True),
    ]


def test_a_batch_whose_reported_usage_differs_from_its_lines_is_reported_not_raised(tmp_path: Path) -> None:
    with JobStore(tmp_path / "jobs.sqlite") as store:
        _job_with_files(tmp_path, store)
        store.record_batch_usage("job_x", "batch_ok", "file-out-1", "file-err-1", _batch_usage(6000, 3456, 900, 600))
        store.record_batch_usage("job_x", "batch_off", "file-out-1", None, _batch_usage(6000, 0, 900, 0))
        store.record_batch_usage("job_x", "batch_unreported", "file-out-1", None, None)
        store.record_batch_usage("job_x", "batch_not_downloaded", "file-out-9", None, _batch_usage(1, 0, 1, 0))
        usage = job_usage(store, "job_x", TABLE)
    assert [(c.batch_id, c.matches) for c in usage.batches] == [
        ("batch_ok", True),
        ("batch_off", False),
        ("batch_unreported", None),
        ("batch_not_downloaded", None),
    ]
    assert usage.mismatches == [
        "batch batch_off: the service reports input 6,000 (cached 0), output 900 (reasoning 0); "
        "its result lines sum to input 6,000 (cached 3,456), output 900 (reasoning 600)"
    ]
    off = usage.to_dict()["batches"][1]
    assert off["reported"] == {
        "requests": None,
        "input_tokens": 6000,
        "cached_tokens": 0,
        "output_tokens": 900,
        "reasoning_tokens": 0,
    }
    assert off["summed"]["requests"] == 3 and off["matches"] is False


def test_each_file_is_summed_once_and_again_after_it_is_downloaded_again(tmp_path: Path) -> None:
    with JobStore(tmp_path / "jobs.sqlite") as store:
        _job_with_files(tmp_path, store)
        first = job_usage(store, "job_x", TABLE)
        # The stored sums answer: the file itself is not read again.
        (tmp_path / "out-1.jsonl").unlink()
        assert job_usage(store, "job_x", TABLE) == first
        # A new download of the same file (e.g. the first copy was cut short) is summed anew.
        fewer = write_lines(tmp_path / "out-1b.jsonl", [line("q0", {"model": "gpt-4o-mini", "usage": CHAT_USAGE})])
        store.add_result_file("job_x", 0, "file-out-1", str(fewer), 1)
        assert job_usage(store, "job_x", TABLE).total.requests == 1
        store.delete_job("job_x")
        assert store.usage_sums("job_x") == {} and store.batch_usages("job_x") == []
