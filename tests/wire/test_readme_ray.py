"""The README's Ray Data story runs as written and leaves a Parquet of 1,000 results, each joined to its row.

test_readme runs the whole README; this runs the Ray section alone and checks what it leaves behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from openai_batch.server import LocalServer

from tests.wire.test_readme import BLOCK, ROOT

pytestmark = [pytest.mark.wire, pytest.mark.slow]

pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("ray")


def test_the_ray_story_runs(local_server_factory: Callable[..., LocalServer], tmp_path: Path) -> None:
    text = (ROOT / "README.md").read_text()
    start = text.index("## Past one machine: Ray Data")
    end = text.index("\n## ", start + 1)
    code = [m[2] for m in BLOCK.finditer(text[start:end]) if m[1] == "python"]
    assert len(code) == 1
    server = local_server_factory(throughput=1000.0)
    env = {**os.environ, "OPENAI_API_KEY": "sk-local", "OPENAI_BASE_URL": server.base_url}
    env.pop("RAY_ADDRESS", None)  # the story starts its own local cluster
    env["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"  # whose processes listen on 127.0.0.1 only (Ray's local mode)
    done = subprocess.run(
        [sys.executable, "-c", code[0]], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    manifest = json.loads((tmp_path / "ray-job.json").read_text())
    assert manifest["requests"] == 1000
    assert {s["status"] for s in manifest["shards"]} == {"completed"}
    labels = pq.read_table(tmp_path / "ray-labels")
    assert labels.num_rows == 1000
    assert sorted(labels.column("review_id").to_pylist()) == sorted(f"r{i}" for i in range(1000))
    assert labels.column("review_id").to_pylist() == labels.column("custom_id").to_pylist()
    assert set(labels.column("outcome").to_pylist()) == {"succeeded"}
    assert "sk-local" not in (tmp_path / "ray-job.json").read_text()
