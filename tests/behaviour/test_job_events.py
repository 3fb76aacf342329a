"""Waits driven by batch webhook events (Job.wait, wait_async, wait_for_batch): one retrieve per event.

Time is fake throughout: the queue's ``get(timeout=...)`` advances the fake clock instead of
blocking, and runs the next scripted step (the service finishing batches and "delivering"
their events) when the wait would block.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import queue
from collections.abc import Callable
from pathlib import Path

import pytest
from openai_batch._event_wait import EventSchedule
from openai_batch._exceptions import RateLimitError
from openai_batch.webhooks import BatchEvent
from openai_batch.workflow import BatchLimits, BatchWaitTimeout, Job, wait_for_batch

from tests.behaviour.test_workflow_job_async import AsyncFakeClient
from tests.behaviour.workflow_fakes import ROOMY, FakeClient, read_results, status_error, write_chat_input

_ids = itertools.count(1)


def event(batch_id: str, kind: str = "batch.completed") -> BatchEvent:
    n = next(_ids)
    return BatchEvent(type=kind, batch_id=batch_id, created_at=1_900_000_000, event_id=f"evt_{n}", webhook_id=f"wh_{n}")  # type: ignore[arg-type]


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


class ScriptedQueue(queue.Queue[BatchEvent | None]):
    """A queue.Queue whose blocking ``get`` runs the next scripted step instead of waiting.

    With no step left it lets the fake time run to the timeout and raises ``queue.Empty``,
    as a real queue would after waiting; a wait that would block for ever fails the test.
    """

    def __init__(self, time: FakeTime, steps: list[Callable[[ScriptedQueue], None]]) -> None:
        super().__init__()
        self.time = time
        self.steps = steps
        self.waits: list[float | None] = []

    def get(self, block: bool = True, timeout: float | None = None) -> BatchEvent | None:
        if not block or not self.empty():
            return super().get(block=False)
        self.waits.append(timeout)
        if self.steps:
            self.steps.pop(0)(self)
            if not self.empty():
                return super().get(block=False)
        if timeout is None:
            raise AssertionError("the wait would block for ever: no event, no poll, no deadline")
        self.time.sleep(timeout)
        raise queue.Empty


@pytest.fixture
def client() -> FakeClient:
    client = FakeClient()
    client.server.auto = False  # batches end only when a test says so
    return client


def submit(client: FakeClient, tmp_path: Path, n: int = 10) -> Job:
    src = write_chat_input(tmp_path / "in.jsonl", n)
    return Job.submit(client, src, state=tmp_path / "jobs.sqlite", limits=BatchLimits(max_requests=4), queue=ROOMY)


def batch_ids(job: Job) -> list[str]:
    return [s.batch_id for s in job.status().shards if s.batch_id is not None]


def test_each_event_for_a_running_batch_costs_one_retrieve_and_others_are_ignored(
    client: FakeClient, tmp_path: Path
) -> None:
    time = FakeTime()
    with submit(client, tmp_path) as job:
        first, second, third = batch_ids(job)

        def first_done(q: ScriptedQueue) -> None:
            client.server.finish(first)
            q.put(event(first))
            q.put(event("batch_of_someone_else"))

        def the_rest_done(q: ScriptedQueue) -> None:
            client.server.finish(second)
            client.server.finish(third, "expired", done=1)
            q.put(event(first))  # a second delivery for a batch already final here
            q.put(event(second))
            q.put(event(third, "batch.expired"))

        def resubmitted_done(q: ScriptedQueue) -> None:
            # The expired batch's unfinished requests went out again as a fourth shard.
            (fourth,) = set(batch_ids(job)) - {first, second, third}
            client.server.finish(fourth)
            q.put(event(fourth))

        events = ScriptedQueue(time, [first_done, the_rest_done, resubmitted_done])
        before = client.server.retrieves
        status = job.wait(events=events, fallback_poll=None, sleep=time.sleep, clock=time.clock)
        assert status.done
        # Four batches, four events acted on: one retrieve each; the foreign and repeated events cost nothing.
        assert client.server.retrieves - before == 4
        assert events.waits == [None, None, None]  # no poll, no deadline: it waited only for events
        assert time.now == 0
        summary = job.write_results(tmp_path / "out.jsonl")
    assert summary.counts == {"succeeded": 10}
    assert [r["custom_id"] for r in read_results(tmp_path / "out.jsonl")] == [f"r{i:05d}" for i in range(10)]


def test_events_already_queued_when_the_wait_starts_are_acted_on_without_polling(
    client: FakeClient, tmp_path: Path
) -> None:
    time = FakeTime()
    with submit(client, tmp_path) as job:
        events = ScriptedQueue(time, [])
        for batch_id in batch_ids(job):
            client.server.finish(batch_id)
            events.put(event(batch_id))
            events.put(None)  # what WebhookReceiver.receive answers for a repeat: skipped
        before = client.server.retrieves
        status = job.wait(events=events, fallback_poll=None, sleep=time.sleep, clock=time.clock)
    assert status.done and client.server.retrieves - before == 3
    assert events.waits == []  # every event was there: it never blocked


def test_without_events_the_fallback_poll_finds_the_finished_batches(client: FakeClient, tmp_path: Path) -> None:
    time = FakeTime()
    with submit(client, tmp_path) as job:
        for batch_id in batch_ids(job):
            client.server.finish(batch_id)  # finished, but every event was lost
        events = ScriptedQueue(time, [])
        before = client.server.retrieves
        status = job.wait(events=events, fallback_poll=240, sleep=time.sleep, clock=time.clock)
    assert status.done
    assert events.waits == [240]  # nothing polled on start; one poll of every batch after 240 s
    assert client.server.retrieves - before == 3
    assert time.now == 240


def test_the_fallback_poll_repeats_at_its_interval(client: FakeClient, tmp_path: Path) -> None:
    time = FakeTime()
    with submit(client, tmp_path) as job:
        ids = batch_ids(job)

        def late(q: ScriptedQueue) -> None:
            pass  # nothing: the first poll finds the batches still running

        def finish_all(q: ScriptedQueue) -> None:
            for batch_id in ids:
                client.server.finish(batch_id)

        events = ScriptedQueue(time, [late, finish_all])
        before = client.server.retrieves
        status = job.wait(events=events, fallback_poll=100, sleep=time.sleep, clock=time.clock)
    assert status.done
    assert events.waits == [100, 100]
    assert client.server.retrieves - before == 6  # two polls of three batches
    assert time.now == 200


def test_with_nothing_coming_and_no_polling_the_deadline_still_ends_the_wait(
    client: FakeClient, tmp_path: Path
) -> None:
    time = FakeTime()
    with submit(client, tmp_path) as job:
        ids = batch_ids(job)
        events = ScriptedQueue(time, [])
        before = client.server.retrieves
        with pytest.raises(BatchWaitTimeout) as raised:
            job.wait(events=events, fallback_poll=None, deadline=90, sleep=time.sleep, clock=time.clock)
    assert sorted(raised.value.batch_ids) == sorted(ids)
    assert raised.value.waited == 90 and time.now == 90
    assert events.waits == [90]
    assert client.server.retrieves == before  # not a single retrieve


def test_a_retrieve_that_meets_a_transient_fault_is_tried_again_after_poll_interval(
    client: FakeClient, tmp_path: Path
) -> None:
    time = FakeTime()
    with submit(client, tmp_path, n=4) as job:
        (only,) = batch_ids(job)

        def done(q: ScriptedQueue) -> None:
            client.server.finish(only)
            client.server.faults["batches.retrieve"] = [status_error(RateLimitError, 429)]
            q.put(event(only))

        events = ScriptedQueue(time, [done])
        status = job.wait(events=events, fallback_poll=None, poll_interval=7, sleep=time.sleep, clock=time.clock)
    assert status.done
    assert events.waits == [None, 7]  # the event, then 7 s before retrieving it again
    assert time.now == 7


def test_event_waits_check_their_settings() -> None:
    with pytest.raises(ValueError, match="fallback_poll"):
        EventSchedule(fallback_poll=0, retry_interval=5, deadline=None, clock=lambda: 0.0)


# --- async ------------------------------------------------------------------------------
@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_wait_async_takes_events_from_an_asyncio_queue(client: FakeClient, tmp_path: Path) -> None:
    time = FakeTime()
    aclient = AsyncFakeClient(client.server)
    with submit(client, tmp_path) as job:
        events: asyncio.Queue[BatchEvent] = asyncio.Queue()
        first, *rest = batch_ids(job)
        client.server.finish(first)
        events.put_nowait(event(first))
        events.put_nowait(event("batch_of_someone_else"))

        async def deliver_the_rest() -> None:
            await asyncio.sleep(0)
            for batch_id in rest:
                client.server.finish(batch_id)
                events.put_nowait(event(batch_id))

        before = client.server.retrieves
        task = asyncio.ensure_future(deliver_the_rest())
        status = await job.wait_async(
            aclient, events=events, fallback_poll=None, sleep=time.async_sleep, clock=time.clock
        )
        await task
    assert status.done and client.server.retrieves - before == 3
    assert time.sleeps == []  # the timer was never needed


@pytest.mark.anyio
async def test_wait_async_times_out_on_the_injected_sleep_without_really_waiting(
    client: FakeClient, tmp_path: Path
) -> None:
    time = FakeTime()
    aclient = AsyncFakeClient(client.server)
    with submit(client, tmp_path) as job:
        events: asyncio.Queue[BatchEvent] = asyncio.Queue()
        before = client.server.retrieves
        with pytest.raises(BatchWaitTimeout):
            await job.wait_async(
                aclient, events=events, fallback_poll=None, deadline=45, sleep=time.async_sleep, clock=time.clock
            )
    assert time.sleeps == [45] and client.server.retrieves == before


@pytest.mark.anyio
async def test_wait_async_falls_back_to_polling(client: FakeClient, tmp_path: Path) -> None:
    time = FakeTime()
    aclient = AsyncFakeClient(client.server)
    with submit(client, tmp_path) as job:
        for batch_id in batch_ids(job):
            client.server.finish(batch_id)
        events: asyncio.Queue[BatchEvent] = asyncio.Queue()
        before = client.server.retrieves
        status = await job.wait_async(
            aclient, events=events, fallback_poll=120, sleep=time.async_sleep, clock=time.clock
        )
    assert status.done and time.sleeps == [120] and client.server.retrieves - before == 3


# --- one batch: wait_for_batch / client.batches.wait ------------------------------------
def one_batch(client: FakeClient, tmp_path: Path) -> str:
    uploaded = client.files.create(file=write_chat_input(tmp_path / "one.jsonl", 3), purpose="batch")
    return client.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions").id


def test_a_single_batch_wait_retrieves_on_start_and_once_per_event_naming_it(
    client: FakeClient, tmp_path: Path
) -> None:
    time = FakeTime()
    batch_id = one_batch(client, tmp_path)

    def others(q: ScriptedQueue) -> None:
        q.put(event("batch_of_someone_else"))

    def done(q: ScriptedQueue) -> None:
        client.server.finish(batch_id)
        q.put(event(batch_id))

    events = ScriptedQueue(time, [others, done])
    batch = wait_for_batch(client, batch_id, events=events, fallback_poll=None, sleep=time.sleep, clock=time.clock)
    assert batch.status == "completed"
    assert client.server.retrieves == 2  # on start, then for its event; the foreign one cost nothing
    assert events.waits == [None, None] and time.now == 0


def test_a_single_batch_wait_falls_back_to_polling_and_honours_its_deadline(client: FakeClient, tmp_path: Path) -> None:
    time = FakeTime()
    batch_id = one_batch(client, tmp_path)
    events = ScriptedQueue(time, [])
    with pytest.raises(BatchWaitTimeout) as raised:
        wait_for_batch(client, batch_id, events=events, fallback_poll=50, deadline=120, clock=time.clock)
    assert raised.value.batch_ids == [batch_id] and time.now == 120
    assert events.waits == [50, 50, 20]  # two fallback polls, then what was left of the deadline
    assert client.server.retrieves == 3  # on start and at 50 s and 100 s


def test_the_clients_wait_offers_the_same_fallback_default() -> None:
    from openai_batch._polling import DEFAULT_FALLBACK_POLL
    from openai_batch.resources.batches import Batches

    default = inspect.signature(Batches.wait).parameters["fallback_poll"].default
    assert default == DEFAULT_FALLBACK_POLL == inspect.signature(wait_for_batch).parameters["fallback_poll"].default


@pytest.mark.anyio
async def test_an_async_single_batch_wait_retrieves_on_start_and_once_per_event_naming_it(
    client: FakeClient, tmp_path: Path
) -> None:
    from openai_batch.workflow import async_wait_for_batch

    time = FakeTime()
    aclient = AsyncFakeClient(client.server)
    batch_id = one_batch(client, tmp_path)
    events: asyncio.Queue[BatchEvent | None] = asyncio.Queue()
    events.put_nowait(event("batch_of_someone_else"))
    events.put_nowait(None)  # a repeat the receiver answered None for

    async def finish_then_deliver() -> None:
        await asyncio.sleep(0)
        client.server.finish(batch_id)
        events.put_nowait(event(batch_id))

    task = asyncio.ensure_future(finish_then_deliver())
    batch = await async_wait_for_batch(
        aclient, batch_id, events=events, fallback_poll=None, sleep=time.async_sleep, clock=time.clock
    )
    await task
    assert batch.status == "completed"
    assert client.server.retrieves == 2  # on start, then for its event
    assert time.sleeps == []


@pytest.mark.anyio
async def test_an_async_single_batch_wait_falls_back_to_polling_within_its_deadline(
    client: FakeClient, tmp_path: Path
) -> None:
    from openai_batch.workflow import async_wait_for_batch

    time = FakeTime()
    aclient = AsyncFakeClient(client.server)
    batch_id = one_batch(client, tmp_path)
    events: asyncio.Queue[BatchEvent | None] = asyncio.Queue()
    with pytest.raises(BatchWaitTimeout):
        await async_wait_for_batch(
            aclient, batch_id, events=events, fallback_poll=50, deadline=120, sleep=time.async_sleep, clock=time.clock
        )
    assert time.sleeps == [50, 50, 20] and client.server.retrieves == 3
