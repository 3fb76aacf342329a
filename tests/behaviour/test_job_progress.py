"""A job of several batches reports overall progress: the count of batches in each state, the
requests done of all of them, and an ETA from the throughput observed so far."""

from __future__ import annotations

from pathlib import Path

from openai_batch._progress import progress_parts
from openai_batch.workflow import BatchLimits, BatchProgress, Job, QueuePolicy

from tests.behaviour.workflow_fakes import FakeClient, write_chat_input

ONE_AT_A_TIME = QueuePolicy(max_enqueued_tokens={"gpt-test": 10**12}, max_active_batches=1)


class Ticking:
    """A clock that moves one second each time it is read."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def run(tmp_path: Path) -> list[BatchProgress]:
    client = FakeClient()
    src = write_chat_input(tmp_path / "in.jsonl", 12)
    seen: list[BatchProgress] = []
    limits = BatchLimits(max_requests=4)
    with Job.submit(client, src, state=tmp_path / "jobs.sqlite", limits=limits, queue=ONE_AT_A_TIME) as job:
        job.wait(sleep=lambda s: None, clock=Ticking(), on_progress=seen.append)
    return seen


def test_a_running_job_with_queued_shards_is_in_progress_with_each_states_count(tmp_path: Path) -> None:
    seen = run(tmp_path)
    running = [p for p in seen if dict(p.states).get("in_progress") and dict(p.states).get("pending")]
    assert running, [p.states for p in seen]
    assert all(p.status == "in_progress" for p in running)
    first = running[0]
    assert sum(n for _, n in first.states) == 3
    assert first.total == 12  # every shard's requests, sent or not
    phase = progress_parts(first)[0][1]
    assert "1 in progress" in phase and "queued" in phase and "pending" not in phase
    assert seen[-1].states == (("completed", 3),)
    assert progress_parts(seen[-1])[0][1] == "3 completed"


def test_the_eta_comes_from_the_observed_throughput(tmp_path: Path) -> None:
    seen = run(tmp_path)
    unfinished = [p for p in seen if p.done < p.total]
    estimated = [p for p in unfinished if p.eta is not None]
    assert estimated, [(p.status, p.done, p.eta) for p in unfinished]
    for p in estimated:
        assert p.eta is not None and p.eta > 0
    # Later estimates follow the rate seen: requests left over requests per second.
    last = estimated[-1]
    assert "ETA --:--" not in [text for _, text in progress_parts(last)]


def test_the_bar_of_a_20_shard_job_fits_80_columns_with_its_states_and_eta() -> None:
    import io

    from openai_batch._progress import RichProgressBar

    ids = tuple(f"batch_{i:024x}" for i in range(20))
    states = (("in_progress", 2), ("validating", 1), ("pending", 5), ("completed", 12))
    progress = BatchProgress(ids, "in_progress", 60_000, 41_922, 17, elapsed=3_600, eta=1_500.0, states=states)
    stream = io.StringIO()
    bar = RichProgressBar(stream, force_terminal=False)
    assert bar._console.width == 80
    bar.update(progress)
    bar.close()
    lines = [line for line in stream.getvalue().splitlines() if line.strip()]
    assert all(len(line) <= 80 for line in lines), lines
    text = " ".join(lines)
    assert "2 in progress · 1 validating · 5 queued · 12 completed" in text, text
    assert "41,939/60,000" in text and "ETA 25:00" in text, text
