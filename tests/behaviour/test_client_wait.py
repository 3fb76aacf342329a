"""`client.batches.wait`: the resource method delegates to the workflow's poller, sync and async."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from openai_batch.workflow import BatchProgress, BatchWaitTimeout

from tests.behaviour.client_fakes import batch_json, harness

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def scripted(statuses: list[str]) -> Any:
    """A handler whose retrieveBatch answers the given statuses in turn (then the last one)."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/batches/batch_w"
        status = statuses[min(len(seen), len(statuses) - 1)]
        seen.append(status)
        # Counts stand still while in progress, so the poller backs off (progress resets it).
        counts = {"total": 10, "completed": 10 if status == "completed" else 3, "failed": 0}
        return httpx.Response(200, json=batch_json("batch_w", status=status, request_counts=counts))

    handler.seen = seen  # type: ignore[attr-defined]
    return handler


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_wait_polls_with_backoff_until_terminal(mode: str) -> None:
    handler = scripted(["in_progress", "in_progress", "in_progress", "in_progress", "completed"])
    progress: list[BatchProgress] = []
    async with harness(mode, handler) as h:
        batch = await h.call(
            h.client.batches.wait(
                "batch_w",
                poll_interval=1.0,
                max_interval=2.0,
                on_progress=progress.append,
                progress=None,
                sleep=h.sleeps.append if mode == "sync" else _async_append(h.sleeps),
                clock=lambda: 0.0,
            )
        )
    assert batch.status == "completed"
    assert handler.seen == ["in_progress"] * 4 + ["completed"]
    # Four sleeps between five polls: 1.0, then x1.5 each time, capped at max_interval.
    assert h.sleeps == [1.0, 1.5, 2.0, 2.0]
    assert progress[-1].status == "completed"


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_wait_deadline_names_the_batch(mode: str) -> None:
    now = [0.0]

    def advance(seconds: float) -> None:
        now[0] += seconds

    async def aadvance(seconds: float) -> None:
        advance(seconds)

    async with harness(mode, scripted(["in_progress"])) as h:
        with pytest.raises(BatchWaitTimeout, match="batch_w"):
            await h.call(
                h.client.batches.wait(
                    "batch_w",
                    poll_interval=5.0,
                    timeout=12.0,
                    progress=None,
                    sleep=advance if mode == "sync" else aadvance,
                    clock=lambda: now[0],
                )
            )


def _async_append(sink: list[float]) -> Any:
    async def sleep(seconds: float) -> None:
        sink.append(seconds)

    return sleep
