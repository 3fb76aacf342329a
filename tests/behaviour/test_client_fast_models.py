"""`_fast_models.build` gives exactly what the generated `from_dict` gives, on every shape.

Equality is checked three ways: attrs value equality of the objects, `to_dict()` of both,
and the same type for every nested value (a dict kept raw must stay a dict, a parsed one a model).
"""

from __future__ import annotations

import copy
from typing import Any

import attrs
import httpx
import pytest
from openai_batch import _fast_models
from openai_batch._plain import plain_batch
from openai_batch_api.models import (
    Batch,
    BatchErrors,
    BatchRequestCounts,
    BatchUsage,
    DeleteFileResponse,
    ListBatchesResponse,
    ListFilesResponse,
    Metadata,
    OpenAIFile,
)
from openai_batch_api.types import UNSET

from tests.behaviour.client_fakes import harness


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def full_batch(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "batch_1",
        "object": "batch",
        "endpoint": "/v1/chat/completions",
        "model": "gpt-4o-mini",
        "errors": None,
        "input_file_id": "file-in",
        "completion_window": "24h",
        "status": "completed",
        "output_file_id": "file-out",
        "error_file_id": "file-err",
        "created_at": 1_700_000_000,
        "in_progress_at": 1_700_000_004,
        "expires_at": 1_700_086_400,
        "finalizing_at": 1_700_003_412,
        "completed_at": 1_700_003_530,
        "failed_at": None,
        "expired_at": None,
        "cancelling_at": None,
        "cancelled_at": None,
        "request_counts": {"total": 10, "completed": 9, "failed": 1},
        "usage": {
            "input_tokens": 100,
            "input_tokens_details": {"cached_tokens": 20},
            "output_tokens": 50,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 150,
        },
        "metadata": {"job": "nightly", "shard": "01/64"},
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not DROP}


DROP = object()  # full_batch(key=DROP) leaves the key out
OPTIONAL_BATCH_KEYS = [
    "model", "errors", "output_file_id", "error_file_id", "in_progress_at", "expires_at", "finalizing_at",
    "completed_at", "failed_at", "expired_at", "cancelling_at", "cancelled_at", "request_counts", "usage", "metadata",
]  # fmt: skip

BATCH_SHAPES: dict[str, dict[str, Any]] = {
    "full": full_batch(),
    "minimal": {k: v for k, v in full_batch().items() if k not in OPTIONAL_BATCH_KEYS},
    "nulls-everywhere": full_batch(**dict.fromkeys(OPTIONAL_BATCH_KEYS)),
    "unknown-fields": full_batch(priority="low", region={"name": "eu"}, tags=[1, 2]),
    "unknown-status": full_batch(status="paused"),
    "usage-absent": full_batch(usage=DROP),
    "usage-null": full_batch(usage=None),
    "usage-with-extra-keys": full_batch(
        usage={**full_batch()["usage"], "audio_tokens": 3, "input_tokens_details": {"cached_tokens": 1, "x": 2}}
    ),
    "usage-missing-a-key": full_batch(usage={"input_tokens": 1}),  # kept raw by the generated code
    "usage-not-an-object": full_batch(usage=[1, 2]),
    "usage-details-not-objects": full_batch(usage={**full_batch()["usage"], "output_tokens_details": 5}),
    "errors-present": full_batch(
        status="failed",
        errors={"object": "list", "data": [{"code": "invalid_json", "message": "bad", "param": None, "line": 3}]},
    ),
    "errors-empty-object": full_batch(errors={}),
    "request-counts-partial": full_batch(request_counts={"total": 1}),
    "request-counts-extra": full_batch(request_counts={"total": 1, "completed": 1, "failed": 0, "new": True}),
    "metadata-empty": full_batch(metadata={}),
    "metadata-many": full_batch(metadata={f"k{i}": f"v{i}" for i in range(16)}),
    "metadata-string": full_batch(metadata="oops"),  # passed through raw by the generated code
    "wrong-scalar-types": full_batch(created_at="yesterday", status=3, model=["a"]),
    "other-key-order": dict(reversed(list(full_batch().items()))),
}


def same(fast: Any, slow: Any) -> None:
    assert type(fast) is type(slow)
    assert fast == slow
    if attrs.has(type(slow)):
        assert fast.to_dict() == slow.to_dict()
        assert fast.additional_properties == slow.additional_properties
        for a in attrs.fields(type(slow)):
            same(getattr(fast, a.name), getattr(slow, a.name))
    elif isinstance(slow, list):
        assert len(fast) == len(slow)
        for x, y in zip(fast, slow, strict=True):
            same(x, y)


def outcome(cls: type[Any], body: Any, build: Any) -> tuple[str, Any]:
    try:
        return "ok", build(cls, copy.deepcopy(body))
    except Exception as exc:
        return type(exc).__name__, str(exc)


def check(cls: type[Any], body: Any) -> Any:
    untouched = copy.deepcopy(body)
    fast = _fast_models.build(cls, body)
    assert body == untouched  # the input is not modified
    same(fast, cls.from_dict(copy.deepcopy(body)))
    return fast


@pytest.mark.parametrize("shape", BATCH_SHAPES)
def test_batch_shapes_match_from_dict(shape: str) -> None:
    check(Batch, BATCH_SHAPES[shape])


def test_nested_models_are_models_and_unknown_fields_are_kept() -> None:
    batch = check(Batch, BATCH_SHAPES["unknown-fields"])
    assert isinstance(batch.usage, BatchUsage)
    assert isinstance(batch.request_counts, BatchRequestCounts)
    assert isinstance(batch.metadata, Metadata) and batch.metadata["job"] == "nightly"
    assert batch.additional_properties == {"priority": "low", "region": {"name": "eu"}, "tags": [1, 2]}
    errors = check(Batch, BATCH_SHAPES["errors-present"]).errors
    assert isinstance(errors, BatchErrors) and errors.data[0].line == 3


def test_absent_optional_fields_are_unset_and_nulls_are_none() -> None:
    assert check(Batch, BATCH_SHAPES["minimal"]).usage is UNSET
    assert check(Batch, BATCH_SHAPES["nulls-everywhere"]).usage is None


def test_a_nested_object_that_does_not_parse_is_kept_raw_as_from_dict_does() -> None:
    assert check(Batch, BATCH_SHAPES["usage-missing-a-key"]).usage == {"input_tokens": 1}


@pytest.mark.parametrize(
    "body",
    [
        full_batch(object="not-a-batch"),
        full_batch(id=DROP),
        full_batch(created_at=DROP),
        None,
        [["id", "x"]],
        "batch",
        3,
        {},
    ],
    ids=["wrong-object", "no-id", "no-created_at", "null", "pairs", "string", "number", "empty"],
)
def test_bodies_from_dict_rejects_are_rejected_the_same_way(body: Any) -> None:
    slow = outcome(Batch, body, lambda cls, b: cls.from_dict(b))
    fast = outcome(Batch, body, _fast_models.build)
    assert slow[0] != "ok"
    assert fast == slow


def file_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "file-1",
        "object": "file",
        "bytes": 120,
        "created_at": 1_700_000_000,
        "expires_at": None,
        "filename": "in.jsonl",
        "purpose": "batch",
        "status": "processed",
        "status_details": None,
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not DROP}


FILE_SHAPES = {
    "full": file_body(),
    "minimal": file_body(expires_at=DROP, status=DROP, status_details=DROP),
    "unknown-purpose-and-fields": file_body(purpose="evals", sha256="abc", expires_at=1_700_003_600),
    "null-status": file_body(status=None),
}


@pytest.mark.parametrize("shape", FILE_SHAPES)
def test_file_shapes_match_from_dict(shape: str) -> None:
    check(OpenAIFile, FILE_SHAPES[shape])


def test_file_with_wrong_object_is_rejected_like_from_dict() -> None:
    body = file_body(object="batch")
    assert outcome(OpenAIFile, body, _fast_models.build) == outcome(OpenAIFile, body, lambda c, b: c.from_dict(b))


def test_list_pages_match_from_dict() -> None:
    batches = list(BATCH_SHAPES.values())
    check(ListBatchesResponse, {"object": "list", "data": batches, "has_more": True, "first_id": "a", "last_id": "b"})
    check(ListBatchesResponse, {"object": "list", "data": [], "has_more": False, "cursor": "c"})
    files = list(FILE_SHAPES.values())
    check(ListFilesResponse, {"object": "list", "data": files, "first_id": "a", "last_id": "b", "has_more": False})
    check(DeleteFileResponse, {"id": "file-1", "object": "file", "deleted": True})


@pytest.mark.parametrize(
    "body",
    [
        {"object": "list", "data": 3, "has_more": False},
        {"object": "list", "data": [full_batch(object="x")], "has_more": False},
        {"object": "list", "data": [None], "has_more": False},
        {"object": "something", "data": [], "has_more": False},
    ],
    ids=["data-not-a-list", "bad-item", "null-item", "wrong-object"],
)
def test_bad_pages_fail_as_from_dict_fails(body: dict[str, Any]) -> None:
    slow = outcome(ListBatchesResponse, body, lambda cls, b: cls.from_dict(b))
    assert slow[0] != "ok"
    assert outcome(ListBatchesResponse, body, _fast_models.build) == slow


def test_a_model_with_a_field_kind_not_covered_always_uses_from_dict() -> None:
    # BatchErrors.data is an optional list of models: not planned, so from_dict builds it.
    assert _fast_models._compile(BatchErrors) is None
    assert _fast_models._compile(Batch) is not None

    @attrs.define
    class Odd:
        when: set[int]
        additional_properties: dict[str, Any] = attrs.field(init=False, factory=dict)

        @classmethod
        def from_dict(cls, src: dict[str, Any]) -> Odd:
            made = cls(when=set(src["when"]))
            made.additional_properties = {"via": "from_dict"}
            return made

        def to_dict(self) -> dict[str, Any]:
            return {"when": sorted(self.when)}

    assert _fast_models.build(Odd, {"when": [1]}).additional_properties == {"via": "from_dict"}


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_client_returns_what_from_dict_returns(mode: str) -> None:
    pages = {
        None: {"object": "list", "data": list(BATCH_SHAPES.values())[:10], "has_more": True, "last_id": "b9"},
        "b9": {"object": "list", "data": list(BATCH_SHAPES.values())[10:], "has_more": False},
    }

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/batches"):
            assert request.method == "GET" and request.url.params["limit"] == "10"
            return httpx.Response(200, json=pages[request.url.params.get("after")])
        if request.url.path.endswith("/batches/batch_1"):
            return httpx.Response(200, json=BATCH_SHAPES["unknown-fields"])
        return httpx.Response(200, json=FILE_SHAPES["unknown-purpose-and-fields"])

    pages[None]["data"][-1] = full_batch(id="b9")
    async with harness(mode, handler) as h:
        listed = await h.collect(h.client.batches.list(limit=10))
        # What from_dict returns, with the metadata map as a plain dict (as the official SDK gives).
        expected = [plain_batch(Batch.from_dict(b)) for page in pages.values() for b in page["data"]]
        same(listed, expected)
        retrieved = await h.call(h.client.batches.retrieve("batch_1"))
        same(retrieved, plain_batch(Batch.from_dict(BATCH_SHAPES["unknown-fields"])))
        same(
            await h.call(h.client.files.retrieve("file-1")),
            OpenAIFile.from_dict(FILE_SHAPES["unknown-purpose-and-fields"]),
        )


def test_every_resource_model_is_planned_in_a_fresh_interpreter() -> None:
    # The models package imports a model's module on first use of its name: in a process
    # that has not touched BatchErrors yet (as a user's has not), Batch must still get a plan.
    import subprocess
    import sys

    code = (
        "from openai_batch import _fast_models\n"
        "from openai_batch_api.models import Batch, ListBatchesResponse, ListFilesResponse, OpenAIFile\n"
        "for cls in (Batch, ListBatchesResponse, OpenAIFile, ListFilesResponse):\n"
        "    assert _fast_models._compile(cls) is not None, cls.__name__\n"
        "print('planned')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "planned"
