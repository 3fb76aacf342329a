"""max_cost: a job is refused before anything is uploaded when its upper estimate is over the budget or unknown."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openai_batch.pricing import ModelPrice, PriceTable, estimate_file_cost
from openai_batch.workflow import BudgetExceededError, Job, JobStore, QueuePolicy
from openai_batch.workflow._budget import check_budget

from tests.behaviour.workflow_fakes import FakeClient

TABLE = PriceTable(as_of="2025-08-01", models={"gpt-test": ModelPrice(input=1.0, output=4.0, cached_input=0.5)})
ROOMY = QueuePolicy(max_enqueued_tokens={"gpt-test": 10**12})


def write_input(path: Path, n: int, *, model: str = "gpt-test", **extra: Any) -> Path:
    with path.open("w") as out:
        for i in range(n):
            body = {"model": model, "messages": [{"role": "user", "content": f"question {i}"}], **extra}
            out.write(json.dumps({"custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions", "body": body}))
            out.write("\n")
    return path


def test_an_upper_estimate_within_the_budget_passes(tmp_path: Path) -> None:
    src = write_input(tmp_path / "in.jsonl", 4, max_completion_tokens=100)
    estimate = check_budget(src, 1.0, TABLE)
    assert estimate.total_high_usd is not None and estimate.total_high_usd <= 1.0


def test_over_the_budget_the_message_names_the_estimate_the_budget_and_each_model(tmp_path: Path) -> None:
    src = write_input(tmp_path / "in.jsonl", 4, max_completion_tokens=100)
    high = estimate_file_cost(src, TABLE).total_high_usd
    assert high is not None
    with pytest.raises(BudgetExceededError) as refused:
        check_budget(src, 0.001, TABLE)
    assert str(refused.value) == (
        f"{src} may cost up to ${high:.6f} at batch prices (price table as of 2025-08-01), over the budget of "
        f"$0.001000 (gpt-test: 4 request(s), up to ${high:.6f}); nothing was uploaded. "
        "Raise the budget or send fewer requests"
    )
    assert refused.value.max_cost == 0.001 and refused.value.estimate.total_high_usd == high


def test_unbounded_output_is_refused_because_no_budget_can_be_guaranteed(tmp_path: Path) -> None:
    src = write_input(tmp_path / "in.jsonl", 3)  # no max_completion_tokens
    with pytest.raises(BudgetExceededError) as refused:
        check_budget(src, 1000.0, TABLE)
    message = str(refused.value)
    assert "within the budget of $1,000.00" in message
    assert "some requests set no output bound (max_completion_tokens, max_tokens or max_output_tokens)" in message
    assert "gpt-test: 3 request(s), unbounded (3 request(s) without an output bound)" in message
    assert "nothing was uploaded" in message


def test_a_model_missing_from_the_price_table_is_refused_and_named(tmp_path: Path) -> None:
    src = write_input(tmp_path / "in.jsonl", 2, model="my-fine-tune", max_tokens=10)
    with pytest.raises(BudgetExceededError) as refused:
        check_budget(src, 1000.0, TABLE)
    message = str(refused.value)
    assert "my-fine-tune not in the price table as of 2025-08-01, so the cost cannot be bounded" in message
    assert "Give a price table that lists them (prices=, or --prices)" in message


def test_a_refused_job_uploads_nothing_and_is_not_recorded(tmp_path: Path) -> None:
    client = FakeClient()
    src = write_input(tmp_path / "in.jsonl", 5, max_completion_tokens=50)
    state = tmp_path / "jobs.sqlite"
    with pytest.raises(BudgetExceededError):
        Job.submit(client, src, state=state, max_cost=0.0001, prices=TABLE, queue=ROOMY)
    assert client.server.uploads == 0 and client.server.creates == 0
    with JobStore(state) as store:
        assert store.list_jobs() == []
    with Job.submit(client, src, state=state, max_cost=1.0, prices=TABLE, queue=ROOMY) as job:
        assert not job.resumed
        assert client.server.uploads == 1 and client.server.creates == 1


def test_resuming_a_job_that_sent_everything_is_not_blocked_by_the_budget(tmp_path: Path) -> None:
    client = FakeClient()
    src = write_input(tmp_path / "in.jsonl", 5)  # unbounded output: any budget would refuse it
    state = tmp_path / "jobs.sqlite"
    with Job.submit(client, src, state=state, queue=ROOMY) as job:
        job_id = job.job_id
    with Job.submit(client, src, state=state, max_cost=0.0, prices=TABLE, queue=ROOMY) as again:
        assert again.resumed and again.job_id == job_id
    assert client.server.uploads == 1


def test_resuming_a_job_with_shards_still_to_send_is_checked_and_kept(tmp_path: Path) -> None:
    client = FakeClient()
    src = write_input(tmp_path / "in.jsonl", 5, max_completion_tokens=50)
    state = tmp_path / "jobs.sqlite"
    Job.prepare(client, src, state=state, queue=ROOMY).close()  # recorded, nothing sent
    with pytest.raises(BudgetExceededError):
        Job.submit(client, src, state=state, max_cost=0.0001, prices=TABLE, queue=ROOMY)
    with JobStore(state) as store:
        assert len(store.list_jobs()) == 1, "a recorded job stays recorded"
    assert client.server.uploads == 0


def test_max_cost_must_be_a_number_of_usd(tmp_path: Path) -> None:
    src = write_input(tmp_path / "in.jsonl", 1)
    with pytest.raises(ValueError, match="max_cost must be a number of USD"):
        Job.prepare(FakeClient(), src, state=tmp_path / "jobs.sqlite", max_cost=-1.0)
