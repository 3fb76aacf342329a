"""80 columns: a job's shards one line each or grouped by status, prose wrapped at spaces,
ids and endpoints never split, and every option and argument of every command has help."""

from __future__ import annotations

import argparse
import io
import re

import pytest
from openai_batch.cli._output import Output
from openai_batch.cli._parser import build_parser
from openai_batch.cli._shards import grouped_states, show_shards
from openai_batch.workflow import JobStatus
from openai_batch.workflow._status import ShardStatus

MESSAGE = "Enqueued token limit reached for gpt-4o-mini in organization org-abc. Limit: 2,000,000 enqueued tokens."


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def shard(index: int, status: str, *, errors: tuple[dict[str, object], ...] = ()) -> ShardStatus:
    return ShardStatus(
        index=index,
        request_count=50_000,
        status=status,
        batch_id=f"batch_{index:032x}",
        file_id=f"file-{index}",
        attempt=1,
        completed=50_000 if status == "completed" else 1_234,
        failed=0,
        errors=errors,
        output_file_id=None,
        error_file_id=None,
        results_downloaded=False,
        retry_of=None,
    )


def job(shards: list[ShardStatus]) -> JobStatus:
    return JobStatus(
        job_id="job_0123456789abcdef",
        input_path="in.jsonl",
        endpoint="/v1/chat/completions",
        status="in_progress",
        request_count=50_000 * len(shards),
        shards=tuple(shards),
    )


@pytest.fixture
def eighty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("LINES", "50")
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.mark.usefixtures("eighty")
def test_twenty_shards_show_one_line_each_at_80_columns() -> None:
    stream = Terminal()
    show_shards(
        Output(as_json=False, stream=stream),
        job([shard(i, "completed") for i in range(18)] + [shard(18, "in_progress"), shard(19, "in_progress")]),
    )
    lines = stream.getvalue().splitlines()
    assert len(lines) == 21 and all(len(line) <= 80 for line in lines), lines
    assert all(f"batch_{i:032x}" in lines[i + 1] for i in range(20))


@pytest.mark.usefixtures("eighty")
def test_shards_that_do_not_fit_are_grouped_by_status_with_the_ones_to_look_at() -> None:
    failed = shard(7, "failed", errors=({"code": "token_limit_exceeded", "message": MESSAGE},))
    shards = [shard(i, "completed") for i in range(17)] + [failed, shard(18, "in_progress"), shard(19, "in_progress")]
    stream = Terminal()
    show_shards(Output(as_json=False, stream=stream), job(shards))
    lines = stream.getvalue().splitlines()
    assert lines[0] == "shards: 17 completed · 2 in_progress · 1 failed"
    assert all(len(line) <= 80 for line in lines), lines
    assert f"batch_{7:032x}" in "\n".join(lines) and "token_limit_exceeded" in "\n".join(lines)
    assert len(lines) <= 3


@pytest.mark.usefixtures("eighty")
def test_more_shards_than_the_terminal_holds_are_grouped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINES", "24")
    stream = Terminal()
    shards = [shard(i, "completed") for i in range(18)] + [shard(18, "in_progress"), shard(19, "in_progress")]
    show_shards(Output(as_json=False, stream=stream), job(shards))
    assert stream.getvalue().splitlines() == ["shards: 18 completed · 2 in_progress"]


def test_off_a_terminal_every_shard_keeps_its_line() -> None:
    failed = shard(7, "failed", errors=({"code": "token_limit_exceeded", "message": MESSAGE},))
    stream = io.StringIO()
    show_shards(Output(as_json=False, stream=stream), job([shard(0, "completed"), failed]))
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3 and "token_limit_exceeded" in lines[2]


def test_grouped_states_most_first() -> None:
    shards = [shard(i, "completed") for i in range(18)] + [shard(18, "in_progress"), shard(19, "in_progress")]
    assert grouped_states(shards) == "18 completed · 2 in_progress"


@pytest.mark.usefixtures("eighty")
def test_a_long_line_wraps_at_spaces_on_a_terminal_and_stays_whole_off_one() -> None:
    text = (
        "job_0123456789abcdef  in_progress  41922/60000 done  1200 failed  20 batches  /v1/chat/completions"
        "  used: input 234 (cached 0), output 273 (reasoning 0); cost $0.000099 at batch prices"
    )
    stream = Terminal()
    Output(as_json=False, stream=stream).line(text)
    lines = stream.getvalue().splitlines()
    assert len(lines) > 1 and all(len(line) <= 80 for line in lines)
    assert " ".join(line.strip() for line in lines).split() == text.split()  # only spaces were broken
    assert "/v1/chat/completions" in stream.getvalue()
    piped = io.StringIO()
    Output(as_json=False, stream=piped).line(text)
    assert piped.getvalue() == text + "\n"


@pytest.mark.usefixtures("eighty")
def test_a_wide_table_leaves_out_empty_and_optional_columns_before_its_layout() -> None:
    stream = Terminal()
    Output(as_json=False, stream=stream).table(
        ["batch", "status", "endpoint", "done", "failed", "created"],
        [
            [f"batch_{i:032x}", "in_progress", "/v1/chat/completions", "1/2", 0, "2026-12-05 09:00:00 UTC"]
            for i in range(3)
        ],
        optional=("created", "endpoint"),
    )
    lines = stream.getvalue().splitlines()
    assert len(lines) == 4 and all(len(line) <= 80 for line in lines), lines
    # Without "created" the rows are still 87 columns wide: "endpoint" goes next, the ids stay.
    assert lines[0].split() == ["batch", "status", "done", "failed"]


def _parsers(parser: argparse.ArgumentParser, path: str = "openai-batch") -> list[tuple[str, argparse.ArgumentParser]]:
    found = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _parsers(sub, f"{path} {name}")
    return found


def test_every_option_and_argument_of_every_command_has_help() -> None:
    missing = [
        f"{path} {'/'.join(action.option_strings) or action.dest}"
        for path, parser in _parsers(build_parser())
        for action in parser._actions
        if not isinstance(action, argparse._HelpAction) and (not action.help or action.help == argparse.SUPPRESS)
    ]
    assert missing == []


@pytest.mark.usefixtures("eighty")
@pytest.mark.parametrize(
    "path", ["openai-batch", "openai-batch submit", "openai-batch serve", "openai-batch files list"]
)
def test_help_is_wrapped_at_spaces_within_80_columns(path: str) -> None:
    parser = dict(_parsers(build_parser()))[path]
    text = parser.format_help()
    assert all(len(line) <= 80 for line in text.splitlines()), [line for line in text.splitlines() if len(line) > 80]
    # A flag or a hyphenated word is never cut at one of its hyphens.
    assert not re.search(r"[a-z]-\n", text), text
