"""A job on another service: the queue budget Azure states on create admits the next shards, the
service's per-file limits shard the input, its rules check it, its deployment names the job, its
prices (none shipped for Azure) are the usage's default. Job and AsyncJob run the one flow.

The service is `FakeAPI` behind `httpx.MockTransport`, answering on Azure's v1 paths
(``/openai/v1/...``) through the whole client stack (auth header, edge normalisation, the
budget headers kept by the client). Its batches stay validating unless a test moves them,
so what a submit sends is decided by admission alone.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import attrs
import httpx
import pytest
from openai_batch import AsyncBatchClient, BatchClient
from openai_batch.pricing import load_prices
from openai_batch.providers import FileLimits, StatedQueueBudget, get_profile
from openai_batch.workflow import AsyncJob, BatchLimits, BudgetExceededError, InputValidationError, Job, limits_for
from openai_batch.workflow._engine import run_async, run_sync
from openai_batch.workflow._sending import origin_key, stated_budget

from tests.behaviour.client_fakes import FakeAPI

KEY = "azure-test-key-0123456789"
ENDPOINT = "https://res.openai.azure.com"
DEPLOYMENT = "dep-a"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class AzureAPI(FakeAPI):
    """`FakeAPI` on Azure's v1 paths, answering POST /batches with the deployment's budget headers.

    ``maximum`` is the deployment's limit (None: no header); ``enqueued(api)`` what the
    deployment holds after the create (None: no header).
    """

    def __init__(self, maximum: int | None, enqueued: Callable[[AzureAPI], int | None] = lambda api: None) -> None:
        super().__init__(clock=time.time)  # the job lists batches created in the last 48 h: real time
        self.maximum = maximum
        self.enqueued = enqueued

    def route(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["api-key"] == KEY and "authorization" not in request.headers
        assert request.url.path.startswith("/openai/v1/"), request.url.path
        path = request.url.path.removeprefix("/openai")
        as_openai = httpx.Request(
            request.method, request.url.copy_with(path=path), headers=request.headers, content=request.content
        )
        response = super().route(as_openai)
        if request.method == "POST" and path == "/v1/batches":
            headers = {}
            if self.maximum is not None:
                headers["deployment-maximum-enqueued-tokens"] = str(self.maximum)
            stated = self.enqueued(self)
            if stated is not None:
                headers["deployment-enqueued-tokens"] = str(stated)
            response.headers.update(headers)
        return response

    @property
    def creates(self) -> int:
        return len(self.batches)


def write_input(path: Path, n: int, models: list[str] | None = None) -> Path:
    with path.open("w") as out:
        for i in range(n):
            model = models[i] if models else DEPLOYMENT
            body = {"model": model, "messages": [{"role": "user", "content": f"question {i:03d}"}]}
            out.write(
                json.dumps({"custom_id": f"r{i:03d}", "method": "POST", "url": "/v1/chat/completions", "body": body})
            )
            out.write("\n")
    return path


def azure_client(api: FakeAPI, **options: Any) -> BatchClient:
    options.setdefault("provider", "azure")
    return BatchClient(
        KEY,
        endpoint=ENDPOINT,
        transport=httpx.MockTransport(api.handler),
        sleep=lambda s: None,
        **options,
    )


def async_azure_client(api: FakeAPI, **options: Any) -> AsyncBatchClient:
    async def no_sleep(seconds: float) -> None:
        pass

    options.setdefault("provider", "azure")
    return AsyncBatchClient(
        KEY, endpoint=ENDPOINT, transport=httpx.MockTransport(api.handler), sleep=no_sleep, **options
    )


def small_azure(max_requests: int) -> Any:
    """Azure's profile with files of at most ``max_requests`` requests (as a user's profile file may say)."""
    azure = get_profile("azure")
    return attrs.evolve(azure, limits=FileLimits(max_requests=max_requests))


def shard_estimate(job: Job | AsyncJob) -> int:
    estimates = {s.token_estimate for s in job.store.shards(job.job_id)}
    assert len(estimates) == 1 and estimates != {0}  # every shard the same size, so one figure
    return estimates.pop()


def estimate_of(tmp_path: Path, requests: int) -> int:
    """The estimate of one shard of ``requests`` lines, from a job that sends nothing (no budget stated)."""
    api = AzureAPI(maximum=None)
    with azure_client(api, provider=small_azure(requests)) as client:
        src = write_input(tmp_path / "probe.jsonl", requests)
        with Job.prepare(client, src, state=tmp_path / "probe.sqlite") as job:
            job.start()
            return shard_estimate(job)


# --- a budget the service states --------------------------------------------------------
def test_without_a_stated_budget_shards_start_one_validation_apart(tmp_path: Path) -> None:
    api = AzureAPI(maximum=None)
    with azure_client(api, provider=small_azure(4)) as client:
        with Job.submit(client, write_input(tmp_path / "in.jsonl", 24), state=tmp_path / "s.sqlite") as job:
            assert len(job.store.shards(job.job_id)) == 6
            assert api.creates == 1  # the ramp: one in validation until its outcome is known
            row = job.store.get_job(job.job_id)
            assert row is not None and job.store.learnt_limit(origin_key(row), DEPLOYMENT) is None


def test_the_budget_stated_on_create_admits_the_next_shards_at_once(tmp_path: Path) -> None:
    estimate = estimate_of(tmp_path, 4)
    maximum = 3 * estimate + estimate // 2  # room for three shards, not four
    api = AzureAPI(maximum=maximum)
    with azure_client(api, provider=small_azure(4)) as client:
        with Job.submit(client, write_input(tmp_path / "in.jsonl", 24), state=tmp_path / "s.sqlite") as job:
            assert shard_estimate(job) == estimate
            assert api.creates == 3  # the first by the ramp, two more against the stated budget
            row = job.store.get_job(job.job_id)
            assert row is not None
            assert job.store.learnt_limit(origin_key(row), DEPLOYMENT) == (maximum, 1.0)
            assert [s.batch_id is not None for s in job.store.shards(job.job_id)] == [True] * 3 + [False] * 3
            # The client noted each batch's deployment: its budget answers by deployment too.
            assert client.stated_queue_budget(model=DEPLOYMENT) is not None
            # One batch finishes: its tokens leave the queue, and the next shard goes out.
            api.batches[0]["status"] = "completed"
            job.refresh()
            job.start()
            assert api.creates == 4


def test_the_enqueued_tokens_stated_count_what_the_job_cannot_see(tmp_path: Path) -> None:
    estimate = estimate_of(tmp_path, 4)
    # Other work holds three shards' worth on the deployment, invisible in this job's listing.
    others = 3 * estimate
    api = AzureAPI(maximum=5 * estimate + estimate // 2, enqueued=lambda api: others + api.creates * estimate)
    with azure_client(api, provider=small_azure(4)) as client:
        with Job.submit(client, write_input(tmp_path / "in.jsonl", 24), state=tmp_path / "s.sqlite"):
            # The job alone would admit five; with the others stated, two fit.
            assert api.creates == 2


@pytest.mark.anyio
async def test_an_async_job_takes_the_stated_budget_from_the_same_flow(tmp_path: Path) -> None:
    estimate = estimate_of(tmp_path, 4)
    maximum = 3 * estimate + estimate // 2
    api = AzureAPI(maximum=maximum)
    async with async_azure_client(api, provider=small_azure(4)) as client:
        job = await AsyncJob.submit(client, write_input(tmp_path / "in.jsonl", 24), state=tmp_path / "s.sqlite")
        with job:
            assert api.creates == 3
            row = job.store.get_job(job.job_id)
            assert row is not None
            assert job.store.learnt_limit(origin_key(row), DEPLOYMENT) == (maximum, 1.0)


def test_a_stated_budget_is_kept_for_the_next_run(tmp_path: Path) -> None:
    estimate = estimate_of(tmp_path, 4)
    maximum = 2 * estimate + estimate // 2
    state = tmp_path / "s.sqlite"
    api = AzureAPI(maximum=maximum)
    with azure_client(api, provider=small_azure(4)) as client:
        with Job.submit(client, write_input(tmp_path / "a.jsonl", 8), state=state):
            assert api.creates == 2
        for batch in api.batches:
            batch["status"] = "completed"
        # A new job on the same deployment, whose creates state nothing: the recorded budget admits at once.
        api.maximum = None
        with Job.submit(client, write_input(tmp_path / "b.jsonl", 12), state=state) as job:
            assert len(job.store.shards(job.job_id)) == 3
            assert api.creates == 4  # two of its three shards, not one (the ramp)


# --- the service's limits, rules, identity and prices ---------------------------------------
def test_the_services_per_file_limits_shard_the_job(tmp_path: Path) -> None:
    src = write_input(tmp_path / "in.jsonl", 10)
    api = AzureAPI(maximum=10**9)
    with azure_client(api, provider=small_azure(3)) as client, Job.prepare(client, src, state=tmp_path / "s") as job:
        assert job.limits.max_requests == 3
        job.start()
        assert [s.request_count for s in job.store.shards(job.job_id)] == [3, 3, 3, 1]
    # Azure's own limits: the file fits one batch. (Another service: the first job's batches are not there.)
    with azure_client(AzureAPI(maximum=10**9)) as client, Job.prepare(client, src, state=tmp_path / "t") as job:
        assert job.limits == limits_for(get_profile("azure"))
        job.start()
        assert len(job.store.shards(job.job_id)) == 1


def test_explicit_limits_win_over_the_services(tmp_path: Path) -> None:
    api = AzureAPI(maximum=10**9)
    src = write_input(tmp_path / "in.jsonl", 10)
    with azure_client(api, provider=small_azure(3)) as client:
        with Job.submit(client, src, state=tmp_path / "s", limits=BatchLimits(max_requests=5)) as job:
            assert [s.request_count for s in job.store.shards(job.job_id)] == [5, 5]


def test_the_services_rules_refuse_two_deployments_before_anything_is_sent(tmp_path: Path) -> None:
    api = AzureAPI(maximum=10**9)
    src = write_input(tmp_path / "in.jsonl", 3, models=[DEPLOYMENT, DEPLOYMENT, "dep-b"])
    with azure_client(api) as client, pytest.raises(InputValidationError) as raised:
        Job.submit(client, src, state=tmp_path / "s")
    assert [(p.line, p.code) for p in raised.value.report.problems] == [(3, "model_mismatch")]
    assert "one deployment" in str(raised.value)
    assert api.requests == []


def test_the_job_is_named_by_the_service_and_the_deployment(tmp_path: Path) -> None:
    api = AzureAPI(maximum=10**9)
    state = tmp_path / "s.sqlite"
    with azure_client(api) as client:
        a = Job.prepare(client, write_input(tmp_path / "a.jsonl", 2), state=state)
        b = Job.prepare(client, write_input(tmp_path / "b.jsonl", 2, models=["dep-b", "dep-b"]), state=state)
        with a, b:
            origins = [json.loads(origin_key(job.store.get_job(job.job_id))) for job in (a, b)]  # type: ignore[arg-type]
    assert origins[0] == {**origins[0], "provider": "azure", "deployment": DEPLOYMENT}
    assert origins[1]["deployment"] == "dep-b"


def test_usage_and_cost_checks_price_by_the_services_table(tmp_path: Path) -> None:
    api = AzureAPI(maximum=10**9)
    src = write_input(tmp_path / "in.jsonl", 2)
    with azure_client(api) as client:
        # No prices are shipped for Azure: a budget cannot be kept, and nothing is sent.
        with pytest.raises(BudgetExceededError, match="not in the price table"):
            Job.submit(client, src, state=tmp_path / "s", max_cost=1.0)
        assert api.requests == []
        with Job.submit(client, src, state=tmp_path / "s") as job:
            usage = job.usage()
    assert usage.prices.models == {} and "Azure OpenAI" in (usage.prices.note or "")


# --- the step that reads the client's own records ------------------------------------------
class Keeps:
    """A client that kept one stated budget (sync and async clients alike: a plain method)."""

    def __init__(self) -> None:
        self.noted: list[tuple[str, str]] = []

    def note_batch_model(self, batch_id: str, model: str) -> None:
        self.noted.append((batch_id, model))

    def stated_queue_budget(self, *, batch_id: str) -> StatedQueueBudget | None:
        return StatedQueueBudget(5, 100, batch_id) if batch_id == "batch_1" else None


def test_both_runners_read_the_stated_budget_and_a_client_without_one_answers_none() -> None:
    expected = StatedQueueBudget(5, 100, "batch_1")
    keeps = Keeps()
    assert run_sync(stated_budget("batch_1", DEPLOYMENT), keeps) == expected
    assert anyio.run(run_async, stated_budget("batch_1", DEPLOYMENT), keeps) == expected
    assert keeps.noted == [("batch_1", DEPLOYMENT)] * 2
    assert run_sync(stated_budget("batch_1", None), keeps) == expected and len(keeps.noted) == 2
    assert run_sync(stated_budget("batch_1", DEPLOYMENT), object()) is None  # a fake that keeps nothing


def complete_with_usage(api: AzureAPI, batch: dict[str, Any], model: str) -> None:
    """Finish ``batch`` as the service would: one output line per request, each with its usage."""
    lines = [json.loads(line) for line in api.contents[batch["input_file_id"]].splitlines()]
    usage = {"prompt_tokens": 1_000_000, "completion_tokens": 0, "total_tokens": 1_000_000}
    output = b"".join(
        json.dumps(
            {
                "id": f"resp-{i}",
                "custom_id": line["custom_id"],
                "response": {"status_code": 200, "request_id": f"req-{i}", "body": {"model": model, "usage": usage}},
                "error": None,
            }
        ).encode()
        + b"\n"
        for i, line in enumerate(lines)
    )
    record = {**api.files[0], "id": "file-out", "bytes": len(output), "purpose": "batch_output"}
    api.files.append(record)
    api.contents["file-out"] = output
    batch.update(
        status="completed",
        output_file_id="file-out",
        request_counts={"total": len(lines), "completed": len(lines), "failed": 0},
    )


def test_a_jobs_usage_and_results_table_default_to_the_services_prices(tmp_path: Path) -> None:
    # A deployment named as an OpenAI model: OpenAI's table would price it, Azure's (none) must not.
    model = "gpt-4o-mini"
    api = AzureAPI(maximum=10**9)
    src = write_input(tmp_path / "in.jsonl", 2, models=[model, model])
    with azure_client(api) as client, Job.submit(client, src, state=tmp_path / "s") as job:
        complete_with_usage(api, api.batches[0], model)
        assert job.wait(sleep=lambda s: None).done
        usage = job.usage()
        assert usage.total.input_tokens == 2_000_000
        assert usage.cost_usd is None and usage.unknown_models == [model]
        openai_cost = job.usage(prices=load_prices()).cost_usd
        assert openai_cost is not None and openai_cost > 0  # the same lines, priced by a table that names it
        table = job.results_table()
        assert table.column("cost_usd").to_pylist() == [None, None]
        priced = job.results_table(prices=load_prices()).column("cost_usd").to_pylist()
        assert all(cost is not None and cost > 0 for cost in priced)


def test_a_window_the_service_does_not_offer_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    api = AzureAPI(maximum=10**9)
    src = write_input(tmp_path / "in.jsonl", 2)
    with azure_client(api) as client, pytest.raises(ValueError, match=r"'1h': azure offers only 24h"):
        Job.submit(client, src, state=tmp_path / "s", completion_window="1h")

    async def from_asyncio() -> None:
        async with async_azure_client(api) as aclient:
            await AsyncJob.submit(aclient, src, state=tmp_path / "a", completion_window="1h")

    with pytest.raises(ValueError, match=r"'1h': azure offers only 24h"):
        anyio.run(from_asyncio)
    assert api.requests == []
    # A service that offers the window takes it (doubleword: 1h and 24h).
    with azure_client(api, provider="doubleword") as client:
        with Job.prepare(client, src, state=tmp_path / "d", completion_window="1h") as job:
            assert job.store.get_job(job.job_id).completion_window == "1h"  # type: ignore[union-attr]
    assert api.requests == []
