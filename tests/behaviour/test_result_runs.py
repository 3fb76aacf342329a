"""Result files are indexed as runs of lines in input order; the join reads them back right in any order."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest
from openai_batch.workflow import BatchLimits, InputValidationError, Job, JobStore
from openai_batch.workflow import _result_index as result_index
from openai_batch.workflow._store import ShardRow

from tests.behaviour.workflow_fakes import (
    ROOMY,
    FakeClient,
    read_results,
    rewrite_outputs,
    submit_job,
    write_chat_input,
)


def no_sleep(seconds: float) -> None:
    pass


def run_job(
    tmp_path: Path, client: FakeClient, requests: int, *, per_batch: int = 50, bad: set[int] | None = None
) -> Job:
    job = submit_job(client, write_chat_input(tmp_path / "in.jsonl", requests, bad=bad), tmp_path, per_batch=per_batch)
    job.wait(sleep=no_sleep)
    return job


def written(job: Job, tmp_path: Path) -> list[dict[str, object]]:
    out = tmp_path / "out.jsonl"
    job.write_results(out)
    return read_results(out)


def test_results_in_input_order_are_one_run_per_file(tmp_path: Path) -> None:
    client = FakeClient()
    with run_job(tmp_path, client, 120, bad={7, 60}) as job:
        store = job.store
        for shard in store.shards(job.job_id):
            runs = store.result_runs(job.job_id, shard.shard_index)
            # output lines around each failed request, plus its line in the error file
            assert sum(run.line_count for run in runs) == shard.request_count
            assert len(runs) <= 3
        assert store.result_count(job.job_id) == 120
        records = written(job, tmp_path)
        assert [r["custom_id"] for r in records] == [
            f"r{i:05d}" if i not in (7, 60) else f"r{i:05d}-bad" for i in range(120)
        ]
        assert [r["outcome"] for r in records].count("failed") == 2


def test_pieces_the_join_does_not_count_are_counted_by_their_one_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pieces of a few lines each: some all successes (counted by the rewrite's pass), some with a
    # failure (counted when the line path asks), the last one without its final newline.
    from openai_batch.workflow import _join

    monkeypatch.setattr(_join, "_PIECE_BYTES", 700)
    client = FakeClient()
    rewrite_outputs(client, lambda lines: [*lines[:-1], lines[-1].rstrip(b"\n")])
    with run_job(tmp_path, client, 120, bad={7, 60}) as job:
        records = written(job, tmp_path)
        ids = [f"r{i:05d}" if i not in (7, 60) else f"r{i:05d}-bad" for i in range(120)]
        assert [r["custom_id"] for r in records] == ids
        assert [r["outcome"] for r in records].count("succeeded") == 118
        assert [r.custom_id for r in job.results()] == ids


def test_results_in_any_order_are_joined_in_input_order(tmp_path: Path) -> None:
    client = FakeClient()
    rewrite_outputs(client, lambda lines: random.Random(len(lines)).sample(lines, len(lines)))
    with run_job(tmp_path, client, 150, bad={3}) as job:
        runs = [r for s in job.store.shards(job.job_id) for r in job.store.result_runs(job.job_id, s.shard_index)]
        assert len(runs) > 10  # shuffled: many short runs
        records = written(job, tmp_path)
        ids = [r["custom_id"] for r in records]
        assert ids == [f"r{i:05d}-bad" if i == 3 else f"r{i:05d}" for i in range(150)]
        # each record carries its own request's answer, not a neighbour's
        for record in records:
            if record["outcome"] == "succeeded":
                body = record["body"]
                assert isinstance(body, dict) and body["custom_id"] == record["custom_id"]
        assert [r.custom_id for r in job.results()] == ids


def test_a_repeated_line_counts_once_and_the_first_wins(tmp_path: Path) -> None:
    def repeat_first_line_changed(lines: list[bytes]) -> list[bytes]:
        again = json.loads(lines[0])
        again["response"]["body"]["repeated"] = True
        return [lines[0], *lines[1:], json.dumps(again).encode() + b"\n"]

    client = FakeClient()
    rewrite_outputs(client, repeat_first_line_changed)
    with run_job(tmp_path, client, 20, per_batch=10) as job:
        assert job.store.result_count(job.job_id) == 20
        records = written(job, tmp_path)
        assert len(records) == 20
        assert not any("repeated" in record["body"] for record in records)  # type: ignore[operator]


def test_a_line_for_a_request_the_batch_never_had_is_left_out(tmp_path: Path) -> None:
    def add_stranger(lines: list[bytes]) -> list[bytes]:
        stranger = json.loads(lines[0])
        stranger["custom_id"] = "not-in-the-input"
        return [lines[0], json.dumps(stranger).encode() + b"\n", *lines[1:]]

    client = FakeClient()
    rewrite_outputs(client, add_stranger)
    with run_job(tmp_path, client, 30, per_batch=10) as job:
        assert job.store.result_count(job.job_id) == 30
        records = written(job, tmp_path)
        assert [r["custom_id"] for r in records] == [f"r{i:05d}" for i in range(30)]
        assert {r["outcome"] for r in records} == {"succeeded"}


def test_a_file_downloaded_again_replaces_its_runs(tmp_path: Path) -> None:
    client = FakeClient()
    with run_job(tmp_path, client, 40, per_batch=20) as job:
        store = job.store
        shard = store.shards(job.job_id)[0]
        before = store.result_runs(job.job_id, shard.shard_index)
        file_key = before[0].file_key
        path = store.result_files(job.job_id)[file_key][1]
        # the same file recorded again (as a second download does): runs are not doubled
        with store.transaction():
            key = store.add_result_file(job.job_id, shard.shard_index, "file-again", path, 20)
            store.put_result_runs(job.job_id, shard.shard_index, [r._replace(file_key=key) for r in before])
            key = store.add_result_file(job.job_id, shard.shard_index, "file-again", path, 20)
            store.put_result_runs(job.job_id, shard.shard_index, [r._replace(file_key=key) for r in before])
        runs = store.result_runs(job.job_id, shard.shard_index)
        assert sum(r.line_count for r in runs if r.file_key == key) == 20
        assert not any(r.file_key not in (key, file_key) for r in runs)
        assert len(written(job, tmp_path)) == 40


def test_requests_sent_again_are_read_from_the_batch_that_sent_them_last(tmp_path: Path) -> None:
    client = FakeClient()
    client.server.auto = False
    with submit_job(client, write_chat_input(tmp_path / "in.jsonl", 30), tmp_path, per_batch=10) as job:
        first = job.status().batch_ids
        client.server.finish(first[0])
        client.server.finish(first[1], "expired", done=4)
        client.server.finish(first[2])
        job.wait(sleep=no_sleep)
        assert job.resubmit_unfinished() == 6
        again = [b for b in job.status().batch_ids if b not in first]
        assert len(again) == 1
        client.server.finish(again[0])
        job.wait(sleep=no_sleep)
        records = written(job, tmp_path)
        assert [r["custom_id"] for r in records] == [f"r{i:05d}" for i in range(30)]
        assert {r["outcome"] for r in records} == {"succeeded"}
        assert [r["batch_id"] for r in records[14:20]] == [again[0]] * 6
        assert [r["attempts"] for r in records[14:20]] == [2] * 6
        assert records[13]["batch_id"] == first[1]


def count_input_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The shard index of every read of a shard's input for its ids, from now on."""
    reads: list[int] = []
    real = result_index.shard_input_ids

    def counted(shard: ShardRow) -> list[bytes]:
        reads.append(shard.shard_index)
        return real(shard)

    monkeypatch.setattr(result_index, "shard_input_ids", counted)
    return reads


def test_results_are_checked_against_the_ids_kept_at_planning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = count_input_reads(monkeypatch)
    client = FakeClient()
    rewrite_outputs(client, lambda lines: lines[::-1])  # out of order: every line is looked up by id
    with run_job(tmp_path, client, 120, bad={7, 60}) as job:
        assert reads == []
        records = written(job, tmp_path)
        assert [r["custom_id"] for r in records] == [f"r{i:05d}" + ("-bad" if i in (7, 60) else "") for i in range(120)]
        assert [r["outcome"] for r in records].count("failed") == 2


def test_a_shards_output_and_error_files_read_its_input_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Shards planned without their ids kept (by an older version) read their input instead.
    monkeypatch.setattr(JobStore, "put_shard_inputs", lambda *args: None)
    reads = count_input_reads(monkeypatch)
    client = FakeClient()
    with run_job(tmp_path, client, 120, bad={7, 60}) as job:  # shards 0 and 1 have an error file too
        files = job.store.result_files(job.job_id).values()
        assert len(files) == 5
        assert sorted(reads) == [0, 1, 2]
        assert [r["outcome"] for r in written(job, tmp_path)].count("failed") == 2


def test_ids_holding_a_newline_are_not_kept_and_the_input_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = count_input_reads(monkeypatch)
    src = tmp_path / "in.jsonl"
    ids = [f"r{i}" if i != 3 else "r\n3" for i in range(10)]
    body = {"model": "gpt-test", "messages": [{"role": "user", "content": "q"}]}
    src.write_text(
        "".join(
            json.dumps({"custom_id": c, "method": "POST", "url": "/v1/chat/completions", "body": body}) + "\n"
            for c in ids
        )
    )
    job = submit_job(FakeClient(), src, tmp_path, per_batch=50)
    job.wait(sleep=no_sleep)
    assert job.store.shard_inputs(job.job_id, 0) is None
    assert reads == [0]
    assert [r["custom_id"] for r in written(job, tmp_path)] == ids


def test_an_input_refused_leaves_no_ids_behind(tmp_path: Path) -> None:
    src = write_chat_input(tmp_path / "in.jsonl", 40)
    with src.open("ab") as out:
        out.write(b'{"custom_id": "late", "method": "POST"}\n')  # no url, no body: refused after the shards before it
    state = tmp_path / "state" / "jobs.sqlite"
    with pytest.raises(InputValidationError):
        Job.submit(FakeClient(), src, state=state, limits=BatchLimits(max_requests=10), queue=ROOMY)
    with sqlite3.connect(state) as db:
        assert db.execute("SELECT COUNT(*) FROM shard_inputs").fetchone() == (0,)
        assert db.execute("SELECT COUNT(*) FROM jobs").fetchone() == (0,)
