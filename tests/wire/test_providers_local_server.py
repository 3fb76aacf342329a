"""The local server emulating other services (Azure on both path styles, Groq), used by our client,
by jobs of three shards, and by the official SDK's `AzureOpenAI`."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from openai import AzureOpenAI
from openai_batch import AsyncBatchClient, BatchClient
from openai_batch.cli import main
from openai_batch.server import LocalServer
from openai_batch.workflow import AsyncJob, BatchLimits, Job, QueuePolicy
from openai_batch.workflow._sending import origin_key

from tests.fixtures.local_server import ROOMY_QUEUE, input_file

pytestmark = pytest.mark.wire

KEY = "azure-local-key-0123456789"
VERSION = "2024-10-21"
FAST_POLL: dict[str, Any] = {"poll_interval": 0.02, "max_interval": 0.05, "deadline": 60}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_VERSION", "AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def azure(local_server_factory: Callable[..., LocalServer]) -> LocalServer:
    return local_server_factory(provider="azure", required_api_key=KEY, enqueued_token_limit=10**9, throughput=1000.0)


@pytest.fixture
def clients() -> Iterator[list[BatchClient]]:
    made: list[BatchClient] = []
    yield made
    for client in made:
        client.close()


def upload(http: httpx.Client, path: str, data: bytes) -> httpx.Response:
    return http.post(path, files={"file": ("in.jsonl", data)}, data={"purpose": "batch"})


def test_azure_paths_versions_auth_and_answers(azure: LocalServer) -> None:
    data = input_file(f"r{i}" for i in range(3))
    with httpx.Client(base_url=azure.root_url, headers={"api-key": KEY}) as http:
        missing = http.get("/openai/batches")
        assert (missing.status_code, missing.json()["error"]["message"]) == (404, "Resource not found")
        dated_v1 = http.get("/openai/v1/batches", params={"api-version": VERSION})
        assert dated_v1.status_code == 400
        assert http.get("/v1/batches").status_code == 404  # OpenAI's path is not Azure's
        denied = httpx.get(f"{azure.root_url}/openai/v1/batches")
        assert denied.status_code == 401
        wrong = httpx.get(f"{azure.root_url}/openai/v1/batches", headers={"api-key": "wrong-key-123456"})
        assert wrong.status_code == 401 and "wrong-key" not in wrong.text

        uploaded = upload(http, f"/openai/files?api-version={VERSION}", data)
        assert uploaded.status_code == 201
        file_id = uploaded.json()["id"]
        assert uploaded.headers["location"] == f"{azure.root_url}/openai/files/{file_id}?api-version={VERSION}"
        created = http.post(
            "/openai/batches",
            params={"api-version": VERSION},
            json={"input_file_id": file_id, "endpoint": "/v1/chat/completions", "completion_window": "24h"},
        )
        assert created.status_code == 201
        assert created.headers["deployment-maximum-enqueued-tokens"] == str(10**9)
        assert int(created.headers["deployment-enqueued-tokens"]) >= 0
        batch = created.json()
        assert batch["status"] == "Validating" and batch["request_counts"] is None
        assert isinstance(batch["created_at"], str) and batch["created_at"].endswith("Z")
        assert batch["output_file_id"] == ""

        on_v1 = upload(http, "/openai/v1/files", data)
        assert on_v1.status_code == 200 and "location" not in on_v1.headers
        content = http.get(f"/openai/files/{file_id}/content", params={"api-version": VERSION})
        assert content.content == data


def test_quirks_can_be_switched_off(local_server_factory: Callable[..., LocalServer]) -> None:
    server = local_server_factory(provider="azure", provider_quirks=False)
    with httpx.Client(base_url=server.root_url, headers={"api-key": KEY}) as http:
        file_id = upload(http, "/openai/v1/files", input_file(["a"])).json()["id"]
        batch = http.post(
            "/openai/v1/batches",
            json={"input_file_id": file_id, "endpoint": "/v1/chat/completions", "completion_window": "24h"},
        ).json()
    assert batch["status"] == "validating" and isinstance(batch["created_at"], int)


def test_one_deployment_per_file(azure: LocalServer, clients: list[BatchClient], tmp_path: Path) -> None:
    client = BatchClient(KEY, provider="azure", endpoint=azure.root_url)
    clients.append(client)
    lines = [
        {"custom_id": str(i), "method": "POST", "url": "/v1/chat/completions", "body": {"model": m, "messages": []}}
        for i, m in enumerate(["dep-a", "dep-b"])
    ]
    src = tmp_path / "mixed.jsonl"
    src.write_text("".join(json.dumps(line) + "\n" for line in lines))
    uploaded = client.files.create(file=src, purpose="batch")
    batch = client.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h")
    deadline = time.monotonic() + 10
    while (batch := client.batches.retrieve(batch.id)).status == "validating":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert batch.status == "failed"
    assert batch.errors is not None and "model" in json.dumps(batch.errors.to_dict())


@pytest.mark.parametrize("style", ["legacy", "v1"])
def test_a_three_shard_job_on_each_azure_path_style(
    azure: LocalServer, clients: list[BatchClient], tmp_path: Path, style: str
) -> None:
    version = VERSION if style == "legacy" else None
    client = BatchClient(KEY, provider="azure", endpoint=azure.root_url, api_version=version)
    clients.append(client)
    assert client.base_url.endswith("/openai" if style == "legacy" else "/openai/v1")
    # No budget given: the one the server states on the first create admits the other two shards at once.
    results = run_three_shards(client, tmp_path, queue=None)
    assert all("prompt_filter_results" in r["body"] for r in results)  # Azure's extra fields, kept
    budget = client.stated_queue_budget(model="gpt-4o-mini")  # by deployment: the job noted it per batch
    assert budget is not None and budget.maximum_enqueued_tokens == 10**9


@pytest.mark.parametrize("style", ["legacy", "v1"])
def test_an_async_job_on_each_azure_path_style(azure: LocalServer, tmp_path: Path, style: str) -> None:
    version = VERSION if style == "legacy" else None
    src = tmp_path / "in.jsonl"
    src.write_bytes(input_file(f"r{i:05d}" for i in range(25)))

    async def sleep(seconds: float) -> None:
        await anyio.sleep(min(seconds, 0.02))

    async def run() -> None:
        async with AsyncBatchClient(KEY, provider="azure", endpoint=azure.root_url, api_version=version) as client:
            job = await AsyncJob.submit(
                client, src, state=tmp_path / "jobs.sqlite", limits=BatchLimits(max_requests=10)
            )
            with job:
                # The budget stated on the first create admitted the other shards in the same send.
                assert len(job.status().batch_ids) == 3
                row = job.store.get_job(job.job_id)
                assert row is not None
                assert job.store.learnt_limit(origin_key(row), "gpt-4o-mini") == (10**9, 1.0)
                assert json.loads(origin_key(row))["deployment"] == "gpt-4o-mini"
                status = await job.wait(sleep=sleep, **FAST_POLL)
                assert status.done and [s.status for s in status.shards] == ["completed"] * 3
                summary = await job.write_results(tmp_path / "out.jsonl")
                assert summary.counts == {"succeeded": 25}
                usage = job.usage()
                # Tokens counted from Azure's lines; no prices shipped for Azure, so the cost is unknown.
                assert usage.total.input_tokens > 0 and usage.cost_usd is None
                assert usage.unknown_models == ["gpt-4o-mini"]

    anyio.run(run)
    results = [json.loads(line) for line in (tmp_path / "out.jsonl").read_bytes().splitlines()]
    assert [r["custom_id"] for r in results] == [f"r{i:05d}" for i in range(25)]
    assert all("prompt_filter_results" in r["body"] for r in results)


def test_a_three_shard_job_on_groq(
    local_server_factory: Callable[..., LocalServer], clients: list[BatchClient], tmp_path: Path
) -> None:
    server = local_server_factory(provider="groq", throughput=1000.0)
    client = BatchClient("gsk-local-0123456789", provider="groq", base_url=f"{server.root_url}/openai/v1")
    clients.append(client)
    run_three_shards(client, tmp_path)
    src = tmp_path / "one.jsonl"
    src.write_bytes(input_file(["w"]))
    uploaded = client.files.create(file=src, purpose="batch")
    week = client.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="7d")
    assert week.expires_at == week.created_at + 7 * 86_400
    with httpx.Client(base_url=server.root_url, headers={"authorization": "Bearer x"}) as http:
        assert http.get("/v1/batches").status_code == 404  # Groq's files and batches live under /openai/v1


def run_three_shards(
    client: BatchClient, tmp_path: Path, queue: QueuePolicy | None = ROOMY_QUEUE
) -> list[dict[str, Any]]:
    """A job of three shards to its results; all three are sent by the submit (the queue's budget admits them)."""
    src = tmp_path / "in.jsonl"
    src.write_bytes(input_file(f"r{i:05d}" for i in range(25)))
    state = tmp_path / "jobs.sqlite"
    with Job.submit(client, src, state=state, limits=BatchLimits(max_requests=10), queue=queue) as job:
        assert len(job.status().batch_ids) == 3
        status = job.wait(**FAST_POLL)
        assert status.done
        assert [s.request_count for s in status.shards] == [10, 10, 5]
        assert [s.status for s in status.shards] == ["completed"] * 3
        summary = job.write_results(tmp_path / "out.jsonl")
        typed = list(job.typed_results())
    results = [json.loads(line) for line in (tmp_path / "out.jsonl").read_bytes().splitlines()]
    assert [r["custom_id"] for r in results] == [f"r{i:05d}" for i in range(25)]
    assert summary.counts == {"succeeded": 25}
    assert len(typed) == 25 and all(item.parsed is not None and item.problem is None for item in typed)
    return results


def test_the_official_azure_sdk_runs_files_and_batches(azure: LocalServer) -> None:
    custom_ids = [f"task-{i}" for i in range(5)]
    with AzureOpenAI(azure_endpoint=azure.root_url, api_key=KEY, api_version=VERSION, max_retries=0) as sdk:
        uploaded = sdk.files.create(file=("requests.jsonl", io.BytesIO(input_file(custom_ids))), purpose="batch")
        batch = sdk.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h")
        assert batch.id.startswith("batch_")
        deadline = time.monotonic() + 10
        while (batch := sdk.batches.retrieve(batch.id)).status.lower() not in ("completed", "failed"):
            assert time.monotonic() < deadline, batch.status
            time.sleep(0.01)
        assert batch.status == "Completed"  # the quirk, as Azure sends it
        assert batch.output_file_id
        assert batch.error_file_id  # a 0-byte error file on success, as Azure names one
        assert sdk.files.content(batch.error_file_id).content == b""
        assert sdk.batches.retrieve(batch.id).error_file_id == batch.error_file_id  # made once
        lines = [json.loads(line) for line in sdk.files.content(batch.output_file_id).text.splitlines()]
        assert sorted(line["custom_id"] for line in lines) == custom_ids
        body = lines[0]["response"]["body"]
        assert body["choices"][0]["content_filter_results"]["hate"] == {"filtered": False, "severity": "safe"}
        assert body["prompt_filter_results"][0]["prompt_index"] == 0
        assert [b.id for b in sdk.batches.list()] == [batch.id]
        assert sdk.files.retrieve(uploaded.id).id == uploaded.id


def readme_azure_block() -> str:
    """The README's Azure quick start: the indented block after "Azure needs three variables"."""
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    after = text[text.index("Azure needs three variables") :]
    lines = after.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("    export "))
    block = []
    for line in lines[start:]:
        if not line.startswith("    "):
            break
        block.append(line[4:])
    return "\n".join(block)


def test_the_readme_azure_quick_start_runs_with_three_variables(
    local_server_factory: Callable[..., LocalServer], tmp_path: Path
) -> None:
    server = local_server_factory(provider="azure", throughput=1000.0)
    block = readme_azure_block()
    assert block.count("export ") == 3
    assert "https://my-resource.openai.azure.com" in block
    # The one substitution: the emulator's address for the resource's.
    script = block.replace("https://my-resource.openai.azure.com", server.root_url)
    (tmp_path / "requests.jsonl").write_bytes(input_file(["q-0", "q-1"]))
    env = {name: value for name, value in os.environ.items() if not name.startswith(("OPENAI_", "AZURE_OPENAI_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"{script}\n{done.stdout}\n{done.stderr}"
    results = [json.loads(line) for line in (tmp_path / "results.jsonl").read_bytes().splitlines()]
    assert sorted(r["custom_id"] for r in results) == ["q-0", "q-1"]
    assert all(r["outcome"] == "succeeded" for r in results)


def test_the_command_line_on_azure_names_azures_variables_and_never_the_key(
    azure: LocalServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", azure.root_url)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "wrong-azure-key-0123456789")
    monkeypatch.setenv("OPENAI_API_VERSION", VERSION)
    assert main(["list", "--limit", "1"]) == 3
    err = capsys.readouterr().err
    assert "check the key in AZURE_OPENAI_API_KEY" in err
    assert "wrong-azure-key" not in err and "has no /v1" not in err
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    assert main(["list", "--limit", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) is not None
