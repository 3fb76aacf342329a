"""Retries, backoff and timeouts at the httpx layer, with injected sleep, clock and jitter."""

from __future__ import annotations

import email.utils
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from openai_batch import (
    APIConnectionError,
    APITimeoutError,
    AsyncBatchClient,
    BatchClient,
    ConflictError,
    InternalServerError,
    RateLimitError,
)
from openai_batch._retry import RetryPolicy, server_delay

from tests.behaviour.client_fakes import KEY, NOW, batch_json, error_json, expected_backoff, harness


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


Handler = Callable[[httpx.Request], httpx.Response]


def scripted(*answers: httpx.Response | type[httpx.TransportError]) -> tuple[Handler, list[httpx.Request]]:
    """A handler giving each answer in turn (a response, or an httpx error to raise), then 200s."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) <= len(answers):
            answer = answers[len(seen) - 1]
            if isinstance(answer, httpx.Response):
                return answer
            raise answer("scripted failure", request=request)
        return httpx.Response(200, json=batch_json())

    return handler, seen


def status(code: int, **headers: str) -> httpx.Response:
    return httpx.Response(code, headers=headers, json=error_json(f"status {code}"))


@pytest.mark.anyio
@pytest.mark.parametrize("code", [408, 409, 429, 500, 502, 503, 504])
async def test_retryable_statuses_are_retried_with_backoff(mode: str, code: int) -> None:
    handler, seen = scripted(status(code), status(code))
    async with harness(mode, handler, seed=3) as h:
        batch = await h.call(h.client.batches.retrieve("batch_1"))
    assert batch.id == "batch_1"
    assert len(seen) == 3
    assert h.sleeps == expected_backoff(3, [0, 1])


@pytest.mark.anyio
@pytest.mark.parametrize("code", [400, 401, 403, 404, 422])
async def test_client_errors_are_not_retried(mode: str, code: int) -> None:
    handler, seen = scripted(status(code))
    async with harness(mode, handler) as h:
        with pytest.raises(Exception) as caught:
            await h.call(h.client.batches.retrieve("batch_1"))
    assert getattr(caught.value, "status_code", None) == code
    assert len(seen) == 1
    assert h.sleeps == []


@pytest.mark.anyio
@pytest.mark.parametrize(
    "exc",
    [httpx.ConnectError, httpx.ConnectTimeout, httpx.ReadTimeout, httpx.ReadError, httpx.RemoteProtocolError],
)
async def test_connection_failures_are_retried(mode: str, exc: type[httpx.TransportError]) -> None:
    handler, seen = scripted(exc)
    async with harness(mode, handler) as h:
        await h.call(h.client.batches.retrieve("batch_1"))
    assert len(seen) == 2
    assert len(h.sleeps) == 1


@pytest.mark.anyio
async def test_backoff_doubles_and_is_capped_at_eight_seconds(mode: str) -> None:
    handler, _ = scripted(*[status(500)] * 6)
    async with harness(mode, handler, max_retries=6, seed=11) as h:
        await h.call(h.client.batches.retrieve("batch_1"))
    assert h.sleeps == expected_backoff(11, range(6))
    bases = [0.5, 1, 2, 4, 8, 8]
    assert all(0.75 * base <= slept <= base for slept, base in zip(h.sleeps, bases, strict=True))


@pytest.mark.anyio
async def test_retry_after_ms_is_honoured_exactly(mode: str) -> None:
    handler, _ = scripted(status(429, **{"retry-after-ms": "1500"}))
    async with harness(mode, handler) as h:
        await h.call(h.client.batches.retrieve("batch_1"))
    assert h.sleeps == [1.5]


@pytest.mark.anyio
async def test_retry_after_ms_wins_over_retry_after(mode: str) -> None:
    handler, _ = scripted(status(503, **{"retry-after-ms": "20", "retry-after": "7"}))
    async with harness(mode, handler) as h:
        await h.call(h.client.batches.retrieve("batch_1"))
    assert h.sleeps == [0.02]


@pytest.mark.anyio
async def test_retry_after_seconds(mode: str) -> None:
    handler, _ = scripted(status(429, **{"retry-after": "3"}))
    async with harness(mode, handler) as h:
        await h.call(h.client.batches.retrieve("batch_1"))
    assert h.sleeps == [3.0]


@pytest.mark.anyio
async def test_retry_after_http_date_is_measured_with_the_injected_clock(mode: str) -> None:
    when = email.utils.formatdate(NOW + 12, usegmt=True)
    handler, _ = scripted(status(503, **{"retry-after": when}))
    async with harness(mode, handler, clock=lambda: NOW) as h:
        await h.call(h.client.batches.retrieve("batch_1"))
    assert h.sleeps == [12.0]


@pytest.mark.anyio
async def test_unparseable_retry_after_falls_back_to_backoff(mode: str) -> None:
    handler, _ = scripted(status(503, **{"retry-after": "soon"}))
    async with harness(mode, handler, seed=5) as h:
        await h.call(h.client.batches.retrieve("batch_1"))
    assert h.sleeps == expected_backoff(5, [0])


@pytest.mark.anyio
async def test_server_delay_over_a_minute_stops_retrying(mode: str) -> None:
    handler, seen = scripted(status(429, **{"retry-after": "3600"}))
    async with harness(mode, handler) as h:
        with pytest.raises(RateLimitError):
            await h.call(h.client.batches.retrieve("batch_1"))
    assert len(seen) == 1
    assert h.sleeps == []


@pytest.mark.anyio
async def test_x_should_retry_false_stops_retrying(mode: str) -> None:
    handler, seen = scripted(status(503, **{"x-should-retry": "false"}))
    async with harness(mode, handler) as h:
        with pytest.raises(InternalServerError):
            await h.call(h.client.batches.retrieve("batch_1"))
    assert len(seen) == 1
    assert h.sleeps == []


@pytest.mark.anyio
async def test_x_should_retry_true_retries_a_status_otherwise_final(mode: str) -> None:
    handler, seen = scripted(status(400, **{"x-should-retry": "true"}))
    async with harness(mode, handler) as h:
        await h.call(h.client.batches.retrieve("batch_1"))
    assert len(seen) == 2


@pytest.mark.anyio
async def test_default_is_two_retries(mode: str) -> None:
    handler, seen = scripted(*[status(500)] * 5)
    async with harness(mode, handler) as h:
        with pytest.raises(InternalServerError):
            await h.call(h.client.batches.retrieve("batch_1"))
    assert len(seen) == 3
    assert len(h.sleeps) == 2


@pytest.mark.anyio
async def test_max_retries_per_client(mode: str) -> None:
    handler, seen = scripted(*[status(409)] * 5)
    async with harness(mode, handler, max_retries=4) as h:
        with pytest.raises(ConflictError):
            await h.call(h.client.batches.retrieve("batch_1"))
    assert len(seen) == 5


@pytest.mark.anyio
@pytest.mark.parametrize("per_call", [0, 1, 3])
async def test_max_retries_per_call_overrides_the_client(mode: str, per_call: int) -> None:
    seen: list[httpx.Request] = []

    def always_500(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return status(500)

    async with harness(mode, always_500, max_retries=2) as h:
        with pytest.raises(InternalServerError):
            await h.call(h.client.batches.retrieve("batch_1", max_retries=per_call))
        after_call = len(seen)
        with pytest.raises(InternalServerError):
            await h.call(h.client.batches.retrieve("batch_1"))  # back to the client's 2
    assert after_call == per_call + 1
    assert len(seen) - after_call == 3


@pytest.mark.anyio
async def test_exhausted_connection_retries_raise_api_connection_errors(mode: str) -> None:
    handler, seen = scripted(*[httpx.ConnectError] * 3)
    async with harness(mode, handler) as h:
        with pytest.raises(APIConnectionError) as caught:
            await h.call(h.client.batches.retrieve("batch_1"))
    assert not isinstance(caught.value, APITimeoutError)
    assert caught.value.operation == "retrieveBatch"
    assert caught.value.outcome_unknown is False
    assert len(seen) == 3


@pytest.mark.anyio
async def test_exhausted_timeouts_raise_api_timeout_error(mode: str) -> None:
    handler, _ = scripted(*[httpx.ReadTimeout] * 3)
    async with harness(mode, handler) as h:
        with pytest.raises(APITimeoutError) as caught:
            await h.call(h.client.batches.retrieve("batch_1"))
    assert caught.value.outcome_unknown is True
    assert "ReadTimeout" in str(caught.value)


@pytest.mark.anyio
async def test_local_errors_are_not_retried(mode: str) -> None:
    handler, seen = scripted(httpx.UnsupportedProtocol)
    async with harness(mode, handler) as h:
        with pytest.raises(APIConnectionError):
            await h.call(h.client.batches.retrieve("batch_1"))
    assert len(seen) == 1


@pytest.mark.anyio
async def test_retries_apply_to_pages_and_downloads_too(mode: str) -> None:
    answers: list[httpx.Response] = [status(502)]

    def handler(request: httpx.Request) -> httpx.Response:
        if answers:
            return answers.pop()
        if request.url.path.endswith("/content"):
            return httpx.Response(200, content=b"a\nb\n")
        return httpx.Response(200, json={"object": "list", "data": [batch_json()], "has_more": False})

    async with harness(mode, handler) as h:
        assert len(await h.collect(h.client.batches.list())) == 1
        answers.append(status(503))
        assert await h.lines(h.client.files.content("file-1")) == [b"a", b"b"]
    assert len(h.sleeps) == 2


# --- timeouts ----------------------------------------------------------------------------


def timeouts_seen() -> tuple[Handler, list[dict[str, float | None]]]:
    seen: list[dict[str, float | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return httpx.Response(200, json=batch_json())

    return handler, seen


@pytest.mark.anyio
async def test_default_timeout_is_600s_with_5s_connect(mode: str) -> None:
    handler, seen = timeouts_seen()
    async with harness(mode, handler) as h:
        await h.call(h.client.batches.retrieve("batch_1"))
    assert seen == [{"connect": 5.0, "read": 600.0, "write": 600.0, "pool": 600.0}]


@pytest.mark.anyio
async def test_timeout_per_client_and_per_call(mode: str) -> None:
    handler, seen = timeouts_seen()
    async with harness(mode, handler, timeout=30.0) as h:
        await h.call(h.client.batches.retrieve("batch_1"))
        await h.call(h.client.batches.retrieve("batch_1", timeout=httpx.Timeout(2.0, read=9.0)))
        await h.call(h.client.batches.retrieve("batch_1", timeout=1.5))
    assert seen == [
        {"connect": 5.0, "read": 30.0, "write": 30.0, "pool": 30.0},
        {"connect": 2.0, "read": 9.0, "write": 2.0, "pool": 2.0},
        {"connect": 1.5, "read": 1.5, "write": 1.5, "pool": 1.5},
    ]


@pytest.mark.anyio
async def test_per_call_options_do_not_leak_into_later_calls(mode: str) -> None:
    handler, seen = timeouts_seen()
    async with harness(mode, handler) as h:
        await h.call(h.client.batches.cancel("batch_1", timeout=3.0))
        await h.call(h.client.batches.cancel("batch_1"))
    assert seen[0]["read"] == 3.0
    assert seen[1]["read"] == 600.0


@pytest.mark.anyio
@pytest.mark.parametrize("bad", [{"timeout": 0}, {"timeout": -1.0}, {"max_retries": -1}, {"max_retries": 1.5}])
async def test_bad_options_are_rejected_naming_the_option(mode: str, bad: dict[str, float]) -> None:
    handler, seen = timeouts_seen()
    async with harness(mode, handler) as h:
        with pytest.raises(ValueError, match=next(iter(bad))):
            await h.call(h.client.batches.retrieve("batch_1", **bad))  # type: ignore[arg-type]
    assert seen == []


# --- the pure decisions ------------------------------------------------------------------


def test_server_delay_parsing() -> None:
    clock = lambda: NOW  # noqa: E731
    assert server_delay(httpx.Headers({"retry-after-ms": "250"}), clock) == 0.25
    assert server_delay(httpx.Headers({"retry-after": "2.5"}), clock) == 2.5
    assert server_delay(httpx.Headers({"retry-after": email.utils.formatdate(NOW - 30, usegmt=True)}), clock) == 0.0
    assert server_delay(httpx.Headers({"retry-after": "Wed, 99 Foo"}), clock) is None
    assert server_delay(httpx.Headers({}), clock) is None


def test_policy_delay_prefers_server_hint_within_a_minute() -> None:
    policy = RetryPolicy(clock=lambda: NOW)
    assert policy.delay(0, httpx.Headers({"retry-after": "60"})) == 60.0
    assert policy.delay(0, httpx.Headers({"retry-after": "61"})) is None


@pytest.mark.anyio
async def test_concurrent_calls_keep_their_own_options() -> None:
    # Per-call options travel in a ContextVar: each asyncio task sees only its own.
    import anyio

    seen: dict[str, float | None] = {}
    both_started = anyio.Event()
    started: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        started.append(request.url.path)
        if len(started) == 2:
            both_started.set()
        await both_started.wait()  # interleave the two calls inside the transport
        seen[request.url.path] = request.extensions["timeout"]["read"]
        return httpx.Response(200, json=batch_json(request.url.path.rsplit("/", 1)[-1]))

    async with harness("async", handler) as h:  # type: ignore[arg-type]
        async with anyio.create_task_group() as tg:
            tg.start_soon(lambda: h.client.batches.retrieve("batch_a", timeout=11.0))
            tg.start_soon(lambda: h.client.batches.retrieve("batch_b", timeout=22.0))
    assert seen == {"/v1/batches/batch_a": 11.0, "/v1/batches/batch_b": 22.0}


@pytest.mark.anyio
async def test_a_streamed_request_body_is_never_replayed(mode: str) -> None:
    # Bodies the transport cannot replay (generators) get one attempt, whatever max_retries says.
    handler, seen = scripted(status(503), status(503))
    async with harness(mode, handler, max_retries=2) as h:
        http = h.client._runtime.http
        if mode == "sync":
            response = http.post("/files", content=iter([b"chunk"]))  # type: ignore[union-attr]
        else:

            async def body() -> AsyncIterator[bytes]:
                yield b"chunk"

            response = await http.post("/files", content=body())  # type: ignore[misc]
    assert response.status_code == 503
    assert len(seen) == 1
    assert h.sleeps == []


@pytest.mark.anyio
async def test_default_sleeps_are_used_when_none_is_injected() -> None:
    # retry-after-ms: 0 exercises time.sleep / anyio.sleep without waiting.
    handler, seen = scripted(status(429, **{"retry-after-ms": "0"}))
    with BatchClient(KEY, transport=httpx.MockTransport(handler)) as client:
        assert client.batches.retrieve("batch_1").id == "batch_1"
    handler, aseen = scripted(status(429, **{"retry-after-ms": "0"}))
    async with AsyncBatchClient(KEY, transport=httpx.MockTransport(handler)) as aclient:
        assert (await aclient.batches.retrieve("batch_1")).id == "batch_1"
    assert len(seen) == len(aseen) == 2
