"""Usage and cost after a job, and the budget before it, against the local Batch API server.

The expected figures are computed here from the result lines themselves (their ``usage``
objects, priced with the price table by hand), not with the code under test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openai_batch import BatchClient
from openai_batch.pricing import PER_TOKENS, load_prices
from openai_batch.server import LocalServer
from openai_batch.workflow import BatchLimits, BudgetExceededError, Job, QueuePolicy

pytestmark = pytest.mark.wire

FAST_POLL: dict[str, Any] = {"poll_interval": 0.02, "max_interval": 0.05, "deadline": 60}
ROOMY = QueuePolicy(max_enqueued_tokens={"gpt-4o-mini": 10**12, "o4-mini": 10**12})
# Long enough (> 1,024 tokens of 4 characters) for the prompt cache: later requests repeat its start.
PREAMBLE = "You grade answers to arithmetic questions. " * 120


@pytest.fixture
def client(local_server: LocalServer) -> Iterator[BatchClient]:
    with BatchClient(api_key="sk-local-test", base_url=local_server.base_url) as made:
        yield made


def _request(custom_id: str, model: str, content: str, **extra: Any) -> str:
    body = {"model": model, "messages": [{"role": "user", "content": content}], **extra}
    return json.dumps({"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": body})


def _mixed_input(path: Path, n: int = 24, model: str = "o4-mini") -> Path:
    """Requests of one model (a batch runs one), every other one repeating a long preamble."""
    lines = []
    for i in range(n):
        content = f"{PREAMBLE} question {i}: what is {i} + {i}?" if i % 2 == 0 else f"short question {i}"
        lines.append(_request(f"q{i:03d}", model, content, max_completion_tokens=400))
    path.write_text("\n".join(lines) + "\n")
    return path


def _expected_cost(results: Path) -> tuple[float, dict[str, int]]:
    """The cost of every succeeded line at the table's batch prices, and the token totals, from the lines."""
    prices = load_prices()
    total = 0.0
    tokens = {"input": 0, "cached": 0, "output": 0, "reasoning": 0}
    for raw in results.read_text().splitlines():
        row = json.loads(raw)
        if row["outcome"] != "succeeded":
            continue
        body = row["body"]
        usage = body["usage"]
        cached = usage["prompt_tokens_details"]["cached_tokens"]
        price = prices.models[body["model"]]
        assert price.cached_input is not None
        total += (
            (usage["prompt_tokens"] - cached) * price.input
            + cached * price.cached_input
            + usage["completion_tokens"] * price.output
        ) / PER_TOKENS
        tokens["input"] += usage["prompt_tokens"]
        tokens["cached"] += cached
        tokens["output"] += usage["completion_tokens"]
        tokens["reasoning"] += usage["completion_tokens_details"]["reasoning_tokens"]
    return total, tokens


def test_the_cost_after_a_local_job_equals_its_lines_usage_at_the_tables_prices(
    client: BatchClient, tmp_path: Path
) -> None:
    src = _mixed_input(tmp_path / "in.jsonl")
    with Job.submit(
        client, src, state=tmp_path / "jobs.sqlite", limits=BatchLimits(max_requests=10), queue=ROOMY
    ) as job:
        job.wait(**FAST_POLL)
        job.write_results(tmp_path / "out.jsonl")
        usage = job.usage()
    expected, tokens = _expected_cost(tmp_path / "out.jsonl")
    assert usage.cost_usd == pytest.approx(expected, rel=1e-12)
    assert (
        usage.total.input_tokens,
        usage.total.cached_tokens,
        usage.total.output_tokens,
        usage.total.reasoning_tokens,
    ) == (tokens["input"], tokens["cached"], tokens["output"], tokens["reasoning"])
    # The input repeats a long preamble and its model reasons: both show.
    assert tokens["cached"] > 0 and tokens["reasoning"] > 0
    assert [row.model for row in usage.models] == ["o4-mini"]
    assert usage.total.requests == 24
    # Three batches, each reporting usage that equals the sum of its own lines.
    assert len(usage.batches) == 3
    assert all(check.matches for check in usage.batches)
    assert usage.mismatches == []


def test_max_cost_below_the_estimate_uploads_nothing_and_above_it_sends_the_job(
    client: BatchClient, tmp_path: Path
) -> None:
    src = _mixed_input(tmp_path / "in.jsonl", n=6)
    state = tmp_path / "jobs.sqlite"
    with pytest.raises(BudgetExceededError) as refused:
        Job.submit(client, src, state=state, max_cost=0.0001, queue=ROOMY)
    high = refused.value.estimate.total_high_usd
    assert high is not None and high > 0.0001
    assert list(client.files.list()) == [] and list(client.batches.list()) == []
    with Job.submit(client, src, state=state, max_cost=high * 1.01, queue=ROOMY) as job:
        assert not job.resumed, "the refused job was not recorded"
        status = job.wait(**FAST_POLL)
        assert status.succeeded
        # Resuming a job whose every shard has its batch is never refused, whatever the budget.
        with Job.submit(client, src, state=state, max_cost=0.0, queue=ROOMY) as again:
            assert again.resumed and again.job_id == job.job_id
        usage = job.usage()
    assert usage.cost_usd is not None and 0 < usage.cost_usd <= high
    assert len(list(client.files.list(purpose="batch"))) == 1
