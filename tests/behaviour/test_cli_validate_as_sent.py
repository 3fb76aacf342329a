"""`validate` checks a file as `submit` sends it (sharded) and says how many batches it makes;
`--single-batch` checks one batch's limits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openai_batch.cli import main

from tests.behaviour.workflow_fakes import write_chat_input


def test_validate_counts_the_batches_submit_makes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 7)
    assert main(["validate", str(src), "--max-requests-per-batch", "3"]) == 0
    text = capsys.readouterr().out
    assert "7 requests" in text and "submit sends it as 3 batches" in text
    assert main(["validate", str(src), "--max-requests-per-batch", "3", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and report["batches"] == 3


def test_single_batch_checks_one_batchs_limits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 7)
    assert main(["validate", str(src), "--max-requests-per-batch", "3", "--single-batch"]) == 4
    err = capsys.readouterr().err
    assert "too_many_requests" in err and "submit" in err and "shards" in err
    assert main(["validate", str(src), "--single-batch", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["batches"] == 1
