"""The local server's enqueued-token queue and its line failures, on a manual clock: per-model
limits, both refusal modes, run-time changes, and lines failing only their first executions."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from openai_batch._tokens import estimate_file_tokens
from openai_batch.server import ServerOptions
from openai_batch.server.__main__ import _parser, options_from_args
from openai_batch.server.errors import ApiError
from openai_batch.server.limits import LineFailures, TokenLimits

from tests.behaviour.test_server_lifecycle import Harness
from tests.fixtures.local_server import input_file, request_line

MINI = "gpt-4o-mini"
EMBEDDINGS = "/v1/embeddings"


@pytest.fixture
def make_harness(tmp_path: Path) -> Iterator[Callable[..., Harness]]:
    made: list[Harness] = []

    def make(**options: Any) -> Harness:
        harness = Harness(tmp_path / f"data-{len(made)}", **options)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.store.close()


def chat_file(prefix: str, count: int = 3) -> bytes:
    return input_file([f"{prefix}{i}" for i in range(count)])


ESTIMATE = estimate_file_tokens(io.BytesIO(chat_file("a"))).total


def test_files_of_the_same_shape_have_the_same_estimate() -> None:
    assert ESTIMATE > 0
    assert estimate_file_tokens(io.BytesIO(chat_file("b"))).total == ESTIMATE


def test_the_service_shape_and_message_for_a_model_over_its_limit(make_harness: Callable[..., Harness]) -> None:
    # 1,400 images of 1,445 tokens: 2,023,000 tokens in one short request line.
    parts = [{"type": "image_url", "image_url": {"url": "https://example.com/i.png"}}] * 1400
    body = {"model": MINI, "messages": [{"role": "user", "content": parts}]}
    harness = make_harness(enqueued_token_limits={MINI: 2_000_000})
    batch_id = harness.create(harness.upload((request_line("big", body=body) + "\n").encode()))
    assert harness.batch(batch_id)["status"] == "validating", "created, like the service does"
    harness.step(10)
    batch = harness.batch(batch_id)
    assert batch["status"] == "failed"
    assert batch["errors"]["data"] == [
        {
            "code": "token_limit_exceeded",
            "message": "Enqueued token limit reached for gpt-4o-mini in organization org-local. Limit: 2,000,000 "
            "enqueued tokens. Please try again once some in_progress batches have been completed.",
            "line": None,
            "param": None,
        }
    ]


def test_limits_are_per_model_and_freed_when_batches_finish(make_harness: Callable[..., Harness]) -> None:
    harness = make_harness(enqueued_token_limits={MINI: ESTIMATE * 3 // 2}, throughput=1.0)
    first = harness.create(harness.upload(chat_file("a")))
    second = harness.create(harness.upload(chat_file("b")))
    # Another model has no limit of its own and no default: it is never refused.
    others = [
        harness.create(
            harness.upload(input_file([f"e{n}{i}" for i in range(3)], endpoint=EMBEDDINGS)), endpoint=EMBEDDINGS
        )
        for n in range(3)
    ]
    harness.step(10)
    assert harness.batch(first)["status"] == "in_progress"
    assert harness.batch(second)["status"] == "failed"
    assert [harness.batch(other)["status"] for other in others] == ["in_progress"] * 3

    third = harness.create(harness.upload(chat_file("c")))
    harness.step(10)
    assert harness.batch(third)["status"] == "failed", "the first one is still finalizing"
    harness.step(10)
    assert harness.batch(first)["status"] == "completed"
    fourth = harness.create(harness.upload(chat_file("d")))
    harness.step(10)
    assert harness.batch(fourth)["status"] == "in_progress", "room again once the first completed"


def test_the_default_limit_covers_every_model_a_model_limit_overrides_it(make_harness: Callable[..., Harness]) -> None:
    harness = make_harness(enqueued_token_limit=ESTIMATE, enqueued_token_limits={MINI: ESTIMATE * 2}, throughput=0.01)
    minis = [harness.create(harness.upload(chat_file(prefix))) for prefix in "abc"]
    embedding_file = input_file([f"e{i}" for i in range(40)], endpoint=EMBEDDINGS)
    assert estimate_file_tokens(io.BytesIO(embedding_file)).total > ESTIMATE
    embedding = harness.create(harness.upload(embedding_file), endpoint=EMBEDDINGS)
    harness.step(10)
    assert [harness.batch(batch_id)["status"] for batch_id in minis] == ["in_progress", "in_progress", "failed"]
    [error] = harness.batch(embedding)["errors"]["data"]
    assert f"Limit: {ESTIMATE:,} enqueued tokens" in error["message"]
    assert "text-embedding-3-small" in error["message"]


def test_a_cancelling_batch_no_longer_counts(make_harness: Callable[..., Harness]) -> None:
    harness = make_harness(enqueued_token_limit=ESTIMATE, throughput=0.01, cancelling_seconds=100)
    first = harness.create(harness.upload(chat_file("a")))
    harness.step(10)
    harness.engine.cancel(first)
    second = harness.create(harness.upload(chat_file("b")))
    harness.step(10)
    assert harness.batch(first)["status"] == "cancelling"
    assert harness.batch(second)["status"] == "in_progress"


def test_reject_mode_refuses_at_create_and_counts_validating_batches(make_harness: Callable[..., Harness]) -> None:
    harness = make_harness(enqueued_token_limit=ESTIMATE * 3 // 2, token_limit_mode="reject", throughput=0.01)
    first = harness.create(harness.upload(chat_file("a")))
    assert harness.batch(first)["status"] == "validating"
    with pytest.raises(ApiError) as refused:
        harness.create(harness.upload(chat_file("b")))
    assert (refused.value.status, refused.value.code, refused.value.param) == (400, "token_limit_exceeded", None)
    assert refused.value.message.startswith("Enqueued token limit reached for gpt-4o-mini in organization org-local.")
    assert len(harness.engine.list(after=None, limit=10)["data"]) == 1, "no batch was made"
    harness.step(10)
    assert harness.batch(first)["status"] == "in_progress", "admitted at create, not refused again"


def test_limits_change_at_run_time_and_clearing_restores_the_start(make_harness: Callable[..., Harness]) -> None:
    harness = make_harness(enqueued_token_limit=ESTIMATE * 10, throughput=0.01)
    started = harness.options.token_limits
    harness.faults.configure(
        {"enqueued_token_limits": {MINI: ESTIMATE}, "token_limit_mode": "reject"},
        limits=started,
        failures=harness.options.line_failures,
    )
    assert harness.engine.token_limits == TokenLimits.build(ESTIMATE * 10, {MINI: ESTIMATE}, "reject")
    harness.create(harness.upload(chat_file("a")))
    with pytest.raises(ApiError):
        harness.create(harness.upload(chat_file("b")))
    harness.faults.clear()
    assert harness.engine.token_limits == started
    harness.create(harness.upload(chat_file("c")))


@pytest.mark.parametrize(
    "options",
    [
        {"token_limit_mode": "queue"},
        {"enqueued_token_limit": -1},
        {"enqueued_token_limits": {"gpt-4o": "many"}},
        {"enqueued_token_limits": {"": 5}},
        {"fail_times": -1},
        {"fail_status_code": 200},
        {"fail_custom_id_pattern": "("},
    ],
)
def test_bad_settings_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        ServerOptions(**options)


# Line failures ------------------------------------------------------------------------------------


def run_to_the_end(harness: Harness, data: bytes) -> dict[str, Any]:
    batch_id = harness.create(harness.upload(data))
    for _ in range(4):
        harness.step(10)
    batch = harness.batch(batch_id)
    assert batch["status"] == "completed"
    return batch


def test_lines_fail_only_on_their_first_execution(make_harness: Callable[..., Harness]) -> None:
    harness = make_harness(fail_custom_id_pattern=r"-bad$", fail_status_code=500, fail_times=1)
    data = input_file(["1-ok", "2-bad", "3-bad"])
    first = run_to_the_end(harness, data)
    assert first["request_counts"] == {"total": 3, "completed": 1, "failed": 2}
    errors = harness.lines(first["error_file_id"])
    assert [(line["custom_id"], line["response"]["status_code"]) for line in errors] == [("2-bad", 500), ("3-bad", 500)]
    assert errors[0]["response"]["body"]["error"]["type"] == "server_error"

    second = run_to_the_end(harness, input_file(["2-bad", "3-bad"]))
    assert second["request_counts"] == {"total": 2, "completed": 2, "failed": 0}
    assert second["error_file_id"] is None


def test_fail_times_two_fails_twice_and_without_it_lines_always_fail(make_harness: Callable[..., Harness]) -> None:
    twice = make_harness(fail_custom_id_pattern=r"^x$", fail_status_code=429, fail_times=2)
    counts = [run_to_the_end(twice, input_file(["x"]))["request_counts"]["failed"] for _ in range(3)]
    assert counts == [1, 1, 0]
    always = make_harness(fail_custom_id_pattern=r"^x$", fail_status_code=429)
    assert [run_to_the_end(always, input_file(["x"]))["request_counts"]["failed"] for _ in range(2)] == [1, 1]


def test_a_429_line_has_the_rate_limit_body(make_harness: Callable[..., Harness]) -> None:
    harness = make_harness(fail_custom_id_pattern=r"^x$", fail_status_code=429)
    [line] = harness.lines(run_to_the_end(harness, input_file(["x"]))["error_file_id"])
    assert line["error"] is None
    assert line["response"]["status_code"] == 429
    error = line["response"]["body"]["error"]
    assert (error["type"], error["code"]) == ("requests", "rate_limit_exceeded")


def test_failure_counts_survive_a_restart(tmp_path: Path) -> None:
    options = {"fail_custom_id_pattern": r"^x$", "fail_status_code": 500, "fail_times": 1}
    harness = Harness(tmp_path / "data", **options)
    assert run_to_the_end(harness, input_file(["x"]))["request_counts"]["failed"] == 1
    harness.store.close()
    restarted = Harness(tmp_path / "data", **options)
    try:
        assert run_to_the_end(restarted, input_file(["x"]))["request_counts"]["failed"] == 0
    finally:
        restarted.store.close()


def test_line_failures_change_at_run_time(make_harness: Callable[..., Harness]) -> None:
    harness = make_harness()
    harness.faults.configure(
        {"fail_custom_id_pattern": "^x$", "fail_status_code": 503, "fail_times": 1},
        limits=harness.options.token_limits,
        failures=harness.options.line_failures,
    )
    [line] = harness.lines(run_to_the_end(harness, input_file(["x", "y"]))["error_file_id"])
    assert (line["custom_id"], line["response"]["status_code"]) == ("x", 503)


# Command line ----------------------------------------------------------------------------------------


def test_the_serve_flags_build_the_options() -> None:
    args = _parser().parse_args(
        [
            "--enqueued-token-limit",
            "1000",
            "--enqueued-token-limits",
            "gpt-4o-mini=2,000,000",
            "--enqueued-token-limits",
            "gpt-4o=5_000_000",
            "--token-limit-mode",
            "reject",
            "--fail-custom-id-pattern=-bad$",
            "--fail-status-code",
            "500",
            "--fail-times",
            "1",
        ]
    )
    options = ServerOptions(**options_from_args(args))
    assert options.token_limits == TokenLimits.build(1000, {"gpt-4o-mini": 2_000_000, "gpt-4o": 5_000_000}, "reject")
    assert options.line_failures == LineFailures.build("-bad$", 0.0, 500, 1)
    with pytest.raises(SystemExit):
        _parser().parse_args(["--enqueued-token-limits", "gpt-4o"])


def test_the_options_json_round_trips() -> None:
    limits = TokenLimits.build(None, {MINI: 7}, "fail")
    assert json.loads(json.dumps(limits.to_json())) == {
        "enqueued_token_limit": None,
        "enqueued_token_limits": {MINI: 7},
        "token_limit_mode": "fail",
    }
