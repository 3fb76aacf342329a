"""`results --format --out` treats its path as every `--out` does: a symlink is followed and kept, a FIFO is
written in place, and a regular file is replaced atomically with nothing left beside it."""

from __future__ import annotations

import io
import json
import os
import stat
import threading
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from openai_batch.cli import _commands, main

from tests.behaviour.workflow_fakes import FakeClient, write_chat_input

FAST = ["--poll-interval", "0.001", "--max-interval", "0.001"]
IDS = ["r00000", "r00001", "r00002"]


@pytest.fixture
def job(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> list[str]:
    """`results` arguments for a finished job of 3 requests."""
    fake = FakeClient()
    monkeypatch.setattr(_commands, "make_client", lambda args: fake)
    src = write_chat_input(tmp_path / "in.jsonl", 3)
    state = str(tmp_path / "jobs.sqlite")
    assert main(["submit", str(src), "--state", state, "--wait", *FAST, "--json"]) == 0
    job_id = json.loads(capfd.readouterr().out)["job_id"]
    return ["results", job_id, "--state", state]


def test_a_symlinked_out_keeps_its_link_and_its_target_gets_the_table(job: list[str], tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "labels.csv"
    target.write_text("old\n")
    link = tmp_path / "labels.csv"
    link.symlink_to(target)
    assert main([*job, "--format", "csv", "--out", str(link)]) == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert pacsv.read_csv(target).column("custom_id").to_pylist() == IDS
    assert sorted(p.name for p in (tmp_path / "real").iterdir()) == ["labels.csv"]


def test_a_fifo_out_is_written_in_place(job: list[str], tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def read() -> None:
        with fifo.open("rb") as stream:
            received.append(stream.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert main([*job, "--format", "parquet", "--out", str(fifo)]) == 0
    finally:
        if not received and reader.is_alive():  # the command never opened it: let the reader go
            with fifo.open("wb"):
                pass
        reader.join(timeout=30)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert pq.read_table(io.BytesIO(received[0])).column("custom_id").to_pylist() == IDS


def test_a_regular_out_is_replaced_with_nothing_left_beside_it(job: list[str], tmp_path: Path) -> None:
    out = tmp_path / "out" / "labels.jsonl"
    out.parent.mkdir()
    out.write_text("old\n")
    assert main([*job, "--format", "jsonl", "--out", str(out)]) == 0
    assert [json.loads(line)["custom_id"] for line in out.read_text().splitlines()] == IDS
    assert [p.name for p in out.parent.iterdir()] == ["labels.jsonl"]
