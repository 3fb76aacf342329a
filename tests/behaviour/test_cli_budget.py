"""`openai-batch submit --max-cost`: refused before any upload (exit 2, kind "budget"), or sent within it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from openai_batch.cli import _commands, main

from tests.behaviour.workflow_fakes import FakeClient

ROOMY = ["--max-enqueued-tokens", "gpt-test=1000000000000"]


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> FakeClient:
    fake = FakeClient()

    def make_client(args: argparse.Namespace) -> FakeClient:
        return fake

    monkeypatch.setattr(_commands, "make_client", make_client)
    return fake


@pytest.fixture
def prices(tmp_path: Path) -> Path:
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"as_of": "2026-01-01", "models": {"gpt-test": {"input": 1.0, "output": 4.0}}}))
    return path


def bounded_input(path: Path, n: int) -> Path:
    with path.open("w") as out:
        for i in range(n):
            body = {"model": "gpt-test", "messages": [{"role": "user", "content": f"q {i}"}], "max_tokens": 100}
            out.write(json.dumps({"custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions", "body": body}))
            out.write("\n")
    return path


def test_max_cost_below_the_estimate_exits_2_and_uploads_nothing(
    client: FakeClient, prices: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = bounded_input(tmp_path / "in.jsonl", 10)
    state = str(tmp_path / "jobs.sqlite")
    argv = ["submit", str(src), "--state", state, "--max-cost", "0.0005", "--prices", str(prices), *ROOMY]
    assert main([*argv, "--json"]) == 2
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["kind"] == "budget" and error["exit_code"] == 2
    assert error["max_cost"] == 0.0005
    high = error["estimate"]["total_high_usd"]
    assert high > 0.0005
    assert error["message"].startswith(
        f"{src} may cost up to ${high:.6f} at batch prices (price table as of 2026-01-01)"
    )
    assert "over the budget of $0.000500 (gpt-test: 10 request(s)" in error["message"]
    assert client.server.uploads == 0 and client.server.creates == 0

    assert main([*argv[:-4], "--max-cost", "$1", "--prices", str(prices), *ROOMY]) == 0
    assert client.server.uploads == 1 and client.server.creates == 1


def test_a_model_the_shipped_table_lacks_is_refused_with_the_reason(
    client: FakeClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = bounded_input(tmp_path / "in.jsonl", 2)
    assert main(["submit", str(src), "--state", str(tmp_path / "s.sqlite"), "--max-cost", "100"]) == 2
    err = capsys.readouterr().err
    assert "gpt-test not in the price table as of" in err and "the cost cannot be bounded" in err
    assert "--prices" in err
    assert client.server.uploads == 0


@pytest.mark.parametrize("value", ["-1", "ten", "nan"])
def test_a_max_cost_that_is_not_an_amount_is_refused_by_the_parser(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["submit", str(tmp_path / "in.jsonl"), "--max-cost", value])
    assert info.value.code == 2
    assert "--max-cost" in capsys.readouterr().err


def test_a_bad_price_file_is_a_usage_error(
    client: FakeClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = bounded_input(tmp_path / "in.jsonl", 2)
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    assert (
        main(["submit", str(src), "--state", str(tmp_path / "s.sqlite"), "--max-cost", "1", "--prices", str(bad)]) == 2
    )
    assert "fix the file given to --prices" in capsys.readouterr().err
    assert client.server.uploads == 0
