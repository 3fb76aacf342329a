"""`openai-batch` shows a job's usage and cost: `status --json`, and the summary after `submit --wait`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from openai_batch.cli import main
from openai_batch.pricing import PER_TOKENS, load_prices
from openai_batch.server import LocalServer

pytestmark = pytest.mark.wire

POLL = ["--poll-interval", "0.02", "--max-interval", "0.1", "--progress", "never"]
PREAMBLE = "Summarise the ticket below in one sentence. " * 100


@pytest.fixture
def server(local_server_factory: Callable[..., LocalServer], monkeypatch: pytest.MonkeyPatch) -> LocalServer:
    started = local_server_factory(throughput=1000.0)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-local-cli")
    monkeypatch.setenv("OPENAI_BASE_URL", started.base_url)
    return started


def write_input(path: Path, n: int) -> Path:
    with path.open("w") as out:
        for i in range(n):
            body = {
                "model": "gpt-4o-mini",
                "messages": [{"role": "user", "content": f"{PREAMBLE} ticket {i}"}],
                "max_completion_tokens": 200,
            }
            out.write(json.dumps({"custom_id": f"t{i}", "method": "POST", "url": "/v1/chat/completions", "body": body}))
            out.write("\n")
    return path


def test_submit_wait_prints_the_usage_and_status_json_holds_it(
    server: LocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = write_input(tmp_path / "in.jsonl", 6)
    state = str(tmp_path / "jobs.sqlite")
    out = tmp_path / "out.jsonl"
    argv = ["submit", str(src), "--state", state, "--wait", "--out", str(out), "--max-cost", "1", *POLL]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "model        requests  input tokens  cached  output tokens  reasoning  cost" in text
    used = next(line for line in text.splitlines() if line.startswith("used: "))
    assert "at batch prices as of 2025-08-01" in used

    price = load_prices().models["gpt-4o-mini"]
    assert price.cached_input is not None
    expected = 0.0
    cached_total = 0
    for row in (json.loads(x) for x in out.read_text().splitlines()):
        usage = row["body"]["usage"]
        cached = usage["prompt_tokens_details"]["cached_tokens"]
        cached_total += cached
        expected += (
            (usage["prompt_tokens"] - cached) * price.input
            + cached * price.cached_input
            + usage["completion_tokens"] * price.output
        ) / PER_TOKENS
    assert cached_total == 5 * 1024, "every ticket after the first reads the shared preamble from the cache"
    assert f"cost ${expected:.6f}" in used

    # A batch id the job owns opens the job.
    batch_id = json.loads(out.read_text().splitlines()[0])["batch_id"]
    assert main(["status", batch_id, "--state", state, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)  # one JSON document
    usage = document["usage"]
    assert usage["total"]["cost_usd"] == pytest.approx(expected, rel=1e-12)
    assert usage["total"]["cached_tokens"] == cached_total
    assert usage["models"][0]["model"] == "gpt-4o-mini" and usage["models"][0]["requests"] == 6
    assert [b["matches"] for b in usage["batches"]] == [True]
    assert usage["mismatches"] == [] and usage["prices"]["as_of"] == "2025-08-01"
    assert document["job_id"].startswith("job_")
