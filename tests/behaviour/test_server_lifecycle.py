"""The local server's batch status machine, driven by a manual clock: no HTTP, no waiting."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from openai_batch._tokens import estimate_file_tokens
from openai_batch.server import FaultInjector, ManualClock, ServerOptions
from openai_batch.server.errors import ApiError
from openai_batch.server.files import FileService
from openai_batch.server.lifecycle import BatchEngine
from openai_batch.server.store import Store

from tests.fixtures.local_server import input_file, request_line

START = 1_700_000_000.0
CHAT = "/v1/chat/completions"


class Harness:
    """An engine over a temporary store, with 10 s validating/finalizing/cancelling and 1 request/s."""

    def __init__(self, data_dir: Path, **options: Any) -> None:
        settings: dict[str, Any] = {
            "validating_seconds": 10,
            "finalizing_seconds": 10,
            "cancelling_seconds": 10,
            "throughput": 1.0,
            **options,
        }
        self.options = ServerOptions(**settings)
        self.clock = ManualClock(START)
        self.store = Store(data_dir)
        self.faults = FaultInjector(token_limit_batches=self.options.token_limit_batches)
        self.files = FileService(self.store, self.clock, self.options)
        self.engine = BatchEngine(self.store, self.clock, self.options, self.faults)

    def upload(self, data: bytes, *, filename: str = "in.jsonl", purpose: str = "batch") -> str:
        return self.files.create(io.BytesIO(data), filename=filename, purpose=purpose).id

    def create(self, file_id: str, *, endpoint: str = CHAT, **extra: Any) -> str:
        body = {"input_file_id": file_id, "endpoint": endpoint, "completion_window": "24h", **extra}
        return self.engine.create(body).id

    def step(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.engine.tick()

    def batch(self, batch_id: str) -> dict[str, Any]:
        return self.engine.retrieve(batch_id).to_json()

    def lines(self, file_id: str | None) -> list[dict[str, Any]]:
        assert file_id is not None
        with self.files.content_path(file_id).open("rb") as stream:
            return [json.loads(line) for line in stream]


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


@pytest.fixture
def harness(make_harness: Callable[..., Harness]) -> Harness:
    return make_harness()


def ids(count: int, prefix: str = "r") -> list[str]:
    return [f"{prefix}{i}" for i in range(count)]


def test_a_batch_walks_validating_in_progress_finalizing_completed_with_its_timestamps(harness: Harness) -> None:
    batch_id = harness.create(harness.upload(input_file(ids(5))), metadata={"job": "demo"})
    batch = harness.batch(batch_id)
    assert batch["status"] == "validating"
    assert batch["created_at"] == START
    assert batch["expires_at"] == START + 24 * 3600
    assert batch["metadata"] == {"job": "demo"}
    assert batch["request_counts"] == {"total": 0, "completed": 0, "failed": 0}
    assert batch["output_file_id"] is None and batch["error_file_id"] is None

    harness.step(9)
    assert harness.batch(batch_id)["status"] == "validating"
    harness.step(1)
    batch = harness.batch(batch_id)
    assert batch["status"] == "in_progress"
    assert batch["in_progress_at"] == START + 10
    assert batch["model"] == "gpt-4o-mini"
    assert batch["request_counts"] == {"total": 5, "completed": 0, "failed": 0}

    harness.step(2)
    assert harness.batch(batch_id)["request_counts"]["completed"] == 2
    harness.step(1)
    assert harness.batch(batch_id)["request_counts"]["completed"] == 3

    harness.step(2)
    batch = harness.batch(batch_id)
    assert batch["status"] == "finalizing"
    assert batch["finalizing_at"] == START + 15
    assert batch["output_file_id"] is None, "results are published only on completion"

    harness.step(10)
    batch = harness.batch(batch_id)
    assert batch["status"] == "completed"
    assert batch["completed_at"] == START + 25
    assert batch["request_counts"] == {"total": 5, "completed": 5, "failed": 0}
    assert batch["error_file_id"] is None, "no error file when nothing failed"
    for never in ("failed_at", "expired_at", "cancelling_at", "cancelled_at"):
        assert batch[never] is None
    output = harness.files.retrieve(batch["output_file_id"])
    assert output.purpose == "batch_output"
    assert output.filename == f"{batch_id}_output.jsonl"
    lines = harness.lines(batch["output_file_id"])
    assert sorted(line["custom_id"] for line in lines) == sorted(ids(5))
    assert output.bytes == harness.files.content_path(output.id).stat().st_size
    for line in lines:
        assert line["id"].startswith("batch_req_")
        assert line["error"] is None
        assert line["response"]["status_code"] == 200
        assert line["response"]["body"]["object"] == "chat.completion"
    usage = batch["usage"]
    assert usage["input_tokens"] == sum(line["response"]["body"]["usage"]["prompt_tokens"] for line in lines)
    assert usage["output_tokens"] == sum(line["response"]["body"]["usage"]["completion_tokens"] for line in lines)
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"] > 0


def test_a_large_clock_jump_runs_every_phase_but_in_bounded_chunks(make_harness: Callable[..., Harness]) -> None:
    harness = make_harness(chunk_size=3)
    batch_id = harness.create(harness.upload(input_file(ids(7))))
    harness.step(3600)
    batch = harness.batch(batch_id)
    assert batch["in_progress_at"] == START + 10, "stamped when due, not when the tick noticed"
    assert batch["request_counts"]["completed"] == 3
    harness.step(0)
    assert harness.batch(batch_id)["request_counts"]["completed"] == 6
    harness.step(0)
    batch = harness.batch(batch_id)
    assert batch["status"] == "finalizing"
    assert batch["finalizing_at"] == START + 3600
    harness.step(10)
    assert harness.batch(batch_id)["completed_at"] == START + 3610


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            ["not json", request_line("a"), request_line("a")],
            [("invalid_json_line", 1, None), ("duplicate_custom_id", 3, "custom_id")],
        ),
        (
            [json.dumps({"method": "POST", "url": CHAT, "body": {"model": "m"}})],
            [("missing_custom_id", 1, "custom_id")],
        ),
        (
            [json.dumps({"custom_id": "x", "method": "GET", "url": "/v1/embeddings", "body": {"model": "m"}})],
            [("invalid_method", 1, "method"), ("mismatched_url", 1, "url")],
        ),
        (
            [request_line("a"), "", request_line("b", body={"model": "gpt-4o", "messages": []})],
            [("mismatched_model", 3, "body.model")],
        ),
        ([json.dumps({"custom_id": "x", "method": "POST", "url": CHAT, "body": [1]})], [("invalid_body", 1, "body")]),
        ([""], [("empty_file", None, "input_file_id")]),
    ],
)
def test_an_input_file_breaking_the_rules_fails_the_batch_listing_each_problem_and_line(
    harness: Harness, lines: list[str], expected: list[tuple[str, int | None, str | None]]
) -> None:
    batch_id = harness.create(harness.upload("".join(line + "\n" for line in lines).encode()))
    harness.step(10)
    batch = harness.batch(batch_id)
    assert batch["status"] == "failed"
    assert batch["failed_at"] == START + 10
    assert batch["in_progress_at"] is None
    assert batch["errors"]["object"] == "list"
    assert [(error["code"], error["line"], error["param"]) for error in batch["errors"]["data"]] == expected
    assert all(error["message"] for error in batch["errors"]["data"])
    assert batch["output_file_id"] is None and batch["error_file_id"] is None


def test_the_size_and_count_limits_fail_the_batch(make_harness: Callable[..., Harness]) -> None:
    harness = make_harness(max_requests=3, max_embedding_inputs=4)
    too_many = harness.create(harness.upload(input_file(ids(5))))
    embeddings = harness.create(
        harness.upload(input_file(ids(5), endpoint="/v1/embeddings")), endpoint="/v1/embeddings"
    )
    data = input_file(ids(2))
    small = make_harness(max_input_bytes=len(data) - 1)
    too_large = small.create(small.upload(data))
    harness.step(10)
    small.step(10)
    assert [(e["code"], e["line"]) for e in harness.batch(too_many)["errors"]["data"]] == [("too_many_requests", 4)]
    assert [(e["code"], e["line"]) for e in harness.batch(embeddings)["errors"]["data"]] == [
        ("too_many_requests", 4),
        ("too_many_embedding_inputs", 5),
    ]
    assert [e["code"] for e in small.batch(too_large)["errors"]["data"]] == ["file_too_large"]


def test_published_limits_are_the_batch_api_limits() -> None:
    options = ServerOptions()
    assert (options.max_requests, options.max_input_bytes, options.max_embedding_inputs) == (
        50_000,
        209_715_200,
        50_000,
    )


def test_an_expired_batch_keeps_finished_results_and_reports_the_rest_as_batch_expired(
    make_harness: Callable[..., Harness],
) -> None:
    window = 24 * 3600 - 10  # from in_progress_at to expires_at
    harness = make_harness(throughput=2.5 / window)
    batch_id = harness.create(harness.upload(input_file(ids(4))))
    harness.step(10)
    harness.step(window / 2)
    assert harness.batch(batch_id)["request_counts"]["completed"] == 1
    harness.step(window)
    batch = harness.batch(batch_id)
    assert batch["status"] == "expired"
    assert batch["expired_at"] == batch["expires_at"] == START + 24 * 3600
    assert batch["completed_at"] is None
    assert batch["request_counts"] == {"total": 4, "completed": 2, "failed": 0}
    assert [line["custom_id"] for line in harness.lines(batch["output_file_id"])] == ["r0", "r1"]
    errors = harness.lines(batch["error_file_id"])
    assert [line["custom_id"] for line in errors] == ["r2", "r3"]
    for line in errors:
        assert line["response"] is None
        assert line["error"] == {
            "code": "batch_expired",
            "message": "This request could not be executed before the completion window expired.",
        }


def test_expire_now_ends_the_batch_at_once(harness: Harness) -> None:
    batch_id = harness.create(harness.upload(input_file(ids(3))))
    harness.step(11)
    batch = harness.engine.expire_now(batch_id).to_json()
    assert batch["status"] == "expired"
    assert batch["expired_at"] == START + 11
    assert [line["error"]["code"] for line in harness.lines(batch["error_file_id"])] == ["batch_expired"] * 2
    with pytest.raises(ApiError) as raised:
        harness.engine.expire_now(batch_id)
    assert raised.value.status == 409


def test_a_cancelled_batch_keeps_partial_results(harness: Harness) -> None:
    batch_id = harness.create(harness.upload(input_file(ids(5))))
    harness.step(13)
    cancelling = harness.engine.cancel(batch_id).to_json()
    assert cancelling["status"] == "cancelling"
    assert cancelling["cancelling_at"] == START + 13
    harness.step(5)
    assert harness.batch(batch_id)["request_counts"]["completed"] == 3, "nothing runs while cancelling"
    assert harness.engine.cancel(batch_id).to_json()["status"] == "cancelling", "cancel is idempotent"
    harness.step(5)
    batch = harness.batch(batch_id)
    assert batch["status"] == "cancelled"
    assert batch["cancelled_at"] == START + 23
    assert [line["custom_id"] for line in harness.lines(batch["output_file_id"])] == ["r0", "r1", "r2"]
    errors = harness.lines(batch["error_file_id"])
    assert [(line["custom_id"], line["error"]["code"]) for line in errors] == [
        ("r3", "batch_cancelled"),
        ("r4", "batch_cancelled"),
    ]


def test_cancelling_while_validating_ends_with_no_files(harness: Harness) -> None:
    batch_id = harness.create(harness.upload(input_file(ids(2))))
    harness.engine.cancel(batch_id)
    harness.step(10)
    batch = harness.batch(batch_id)
    assert batch["status"] == "cancelled"
    assert batch["in_progress_at"] is None
    assert batch["output_file_id"] is None and batch["error_file_id"] is None


@pytest.mark.parametrize("seconds", [0, 10 + 2 + 10])
def test_only_running_batches_can_be_cancelled(harness: Harness, seconds: int) -> None:
    batch_id = harness.create(harness.upload(input_file(ids(2))))
    harness.step(10)
    harness.step(seconds)
    status = harness.batch(batch_id)["status"]
    if status == "in_progress":
        assert harness.engine.cancel(batch_id).status == "cancelling"
        return
    assert status == "completed"
    with pytest.raises(ApiError) as raised:
        harness.engine.cancel(batch_id)
    assert raised.value.status == 409
    assert "completed" in raised.value.message


def test_matching_custom_ids_fail_with_an_error_body(make_harness: Callable[..., Harness]) -> None:
    harness = make_harness(fail_custom_id_pattern=r"^bad-", fail_status_code=500)
    batch_id = harness.create(harness.upload(input_file(["ok-1", "bad-1", "ok-2", "bad-2"])))
    harness.step(10)
    harness.step(20)
    batch = harness.batch(batch_id)
    assert batch["request_counts"] == {"total": 4, "completed": 2, "failed": 2}
    errors = harness.lines(batch["error_file_id"])
    assert [line["custom_id"] for line in errors] == ["bad-1", "bad-2"]
    for line in errors:
        assert line["error"] is None
        assert line["response"]["status_code"] == 500
        assert line["response"]["body"]["error"]["type"] == "server_error"
    assert [line["custom_id"] for line in harness.lines(batch["output_file_id"])] == ["ok-1", "ok-2"]


def test_fail_rate_picks_the_same_requests_on_every_run(make_harness: Callable[..., Harness]) -> None:
    failed_sets = []
    for _ in range(2):
        harness = make_harness(fail_rate=0.3, throughput=1000)
        batch_id = harness.create(harness.upload(input_file(ids(200))))
        harness.step(10)
        harness.step(10)
        harness.step(10)
        batch = harness.batch(batch_id)
        failed = {line["custom_id"] for line in harness.lines(batch["error_file_id"])}
        assert batch["request_counts"]["failed"] == len(failed)
        failed_sets.append(failed)
    assert failed_sets[0] == failed_sets[1]
    assert 30 <= len(failed_sets[0]) <= 90, "about 30% of 200"


def test_a_body_the_endpoint_rejects_becomes_a_400_error_line(harness: Harness) -> None:
    data = (request_line("good") + "\n" + request_line("bad", body={"model": "gpt-4o-mini"}) + "\n").encode()
    batch_id = harness.create(harness.upload(data))
    harness.step(10)
    harness.step(10)
    harness.step(10)
    [line] = harness.lines(harness.batch(batch_id)["error_file_id"])
    assert line["custom_id"] == "bad"
    assert line["response"]["status_code"] == 400
    assert line["response"]["body"]["error"]["param"] == "messages"


def test_enqueued_token_limit_fails_a_batch_that_would_exceed_it(make_harness: Callable[..., Harness]) -> None:
    # One 3-request file fits under 1.5 times its estimate, two do not.
    estimate = estimate_file_tokens(io.BytesIO(input_file(ids(3)))).total
    harness = make_harness(enqueued_token_limit=estimate * 3 // 2, throughput=0.01)
    first = harness.create(harness.upload(input_file(ids(3))))
    harness.step(10)
    assert harness.batch(first)["status"] == "in_progress"
    second = harness.create(harness.upload(input_file(ids(3, "s"))))
    harness.step(10)
    batch = harness.batch(second)
    assert batch["status"] == "failed"
    [error] = batch["errors"]["data"]
    assert error["code"] == "token_limit_exceeded"
    assert "gpt-4o-mini" in error["message"]


def test_the_token_limit_fault_fails_the_next_batches(make_harness: Callable[..., Harness]) -> None:
    harness = make_harness(token_limit_batches=1)
    first = harness.create(harness.upload(input_file(ids(1))))
    second = harness.create(harness.upload(input_file(ids(1))))
    harness.step(10)
    assert [e["code"] for e in harness.batch(first)["errors"]["data"]] == ["token_limit_exceeded"]
    assert harness.batch(second)["status"] == "in_progress"


def test_results_written_but_not_committed_before_a_crash_are_redone_exactly_once(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    harness = Harness(data_dir)
    batch_id = harness.create(harness.upload(input_file(ids(6))))
    harness.step(10)
    harness.step(2)
    # A run that died after appending lines but before committing its position leaves them behind.
    partial = harness.store.batch_dir(batch_id) / "output.partial"
    with partial.open("ab") as stream:
        stream.write(b'{"custom_id":"r2","half written')
    harness.store.close()

    restarted = Harness(data_dir)
    restarted.clock.advance(12)
    restarted.engine.tick()
    restarted.step(10)
    restarted.step(10)
    batch = restarted.batch(batch_id)
    assert batch["status"] == "completed"
    assert [line["custom_id"] for line in restarted.lines(batch["output_file_id"])] == ids(6)
    restarted.store.close()


def test_output_files_expire_per_output_expires_after(harness: Harness) -> None:
    batch_id = harness.create(
        harness.upload(input_file(ids(1))), output_expires_after={"anchor": "created_at", "seconds": 3600}
    )
    harness.step(10)
    harness.step(1)
    harness.step(10)
    batch = harness.batch(batch_id)
    output = harness.files.retrieve(batch["output_file_id"])
    assert output.expires_at == batch["completed_at"] + 3600
    harness.clock.advance(3600)
    with pytest.raises(ApiError) as raised:
        harness.files.retrieve(output.id)
    assert raised.value.status == 404


def test_deleting_the_input_file_does_not_break_a_running_batch(harness: Harness) -> None:
    file_id = harness.upload(input_file(ids(2)))
    batch_id = harness.create(file_id)
    harness.files.delete(file_id)
    harness.step(10)
    harness.step(2)
    harness.step(10)
    assert harness.batch(batch_id)["request_counts"]["completed"] == 2


@pytest.mark.parametrize(
    ("change", "param"),
    [
        ({"input_file_id": None}, "input_file_id"),
        ({"endpoint": "/v1/audio/speech"}, "endpoint"),
        ({"completion_window": "48h"}, "completion_window"),
        ({"metadata": {f"k{i}": "v" for i in range(17)}}, "metadata"),
        ({"metadata": {"k" * 65: "v"}}, "metadata"),
        ({"metadata": {"k": "v" * 513}}, "metadata"),
        ({"metadata": {"k": 1}}, "metadata"),
        ({"input_file_id": "file-missing"}, "input_file_id"),
        ({"output_expires_after": {"anchor": "created_at", "seconds": 60}}, "output_expires_after[seconds]"),
        ({"priority": "high"}, "priority"),
    ],
)
def test_create_rejects_a_bad_request_naming_the_field(harness: Harness, change: dict[str, Any], param: str) -> None:
    body = {"input_file_id": harness.upload(input_file(ids(1))), "endpoint": CHAT, "completion_window": "24h"}
    body.update(change)
    body = {key: value for key, value in body.items() if value is not None}
    with pytest.raises(ApiError) as raised:
        harness.engine.create(body)
    assert raised.value.status == 400
    assert raised.value.param == param
    assert raised.value.type == "invalid_request_error"


def test_metadata_at_the_limits_is_accepted(harness: Harness) -> None:
    metadata = {f"{i:02d}" + "k" * 62: "v" * 512 for i in range(16)}
    batch_id = harness.create(harness.upload(input_file(ids(1))), metadata=metadata)
    assert harness.batch(batch_id)["metadata"] == metadata


def test_create_needs_an_input_file_with_purpose_batch(harness: Harness) -> None:
    file_id = harness.upload(input_file(ids(1)), purpose="user_data")
    with pytest.raises(ApiError) as raised:
        harness.create(file_id)
    assert raised.value.param == "input_file_id"
    assert "purpose" in raised.value.message


def test_batches_are_listed_newest_first_with_a_cursor(harness: Harness) -> None:
    file_id = harness.upload(input_file(ids(1)))
    created = [harness.create(file_id) for _ in range(5)]
    first = harness.engine.list(after=None, limit=2)
    assert [b["id"] for b in first["data"]] == created[::-1][:2]
    assert (first["first_id"], first["last_id"], first["has_more"]) == (created[4], created[3], True)
    rest = harness.engine.list(after=first["last_id"], limit=100)
    assert [b["id"] for b in rest["data"]] == created[::-1][2:]
    assert rest["has_more"] is False
    empty = harness.engine.list(after=created[0], limit=20)
    assert (empty["data"], empty["first_id"], empty["last_id"], empty["has_more"]) == ([], None, None, False)


@pytest.mark.parametrize(
    ("endpoint", "body", "kind"),
    [
        ("/v1/chat/completions", None, "chat.completion"),
        ("/v1/embeddings", None, "list"),
        ("/v1/responses", {"model": "gpt-4.1-mini", "input": "hi"}, "response"),
        ("/v1/completions", {"model": "gpt-3.5-turbo-instruct", "prompt": "hi"}, "text_completion"),
    ],
)
def test_each_endpoint_produces_its_own_response_object(
    harness: Harness, endpoint: str, body: dict[str, Any] | None, kind: str
) -> None:
    data = "".join(request_line(f"r{i}", endpoint=endpoint, body=body) + "\n" for i in range(3)).encode()
    batch_id = harness.create(harness.upload(data), endpoint=endpoint)
    harness.step(10)
    harness.step(3)
    harness.step(10)
    batch = harness.batch(batch_id)
    assert batch["status"] == "completed"
    bodies = [line["response"]["body"] for line in harness.lines(batch["output_file_id"])]
    assert [b["object"] for b in bodies] == [kind] * 3
    if endpoint == "/v1/embeddings":
        assert all(len(b["data"][0]["embedding"]) == 8 for b in bodies), "dimensions honoured"
        assert batch["usage"]["output_tokens"] == 0
    assert batch["usage"]["input_tokens"] > 0
