"""``progress=``: every value the command line's ``--progress`` accepts works in Python, and a
wrong one is a ValueError raised before anything is sent."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from openai_batch._progress import PROGRESS_CHOICES, BatchProgress, check_progress_option
from openai_batch.cli._parser import build_parser
from openai_batch.workflow import BatchLimits, Job, wait_for_batch

from tests.behaviour.workflow_fakes import ROOMY, FakeClient, write_chat_input


def no_sleep(seconds: float) -> None:
    pass


def cli_progress_choices() -> list[str]:
    """The ``--progress`` choices of ``openai-batch wait``, read from the parser itself."""
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    wait = commands.choices["wait"]
    action = next(a for a in wait._actions if "--progress" in a.option_strings)
    assert action.choices
    return list(action.choices)


def test_the_python_choices_are_the_command_line_choices() -> None:
    assert sorted(cli_progress_choices()) == sorted(PROGRESS_CHOICES)


@pytest.mark.parametrize("value", cli_progress_choices())
def test_job_wait_takes_every_command_line_progress_value(tmp_path: Path, value: str) -> None:
    client = FakeClient()
    src = write_chat_input(tmp_path / "in.jsonl", 6)
    seen: list[BatchProgress] = []
    limits = BatchLimits(max_requests=4)
    with Job.prepare(client, src, state=tmp_path / "jobs.sqlite", limits=limits, queue=ROOMY) as job:
        status = job.wait(progress=value, sleep=no_sleep, on_progress=seen.append)  # type: ignore[arg-type]
    assert status.done and seen[-1].done == 6


@pytest.mark.parametrize("value", ["off", "Never", "", 1, object()])
def test_a_wrong_progress_value_is_refused_before_anything_is_sent(tmp_path: Path, value: object) -> None:
    client = FakeClient()
    src = write_chat_input(tmp_path / "in.jsonl", 3)
    with Job.prepare(client, src, state=tmp_path / "jobs.sqlite", queue=ROOMY) as job:
        with pytest.raises(ValueError, match=r"progress=.*'auto', 'always', 'never'"):
            job.wait(progress=value, sleep=no_sleep)  # type: ignore[arg-type]
    assert (client.server.uploads, client.server.creates) == (0, 0)


def test_wait_for_batch_refuses_a_wrong_value_before_polling(tmp_path: Path) -> None:
    client = FakeClient()
    with pytest.raises(ValueError, match="progress='off'"):
        wait_for_batch(client, "batch_1", progress="off", sleep=no_sleep)  # type: ignore[arg-type]
    assert client.server.retrieves == 0


def test_check_progress_option_keeps_a_sink() -> None:
    class Sink:
        def update(self, progress: BatchProgress) -> None:
            pass

        def close(self) -> None:
            pass

    sink = Sink()
    assert check_progress_option(sink) is sink
    assert [check_progress_option(v) for v in (None, True, False, "never")] == [None, True, False, "never"]


def test_every_job_wait_checks_the_option_where_its_options_are_built() -> None:
    # Job.wait, Job.wait_async and AsyncJob.wait all build WaitOptions before sending anything.
    from openai_batch.workflow._jobcore import WaitOptions

    with pytest.raises(ValueError, match="progress='off'"):
        WaitOptions(progress="off")  # type: ignore[arg-type]
    assert WaitOptions(progress="never").progress == "never"
