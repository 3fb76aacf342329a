"""Retries of batches.create and files.create never create a second (billed) object."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import httpx
import pytest
from openai_batch import APIConnectionError, BadRequestError, RateLimitError

from tests.behaviour.client_fakes import NOW, FakeAPI, Fault, batch_json, file_json, harness

CREATE = ("POST", "/v1/batches")
LIST = ("GET", "/v1/batches")
UPLOAD = ("POST", "/v1/files")
LIST_FILES = ("GET", "/v1/files")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def create_args(**extra: object) -> dict[str, object]:
    return {"input_file_id": "file-in", "endpoint": "/v1/chat/completions", "completion_window": "24h", **extra}


# --- batches.create -----------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("exc", [httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ReadError])
async def test_lost_response_after_create_yields_exactly_one_batch(mode: str, exc: type[httpx.TransportError]) -> None:
    api = FakeAPI()
    api.fail(*CREATE, Fault("after", exc))
    async with harness(mode, api.handler) as h:
        batch = await h.call(h.client.batches.create(**create_args()))
    assert len(api.batches) == 1
    assert batch.id == api.batches[0]["id"]
    assert api.calls(*CREATE) == 1  # found by the lookup: never resubmitted
    assert api.calls(*LIST) == 1
    assert len(h.sleeps) == 1  # one backoff before looking


@pytest.mark.anyio
async def test_5xx_after_create_is_found_not_resubmitted(mode: str) -> None:
    api = FakeAPI()
    api.fail(*CREATE, Fault("after", status=502))
    async with harness(mode, api.handler) as h:
        batch = await h.call(h.client.batches.create(**create_args()))
    assert [b["id"] for b in api.batches] == [batch.id]
    assert api.calls(*CREATE) == 1


@pytest.mark.anyio
async def test_timeout_before_the_server_acted_resubmits_after_checking(mode: str) -> None:
    api = FakeAPI()
    api.fail(*CREATE, Fault("before", httpx.ReadTimeout))
    async with harness(mode, api.handler) as h:
        batch = await h.call(h.client.batches.create(**create_args()))
    assert [b["id"] for b in api.batches] == [batch.id]
    assert api.calls(*CREATE) == 2
    assert api.calls(*LIST) == 1  # the outcome was unknown, so it looked first


@pytest.mark.anyio
@pytest.mark.parametrize(
    "fault",
    [Fault("before", httpx.ConnectError), Fault("before", status=429), Fault("before", status=409)],
    ids=["connect-error", "429", "409"],
)
async def test_refused_before_sending_resubmits_without_lookup(mode: str, fault: Fault) -> None:
    api = FakeAPI()
    api.fail(*CREATE, fault)
    async with harness(mode, api.handler) as h:
        await h.call(h.client.batches.create(**create_args()))
    assert len(api.batches) == 1
    assert api.calls(*CREATE) == 2
    assert api.calls(*LIST) == 0


@pytest.mark.anyio
async def test_create_is_not_retried_by_the_transport(mode: str) -> None:
    # The transport would retry a 5xx GET; for the create POST, the flow decides instead.
    api = FakeAPI()
    api.fail(*CREATE, Fault("after", status=500), Fault("after", status=500), Fault("after", status=500))
    async with harness(mode, api.handler) as h:
        await h.call(h.client.batches.create(**create_args()))
    assert api.calls(*CREATE) == 1
    assert len(api.batches) == 1


@pytest.mark.anyio
async def test_failed_lookup_never_resubmits_and_reports_unknown_outcome(mode: str) -> None:
    api = FakeAPI()
    api.fail(*CREATE, Fault("after", httpx.ReadTimeout))
    for _ in range(10):
        api.fail(*LIST, Fault("before", httpx.ConnectError))
    async with harness(mode, api.handler, max_retries=2) as h:
        with pytest.raises(APIConnectionError) as caught:
            await h.call(h.client.batches.create(**create_args()))
    assert api.calls(*CREATE) == 1
    assert len(api.batches) == 1
    token = api.batches[0]["metadata"]["openai_batch_token"]
    assert caught.value.outcome_unknown is True
    assert "outcome unknown" in str(caught.value)
    assert token in str(caught.value)  # so the caller can find the batch


@pytest.mark.anyio
async def test_out_of_retries_while_uncertain_says_so(mode: str) -> None:
    api = FakeAPI()
    api.fail(*CREATE, Fault("before", status=503), Fault("before", status=503))
    async with harness(mode, api.handler, max_retries=1) as h:
        with pytest.raises(APIConnectionError, match="outcome unknown after HTTP 503") as caught:
            await h.call(h.client.batches.create(**create_args()))
    assert caught.value.outcome_unknown
    assert api.batches == []
    assert api.calls(*CREATE) == 2


@pytest.mark.anyio
async def test_definite_error_is_raised_without_retry(mode: str) -> None:
    api = FakeAPI()
    api.fail(*CREATE, Fault("before", status=400))
    async with harness(mode, api.handler) as h:
        with pytest.raises(BadRequestError):
            await h.call(h.client.batches.create(**create_args()))
    assert api.calls(*CREATE) == 1
    assert h.sleeps == []


@pytest.mark.anyio
async def test_refusals_exhausting_retries_raise_the_status_error(mode: str) -> None:
    api = FakeAPI()
    api.fail(*CREATE, *[Fault("before", status=429) for _ in range(3)])
    async with harness(mode, api.handler, max_retries=2) as h:
        with pytest.raises(RateLimitError):
            await h.call(h.client.batches.create(**create_args()))
    assert api.calls(*CREATE) == 3


@pytest.mark.anyio
async def test_token_added_to_metadata_and_user_keys_kept(mode: str) -> None:
    api = FakeAPI()
    async with harness(mode, api.handler) as h:
        batch = await h.call(h.client.batches.create(**create_args(metadata={"job": "nightly"})))
    sent = api.batches[0]["metadata"]
    assert sent["job"] == "nightly"
    assert len(sent["openai_batch_token"]) == 32
    assert batch.metadata == sent  # a plain dict, as the official SDK gives


@pytest.mark.anyio
async def test_each_create_gets_a_fresh_token(mode: str) -> None:
    api = FakeAPI()
    async with harness(mode, api.handler) as h:
        await h.call(h.client.batches.create(**create_args()))
        await h.call(h.client.batches.create(**create_args()))
    tokens = {b["metadata"]["openai_batch_token"] for b in api.batches}
    assert len(tokens) == 2


@pytest.mark.anyio
async def test_callers_own_token_is_used_for_the_lookup(mode: str) -> None:
    api = FakeAPI()
    # An older batch with another token, for the same input, must not be adopted.
    api.batches.append({**batch_json("batch_old"), "metadata": {"openai_batch_token": "other"}})
    api.fail(*CREATE, Fault("after", httpx.ReadTimeout))
    async with harness(mode, api.handler) as h:
        batch = await h.call(h.client.batches.create(**create_args(metadata={"openai_batch_token": "job-42"})))
    assert batch.metadata["openai_batch_token"] == "job-42"
    assert batch.id != "batch_old"
    assert api.calls(*CREATE) == 1


@pytest.mark.anyio
async def test_lookup_requires_the_same_input_file(mode: str) -> None:
    api = FakeAPI()
    api.fail(*CREATE, Fault("before", httpx.ReadTimeout))
    async with harness(mode, api.handler) as h:
        # A batch carrying the same token but another input file is not ours.
        api.batches.append(
            {**batch_json("batch_x", input_file_id="file-other"), "metadata": {"openai_batch_token": "t"}}
        )
        batch = await h.call(h.client.batches.create(**create_args(metadata={"openai_batch_token": "t"})))
    assert batch.id != "batch_x"
    assert api.calls(*CREATE) == 2


@pytest.mark.anyio
async def test_lookup_reads_a_second_page(mode: str) -> None:
    api = FakeAPI()
    api.fail(*CREATE, Fault("after", httpx.ReadTimeout))

    def later_batches(request: httpx.Request) -> httpx.Response:
        # Other processes create 150 batches after ours, pushing it to the second page.
        if request.method == "GET" and request.url.path == "/v1/batches" and len(api.batches) == 1:
            api.batches.extend(batch_json(f"batch_other_{i}") for i in range(150))
        return api.handler(request)

    async with harness(mode, later_batches) as h:
        batch = await h.call(h.client.batches.create(**create_args()))
    assert batch.id == api.batches[0]["id"]
    assert api.calls(*LIST) == 2
    assert api.calls(*CREATE) == 1


@pytest.mark.anyio
async def test_sixteen_user_keys_leave_no_room_so_unknown_outcome_is_not_resubmitted(
    mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    metadata = {f"k{i}": "v" for i in range(16)}
    api = FakeAPI()
    api.fail(*CREATE, Fault("after", httpx.ReadTimeout))
    async with harness(mode, api.handler) as h:
        with caplog.at_level(logging.WARNING, logger="openai_batch"):
            with pytest.raises(APIConnectionError, match="no room for a duplicate-detection token"):
                await h.call(h.client.batches.create(**create_args(metadata=metadata)))
    assert api.batches[0]["metadata"] == metadata  # sent unchanged: 16 keys, no token
    assert api.calls(*CREATE) == 1
    assert "no room for 'openai_batch_token'" in caplog.text


@pytest.mark.anyio
async def test_sixteen_user_keys_still_retry_definite_refusals(mode: str) -> None:
    metadata = {f"k{i}": "v" for i in range(16)}
    api = FakeAPI()
    api.fail(*CREATE, Fault("before", status=429))
    async with harness(mode, api.handler) as h:
        await h.call(h.client.batches.create(**create_args(metadata=metadata)))
    assert len(api.batches) == 1
    assert api.calls(*CREATE) == 2


@pytest.mark.anyio
async def test_fifteen_user_keys_get_the_token_as_sixteenth(mode: str) -> None:
    metadata = {f"k{i}": "v" for i in range(15)}
    api = FakeAPI()
    async with harness(mode, api.handler) as h:
        await h.call(h.client.batches.create(**create_args(metadata=metadata)))
    assert len(api.batches[0]["metadata"]) == 16
    assert "openai_batch_token" in api.batches[0]["metadata"]


@pytest.mark.anyio
async def test_non_string_metadata_is_rejected_before_sending(mode: str) -> None:
    api = FakeAPI()
    async with harness(mode, api.handler) as h:
        with pytest.raises(TypeError, match="'n' has a int value"):
            await h.call(h.client.batches.create(**create_args(metadata={"n": 1})))
    assert api.requests == []


# --- files.create -------------------------------------------------------------------------


@pytest.fixture
def jsonl(tmp_path: Path) -> Path:
    path = tmp_path / "requests.jsonl"
    path.write_bytes(b'{"custom_id": "a"}\n{"custom_id": "b"}\n')
    return path


@pytest.mark.anyio
async def test_upload_timeout_after_send_yields_exactly_one_file(mode: str, jsonl: Path) -> None:
    api = FakeAPI()
    api.fail(*UPLOAD, Fault("after", httpx.ReadTimeout))
    async with harness(mode, api.handler) as h:
        uploaded = await h.call(h.client.files.create(file=jsonl, purpose="batch"))
    assert len(api.files) == 1
    assert uploaded.id == api.files[0]["id"]
    assert api.calls(*UPLOAD) == 1
    assert api.calls(*LIST_FILES) == 1
    lookup = next(r for r in api.requests if r.method == "GET")
    assert lookup.url.params["purpose"] == "batch"
    assert lookup.url.params["order"] == "desc"


@pytest.mark.anyio
async def test_upload_lookup_ignores_older_and_different_files(mode: str, jsonl: Path) -> None:
    size = jsonl.stat().st_size
    api = FakeAPI()
    api.files += [
        {**file_json("file-old"), "filename": jsonl.name, "bytes": size, "created_at": int(NOW) - 3600},
        {**file_json("file-other-size"), "filename": jsonl.name, "bytes": size + 1},
        {**file_json("file-other-name"), "filename": "x.jsonl", "bytes": size},
    ]
    api.fail(*UPLOAD, Fault("before", httpx.ReadTimeout))
    async with harness(mode, api.handler) as h:
        uploaded = await h.call(h.client.files.create(file=jsonl, purpose="batch"))
    assert uploaded.id not in {"file-old", "file-other-size", "file-other-name"}
    assert api.calls(*UPLOAD) == 2
    assert api.contents[uploaded.id] == jsonl.read_bytes()  # the rewound file was sent whole again


@pytest.mark.anyio
async def test_upload_refused_is_resent_without_lookup(mode: str, jsonl: Path) -> None:
    api = FakeAPI()
    api.fail(*UPLOAD, Fault("before", status=429, headers={"retry-after-ms": "250"}))
    async with harness(mode, api.handler) as h:
        uploaded = await h.call(h.client.files.create(file=jsonl, purpose="batch"))
    assert api.calls(*UPLOAD) == 2
    assert api.calls(*LIST_FILES) == 0
    assert h.sleeps == [0.25]
    assert api.contents[uploaded.id] == jsonl.read_bytes()


class _Pipe(io.RawIOBase):
    """A readable, non-seekable binary stream (like stdin or a socket)."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


@pytest.mark.anyio
async def test_unrewindable_upload_is_never_resent(mode: str) -> None:
    api = FakeAPI()
    api.fail(*UPLOAD, Fault("before", status=429))
    async with harness(mode, api.handler) as h:
        with pytest.raises(RateLimitError):
            await h.call(h.client.files.create(file=_Pipe(b"{}\n"), purpose="batch"))
    assert api.calls(*UPLOAD) == 1


@pytest.mark.anyio
async def test_unrewindable_upload_with_unknown_outcome_says_so(mode: str) -> None:
    api = FakeAPI()
    api.fail(*UPLOAD, Fault("after", httpx.ReadTimeout))
    async with harness(mode, api.handler) as h:
        with pytest.raises(APIConnectionError, match="cannot be rewound") as caught:
            await h.call(h.client.files.create(file=_Pipe(b"{}\n"), purpose="batch"))
    assert caught.value.outcome_unknown
    assert api.calls(*UPLOAD) == 1
