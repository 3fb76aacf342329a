"""A result file's usage is summed while it downloads: a job's usage never reads its result files again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openai_batch.workflow import JobStore
from openai_batch.workflow import _usage_lines as usage_lines

from tests.behaviour.workflow_fakes import FakeClient, rewrite_outputs, submit_job, write_chat_input


def no_sleep(seconds: float) -> None:
    pass


def with_usage(lines: list[bytes]) -> list[bytes]:
    """Each success line with a chat completion body in the service's layout; every fifth one spaced out."""
    changed = []
    for i, raw in enumerate(lines):
        line = json.loads(raw)
        number = int(line["custom_id"][1:])
        line["response"]["body"] = {
            "id": f"chatcmpl-{number}",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": "gpt-4o-mini-2024-07-18" if number % 3 else "gpt-4o-2024-08-06",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
            "usage": {
                "prompt_tokens": 100 + number,
                "completion_tokens": 7,
                "total_tokens": 107 + number,
                "prompt_tokens_details": {"cached_tokens": number % 2 * 64, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": number % 4, "audio_tokens": 0},
            },
        }
        # A line in another layout (spaces after separators) takes the line-by-line path.
        changed.append((json.dumps(line) if i % 5 == 0 else json.dumps(line, separators=(",", ":"))).encode() + b"\n")
    return changed


def test_usage_is_summed_as_the_files_download(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    client = FakeClient()
    rewrite_outputs(client, with_usage)
    job = submit_job(client, write_chat_input(tmp_path / "in.jsonl", 120), tmp_path, per_batch=50)
    job.wait(sleep=no_sleep)
    with JobStore(tmp_path / "state" / "jobs.sqlite") as store:
        kept = store.usage_sums(job.job_id)
        files = store.result_files(job.job_id).values()
    assert len(files) == 3 and {file_id for file_id, _ in files} == set(kept)
    # What the download kept is what reading each file again gives, model by model.
    for file_id, path in files:
        assert sorted(kept[file_id], key=str) == sorted(usage_lines.sum_lines(path), key=str)

    def no_reading(path: object) -> object:
        raise AssertionError(f"read {path} again")

    monkeypatch.setattr("openai_batch.workflow._usage.sum_lines", no_reading)
    usage = job.usage()
    assert usage.total.requests == 120
    assert usage.total.input_tokens == sum(100 + n for n in range(120))
    assert usage.total.cached_tokens == sum(n % 2 * 64 for n in range(120))
    assert usage.total.reasoning_tokens == sum(n % 4 for n in range(120))
    assert {row.model for row in usage.models} == {"gpt-4o-mini-2024-07-18", "gpt-4o-2024-08-06"}


def test_only_a_key_named_usage_is_read_as_usage() -> None:
    # The usage key is sought by its "u"; a key that merely ends in "usage" is not one.
    body = (
        b'{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[],"past_usage":'
        b'{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6,"prompt_tokens_details":{"cached_tokens":0},'
        b'"completion_tokens_details":{"reasoning_tokens":0}}}'
    )
    line = (
        b'{"id":"r","custom_id":"a","response":{"status_code":200,"request_id":"q","body":'
        + body
        + b'},"error":null}\n'
    )
    sums = usage_lines.UsageSums()
    sums.add_block(line, lines=1)
    assert sums.rows() == []
    real = line.replace(b'"past_usage"', b'"usage"')
    sums.add_block(real, lines=1)
    assert sums.rows() == [("m", [1, 5, 0, 1, 0])]
