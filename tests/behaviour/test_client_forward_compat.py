"""New statuses, new fields and nulls from the service never crash the client."""

from __future__ import annotations

from typing import Any, get_args

import httpx
import pytest
from openai_batch import BatchStatus, FilePurpose, file_id_or_none
from openai_batch_api.types import Unset

from tests.behaviour.client_fakes import batch_json, file_json, harness


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def serving(body: Any) -> Any:
    return lambda request: httpx.Response(200, json=body)


async def retrieve(mode: str, body: dict[str, Any]) -> Any:
    async with harness(mode, serving(body)) as h:
        return await h.call(h.client.batches.retrieve(body.get("id", "batch_1")))


@pytest.mark.anyio
async def test_unknown_status_is_kept(mode: str) -> None:
    batch = await retrieve(mode, batch_json(status="paused"))
    assert batch.status == "paused"
    assert "paused" not in get_args(BatchStatus)


@pytest.mark.anyio
async def test_unknown_fields_are_kept_in_additional_properties(mode: str) -> None:
    batch = await retrieve(mode, batch_json(priority="low", region={"name": "eu"}))
    assert batch.additional_properties == {"priority": "low", "region": {"name": "eu"}}
    assert batch["region"] == {"name": "eu"}


@pytest.mark.anyio
@pytest.mark.parametrize("field", ["output_file_id", "error_file_id", "model"])
async def test_null_strings(mode: str, field: str) -> None:
    batch = await retrieve(mode, batch_json(**{field: None}))
    assert getattr(batch, field) is None


@pytest.mark.anyio
async def test_null_output_file_id_reads_as_no_file(mode: str) -> None:
    batch = await retrieve(mode, batch_json(output_file_id=None, error_file_id=""))
    assert file_id_or_none(batch.output_file_id) is None
    assert file_id_or_none(batch.error_file_id) is None


@pytest.mark.anyio
@pytest.mark.parametrize("field", ["request_counts", "errors", "usage", "metadata"])
async def test_null_objects(mode: str, field: str) -> None:
    batch = await retrieve(mode, batch_json(**{field: None}))
    assert getattr(batch, field) is None


@pytest.mark.anyio
async def test_all_timestamps_null(mode: str) -> None:
    stamps = [
        "in_progress_at",
        "expires_at",
        "finalizing_at",
        "completed_at",
        "failed_at",
        "expired_at",
        "cancelling_at",
        "cancelled_at",
    ]
    batch = await retrieve(mode, batch_json(**dict.fromkeys(stamps)))
    assert [getattr(batch, name) for name in stamps] == [None] * len(stamps)


@pytest.mark.anyio
async def test_absent_optional_fields_are_unset(mode: str) -> None:
    batch = await retrieve(mode, batch_json())
    assert isinstance(batch.output_file_id, Unset)
    assert isinstance(batch.request_counts, Unset)


@pytest.mark.anyio
async def test_unknown_nested_fields_are_kept(mode: str) -> None:
    counts = {"total": 3, "completed": 1, "failed": 0, "cancelled": 2}
    batch = await retrieve(mode, batch_json(request_counts=counts))
    assert batch.request_counts.total == 3
    assert batch.request_counts.additional_properties == {"cancelled": 2}


@pytest.mark.anyio
@pytest.mark.parametrize("which", ["batches", "files"])
async def test_list_with_null_first_and_last_id(mode: str, which: str) -> None:
    item = batch_json("batch_9") if which == "batches" else file_json("file-9")
    body = {"object": "list", "data": [item], "first_id": None, "last_id": None, "has_more": False}
    async with harness(mode, serving(body)) as h:
        pager = getattr(h.client, which).list()
        items = await h.collect(pager)
        if hasattr(pager, "__await__"):
            pager = await pager
    assert [i.id for i in items] == [item["id"]]
    assert pager.first_id is None and pager.last_id is None


@pytest.mark.anyio
async def test_unknown_file_purpose_and_status_and_null_expiry(mode: str) -> None:
    body = file_json(purpose="realtime_audio", status="archived", expires_at=None, status_details=None, tier="cold")
    async with harness(mode, serving(body)) as h:
        f = await h.call(h.client.files.retrieve("file-1"))
    assert (f.purpose, f.status, f.expires_at, f.status_details) == ("realtime_audio", "archived", None, None)
    assert f.additional_properties == {"tier": "cold"}
    assert "realtime_audio" not in get_args(FilePurpose)


@pytest.mark.anyio
async def test_delete_response_with_extra_fields(mode: str) -> None:
    body = {"id": "file-1", "object": "file", "deleted": True, "purged_at": 1}
    async with harness(mode, serving(body)) as h:
        deleted = await h.call(h.client.files.delete("file-1"))
    assert deleted.deleted is True
    assert deleted.additional_properties == {"purged_at": 1}


def test_literal_types_list_the_known_values() -> None:
    # At least these (the values are derived from the spec; tests/contract/test_known_values.py).
    assert set(get_args(BatchStatus)) >= {
        "validating",
        "failed",
        "in_progress",
        "finalizing",
        "completed",
        "expired",
        "cancelling",
        "cancelled",
    }
    assert {"batch", "batch_output", "fine-tune", "assistants", "vision", "user_data", "evals"} <= set(
        get_args(FilePurpose)
    )
