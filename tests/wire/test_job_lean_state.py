"""A finished job's state stays within 1.25x its result files (+1 MB), holds no copy of the input,
keeps a fixed number of lock files, and `prune` removes it; a rerun then finds the job on the service."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from openai_batch import BatchClient
from openai_batch.cli import main
from openai_batch.server import LocalServer
from openai_batch.workflow import BatchLimits, Job

from tests.fixtures.local_server import input_file

pytestmark = pytest.mark.wire

REQUESTS = 6_000
PER_BATCH = 2_000
POLL = {"poll_interval": 0.02, "max_interval": 0.1, "deadline": 120}


@pytest.fixture
def server(local_server_factory: Callable[..., LocalServer]) -> LocalServer:
    return local_server_factory(throughput=5000.0, fail_custom_id_pattern=r"13$")


@pytest.fixture
def client(server: LocalServer) -> Iterator[BatchClient]:
    with BatchClient(api_key="sk-local-test", base_url=server.base_url) as made:
        yield made


def tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def result_file_bytes(client: BatchClient) -> int:
    return sum(f.bytes_ for f in client.files.list(purpose="batch_output"))


def test_state_of_a_finished_job_is_lean_and_prune_removes_it(
    client: BatchClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(input_file(f"req-{i:05d}" for i in range(REQUESTS)))
    state_dir = tmp_path / "state"
    state = state_dir / "jobs.sqlite"
    with Job.submit(client, src, state=state, limits=BatchLimits(max_requests=PER_BATCH)) as job:
        job.wait(**POLL)
        summary = job.write_results(tmp_path / "out.jsonl")
        job_id = job.job_id
    assert summary.total == REQUESTS and summary.counts["failed"] == REQUESTS // 100
    outputs = result_file_bytes(client)
    size = tree_size(state_dir)
    assert outputs > src.stat().st_size  # result lines are longer than requests
    assert size <= 1.25 * outputs + 1_000_000, (size, outputs)
    # No copy of the input: shards are byte ranges of in.jsonl.
    assert not [p for p in state_dir.rglob("*shard*")]
    locks = sorted(p.name for p in state_dir.iterdir() if "lock" in p.name)
    assert locks == [".jobs.sqlite.init-lock", ".jobs.sqlite.lock"]

    # Prune through the command line: the local files and records go, remote ones too.
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local-test")
    monkeypatch.setenv("OPENAI_BASE_URL", client.base_url)
    assert main(["prune", "--state", str(state), "--json"]) == 0
    pruned = json.loads(capsys.readouterr().out)
    assert [p["job_id"] for p in pruned] == [job_id] and pruned[0]["local_bytes"] > 0
    assert not (state_dir / "jobs" / job_id).exists()
    assert tree_size(state_dir) < 200_000
    # The state was only a cache: the same submit finds the job again and sends nothing.
    with Job.submit(client, src, state=state, limits=BatchLimits(max_requests=PER_BATCH)) as again:
        assert again.job_id == job_id and again.resumed
        again.wait(**POLL)
        assert again.write_results(tmp_path / "out2.jsonl").counts == summary.counts
    assert len(list(client.batches.list(limit=100))) == REQUESTS // PER_BATCH
    assert (tmp_path / "out2.jsonl").read_bytes() == (tmp_path / "out.jsonl").read_bytes()

    assert main(["prune", job_id, "--remote", "--state", str(state), "--json"]) == 0
    (report,) = json.loads(capsys.readouterr().out)
    # 3 uploads, 3 output files and 3 error files deleted on the service.
    assert len(report["remote_files"]) == 9
    assert list(client.files.list()) == []


def test_an_unfinished_job_is_not_pruned(
    client: BatchClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(input_file(f"req-{i:05d}" for i in range(10)))
    state = tmp_path / "jobs.sqlite"
    with Job.submit(client, src, state=state) as job:
        job_id = job.job_id
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local-test")
    assert main(["prune", job_id, "--state", str(state)]) == 2
    assert "not finished" in capsys.readouterr().err
    assert main(["prune", "--state", str(state), "--json"]) == 0  # nothing finished: nothing pruned
    assert json.loads(capsys.readouterr().out) == []
    assert os.path.exists(state)
