"""README.md is a tested document: every ```python and ```sh block runs, in order, in one
directory, against the local server; a block that drifts from the code fails here.

The hidden preamble: the environment points the client at the local server (OPENAI_BASE_URL,
OPENAI_API_KEY) and puts this interpreter's `openai-batch` first on PATH; shell blocks run
under `set -euo pipefail`, so any failing command fails the block. `make` is run with
--dry-run: its targets (the whole test suite, a 1,000-request demo, regeneration) are checked to
exist and expand, not run again from inside the tests.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from openai_batch import BatchClient
from openai_batch.server import LocalServer

pytestmark = pytest.mark.wire

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
SHELL_PREAMBLE = f'make() {{ command make -C "{ROOT}" --dry-run "$@" > /dev/null; }}\n'


def blocks() -> list[tuple[str, str]]:
    return [(m[1], m[2]) for m in BLOCK.finditer((ROOT / "README.md").read_text())]


def test_every_block_is_python_or_shell() -> None:
    found = blocks()
    assert len(found) >= 6
    assert {language for language, _ in found} == {"python", "sh"}


def environment(server: LocalServer) -> dict[str, str]:
    """The hidden preamble: the client's settings point at ``server``; this interpreter's tools come first."""
    return {
        **os.environ,
        "OPENAI_API_KEY": "sk-local",
        "OPENAI_BASE_URL": server.base_url,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        # The Ray Data story's local cluster listens on 127.0.0.1 only (Ray's single-machine mode).
        "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
    }


def test_the_readme_runs(local_server_factory: Callable[..., LocalServer], tmp_path: Path) -> None:
    server = local_server_factory(throughput=1000.0)
    env = environment(server)
    for number, (language, code) in enumerate(blocks(), 1):
        if language == "python":
            argv = [sys.executable, "-c", code]
        else:
            argv = ["bash", "-euo", "pipefail", "-c", SHELL_PREAMBLE + code]
        done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, f"README block {number} ({language}) failed:\n{code}\n{done.stdout}\n{done.stderr}"
    assert (tmp_path / "results.jsonl").exists()
    assert (tmp_path / "status.json").read_text().count('"job_id"') >= 1


def test_the_readme_async_example_runs_a_20_shard_job_from_asyncio_alone(
    local_server_factory: Callable[..., LocalServer], tmp_path: Path
) -> None:
    """The README's AsyncJob block, exactly as written, on its own: 200 requests in 20 shards, all awaited."""
    found = [code for language, code in blocks() if language == "python" and "AsyncJob.submit(" in code]
    assert len(found) == 1, "the README has one AsyncJob example"
    code = found[0]
    assert "BatchClient(" not in code.replace("AsyncBatchClient(", "")  # no sync client: asyncio alone
    server = local_server_factory(throughput=1000.0)
    argv = [sys.executable, "-c", code]
    done = subprocess.run(argv, cwd=tmp_path, env=environment(server), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"the README's async example failed:\n{done.stdout}\n{done.stderr}"
    # What it printed: batches, outcome counts, answers parsed into its pydantic model.
    assert done.stdout.splitlines()[-1] == "20 batches {'succeeded': 200} 200 parsed"
    # What the service holds: 20 batches of 10 requests, every one completed, none twice.
    with BatchClient(api_key="sk-local", base_url=server.base_url) as client:
        batches = list(client.batches.list(limit=100))
    assert len(batches) == 20
    assert all(b.status == "completed" for b in batches)
    assert sorted(b.request_counts.total for b in batches if b.request_counts) == [10] * 20
    lines = (tmp_path / "countries-results.jsonl").read_bytes().splitlines()
    results = [json.loads(line) for line in lines]
    assert [r["custom_id"] for r in results] == [f"c-{i}" for i in range(200)]
    assert {r["outcome"] for r in results} == {"succeeded"}
    assert len({r["batch_id"] for r in results}) == 20
