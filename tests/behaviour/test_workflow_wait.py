"""wait_for_batch / async_wait_for_batch: backoff, deadline, transient errors, progress."""

from __future__ import annotations

import io
import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from openai_batch._exceptions import InternalServerError, NotFoundError, RateLimitError
from openai_batch._polling import PollSchedule, combined_status
from openai_batch._progress import LineProgress, format_duration, make_progress_sink
from openai_batch.workflow import BatchProgress, BatchWaitTimeout, RichProgressBar, async_wait_for_batch, wait_for_batch
from openai_batch_api.models import Batch

from tests.behaviour.workflow_fakes import FakeClient, connection_error, status_error, write_chat_input


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


def new_batch(tmp_path: Path, client: FakeClient, n: int = 4) -> str:
    uploaded = client.files.create(file=write_chat_input(tmp_path / "in.jsonl", n), purpose="batch")
    return client.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions").id


def test_waits_through_each_phase_and_returns_the_final_batch(tmp_path: Path) -> None:
    client, time = FakeClient(), FakeTime()
    batch_id = new_batch(tmp_path, client)
    seen: list[BatchProgress] = []
    batch = wait_for_batch(client, batch_id, sleep=time.sleep, clock=time.clock, on_progress=seen.append)
    assert batch.status == "completed"
    assert [p.status for p in seen] == ["in_progress", "finalizing", "completed"]
    assert [(p.done, p.total) for p in seen] == [(2, 4), (4, 4), (4, 4)]
    assert seen[-1].batch_ids == (batch_id,)
    assert time.sleeps == [5.0, 5.0]  # progress each time: the interval never grows


def test_backoff_grows_while_nothing_changes_and_is_capped(tmp_path: Path) -> None:
    client, time = FakeClient(), FakeTime()
    client.server.auto = False
    batch_id = new_batch(tmp_path, client)
    with pytest.raises(BatchWaitTimeout):
        wait_for_batch(
            client,
            batch_id,
            sleep=time.sleep,
            clock=time.clock,
            poll_interval=2,
            max_interval=10,
            backoff=2,
            deadline=60,
        )
    assert time.sleeps[:5] == [2, 4, 8, 10, 10]
    assert sum(time.sleeps) == 60


def test_deadline_error_names_batch_and_status(tmp_path: Path) -> None:
    client, time = FakeClient(), FakeTime()
    client.server.auto = False
    batch_id = new_batch(tmp_path, client)
    with pytest.raises(BatchWaitTimeout, match=f"{batch_id}.*after 30s.*validating") as info:
        wait_for_batch(client, batch_id, sleep=time.sleep, clock=time.clock, deadline=30)
    assert info.value.batch_ids == [batch_id]
    assert isinstance(info.value, TimeoutError)


@pytest.mark.parametrize(
    "make_error",
    [connection_error, lambda: status_error(RateLimitError, 429), lambda: status_error(InternalServerError, 500)],
)
def test_transient_errors_are_logged_and_polling_goes_on(
    tmp_path: Path, make_error: Callable[[], Exception], caplog: pytest.LogCaptureFixture
) -> None:
    client, time = FakeClient(), FakeTime()
    batch_id = new_batch(tmp_path, client)
    client.server.faults["batches.retrieve"] += [make_error(), make_error(), make_error()]
    batch = wait_for_batch(client, batch_id, sleep=time.sleep, clock=time.clock)
    assert batch.status == "completed"
    assert client.server.retrieves == 3
    assert len([r for r in caplog.records if batch_id in r.getMessage()]) == 3


def test_other_errors_propagate(tmp_path: Path) -> None:
    client, time = FakeClient(), FakeTime()
    batch_id = new_batch(tmp_path, client)
    import httpx

    response = httpx.Response(404, request=httpx.Request("GET", "http://127.0.0.1/batches/x"))
    client.server.faults["batches.retrieve"].append(
        NotFoundError("no such batch", operation="retrieveBatch", response=response, body=None)
    )
    with pytest.raises(NotFoundError):
        wait_for_batch(client, batch_id, sleep=time.sleep, clock=time.clock)


def test_eta_from_observed_rate() -> None:
    now = [0.0]
    schedule = PollSchedule(poll_interval=1, max_interval=1, backoff=1, deadline=None, clock=lambda: now[0])
    first = schedule.observe(("b",), [("in_progress", 100, 10, 0)])
    assert first.eta is None
    now[0] = 10.0
    later = schedule.observe(("b",), [("in_progress", 100, 25, 5)])
    assert later.eta == pytest.approx((100 - 30) / 2.0)
    assert later.elapsed == 10.0


def test_combined_status_of_several_batches() -> None:
    assert combined_status(["completed", "in_progress", "finalizing"]) == "in_progress"
    assert combined_status(["completed", "finalizing"]) == "finalizing"
    assert combined_status(["completed", "completed"]) == "completed"
    assert combined_status(["completed", "expired"]) == "completed+expired"


@pytest.mark.anyio
async def test_async_wait(tmp_path: Path) -> None:
    sync_client, time = FakeClient(), FakeTime()
    batch_id = new_batch(tmp_path, sync_client)

    class AsyncBatches:
        async def retrieve(self, batch_id: str) -> Batch:
            return sync_client.batches.retrieve(batch_id)

    class AsyncClient:
        batches = AsyncBatches()

    sync_client.server.faults["batches.retrieve"].append(connection_error())
    seen: list[BatchProgress] = []
    sleep: Callable[[float], Awaitable[None]] = time.async_sleep
    batch = await async_wait_for_batch(AsyncClient(), batch_id, sleep=sleep, clock=time.clock, on_progress=seen.append)
    assert batch.status == "completed"
    assert seen[-1].done == 4
    assert time.sleeps == [5.0, 5.0, 5.0]

    sync_client.server.auto = False
    other = new_batch(tmp_path, sync_client)
    with pytest.raises(BatchWaitTimeout, match=other):
        await async_wait_for_batch(AsyncClient(), other, sleep=sleep, clock=time.clock, deadline=12)


def test_rich_bar_shows_phase_counts_elapsed_and_eta() -> None:
    stream = io.StringIO()
    bar = RichProgressBar(stream, force_terminal=False)
    bar.update(BatchProgress(("batch_1",), "in_progress", 120_000, 30_000, 12, elapsed=65, eta=3725))
    bar.update(BatchProgress(("batch_1",), "finalizing", 120_000, 119_000, 1_000, elapsed=600, eta=None))
    bar.close()
    text = stream.getvalue()
    assert "batch_1" in text
    assert "finalizing" in text
    assert "120,000/120,000" in text
    assert "1,000 failed" in text
    assert "elapsed 10:00" in text


def test_auto_progress_draws_nothing_when_stderr_is_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[BatchProgress] = []
    sink = make_progress_sink("auto", seen.append)
    sink.update(BatchProgress(("b",), "in_progress", 2, 1, 0, elapsed=1))
    sink.close()
    assert len(seen) == 1
    assert capsys.readouterr().err == ""


def test_format_duration() -> None:
    assert (format_duration(None), format_duration(59), format_duration(3725)) == ("--:--", "00:59", "1:02:05")


def test_progress_is_json_friendly() -> None:
    progress = BatchProgress(("a", "b"), "in_progress", 10, 3, 1, elapsed=2.0, batches_done=1)
    assert progress.done == 4
    assert progress.label == "2 batches (1 done)"
    assert json.dumps(progress.batch_ids) == '["a", "b"]'


def test_accepts_the_batches_resource_itself(tmp_path: Path) -> None:
    # What `client.batches.wait(...)` delegates with.
    client, time = FakeClient(), FakeTime()
    batch_id = new_batch(tmp_path, client)
    batch = wait_for_batch(client.batches, batch_id, sleep=time.sleep, clock=time.clock)
    assert batch.status == "completed"
    assert client.server.retrieves == 3


def test_line_progress_prints_at_a_steady_interval_and_the_last_state() -> None:
    stream = io.StringIO()
    now = [0.0]
    sink = LineProgress(interval=30, stream=stream, clock=lambda: now[0])
    for second, done in [(0, 0), (10, 2), (29, 3), (30, 5), (45, 6), (50, 8)]:
        now[0] = second
        sink.update(BatchProgress(("b1", "b2"), "in_progress", 8, done, 0, elapsed=second, queued=1))
    sink.close()
    lines = stream.getvalue().splitlines()
    assert [line.split(", ")[0] for line in lines] == [
        "openai-batch: in progress 0/8",
        "openai-batch: in progress 5/8",
        "openai-batch: in progress 8/8",
    ]
    assert "1 queued" in lines[0] and "0/2 batches" in lines[0]


def test_the_bar_names_queued_shards_and_finalizing_batches() -> None:
    stream = io.StringIO()
    bar = RichProgressBar(stream, force_terminal=False)
    bar.update(BatchProgress(("b1", "b2", "b3"), "in_progress", 30, 12, 1, elapsed=5, queued=1, finalizing=1))
    bar.close()
    text = stream.getvalue()
    assert "13/30" in text and "1 queued" in text and "1 finalizing" in text and "0/3 batches" in text
