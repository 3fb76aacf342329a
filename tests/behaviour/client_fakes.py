"""An in-memory OpenAI Batch/Files API behind `httpx.MockTransport`, for the client's behaviour tests.

`FakeAPI` answers the real HTTP routes (so the whole client stack runs: generated
functions, auth, retry transport) and records every request. Faults are queued per
route and fire *before* the server acts (the request never landed) or *after* it (the
object exists, then the response is lost) — the difference the duplicate-safe create
depends on. `Harness` builds a sync or async client on it with a recorded sleep, a
fixed clock and seeded jitter, so one test body covers both clients.
"""

from __future__ import annotations

import email.parser
import email.policy
import inspect
import itertools
import json
import random
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from openai_batch import AsyncBatchClient, AsyncPage, BatchClient, SyncPage

KEY = "sk-test-SECRET-4f9a1c2e7b"
NOW = 1_700_000_000.0


def batch_json(batch_id: str = "batch_1", **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": batch_id,
        "object": "batch",
        "endpoint": "/v1/chat/completions",
        "input_file_id": "file-in",
        "completion_window": "24h",
        "status": "validating",
        "created_at": int(NOW),
    }
    data.update(fields)
    return data


def file_json(file_id: str = "file-1", **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": file_id,
        "object": "file",
        "bytes": 10,
        "created_at": int(NOW),
        "filename": "in.jsonl",
        "purpose": "batch",
    }
    data.update(fields)
    return data


def error_json(message: str, code: str | None = None, type_: str = "invalid_request_error") -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


@dataclass
class Fault:
    """What goes wrong on one request: `when` is "before" or "after" the server acts."""

    when: str
    exc: type[httpx.TransportError] | None = None
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)

    def response(self) -> httpx.Response:
        return httpx.Response(self.status, headers=self.headers, json=error_json(f"injected {self.status}"))


def parse_multipart(request: httpx.Request) -> tuple[dict[str, str], str | None, bytes]:
    """(form fields, uploaded filename, file bytes) of a multipart/form-data request."""
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + request.content)
    fields: dict[str, str] = {}
    filename, content = None, b""
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        assert isinstance(name, str) and isinstance(payload, bytes)
        if part.get_filename() is not None:
            filename, content = part.get_filename(), payload
        else:
            fields[name] = payload.decode()
    return fields, filename, content


class FakeAPI:
    """The Batch and Files endpoints over in-memory state; `handler` is the MockTransport handler."""

    def __init__(self, clock: Callable[[], float] = lambda: NOW) -> None:
        self.batches: list[dict[str, Any]] = []  # oldest first; listed newest first
        self.files: list[dict[str, Any]] = []
        self.contents: dict[str, bytes] = {}
        self.requests: list[httpx.Request] = []
        self.faults: dict[tuple[str, str], list[Fault]] = defaultdict(list)
        self.clock = clock
        self._ids = itertools.count(1)

    def fail(self, method: str, path: str, *faults: Fault) -> None:
        self.faults[(method, path)].extend(faults)

    def calls(self, method: str, path: str) -> int:
        return sum(1 for r in self.requests if r.method == method and r.url.path == path)

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        key = (request.method, request.url.path)
        fault = self.faults[key].pop(0) if self.faults[key] else None
        if fault is not None and fault.when == "before":
            if fault.exc is not None:
                raise fault.exc("injected before the server acted", request=request)
            return fault.response()
        response = self.route(request)
        if fault is not None:
            if fault.exc is not None:
                raise fault.exc("injected after the server acted", request=request)
            return fault.response()
        return response

    def route(self, request: httpx.Request) -> httpx.Response:
        method, parts = request.method, request.url.path.strip("/").split("/")
        if parts[0] == "v1":
            parts = parts[1:]
        if parts == ["batches"] and method == "POST":
            body = json.loads(request.content)
            batch = batch_json(
                f"batch_{next(self._ids)}",
                input_file_id=body["input_file_id"],
                endpoint=body["endpoint"],
                metadata=body.get("metadata"),
                created_at=int(self.clock()),
            )
            self.batches.append(batch)
            return httpx.Response(200, json=batch)
        if parts == ["batches"] and method == "GET":
            return self._page(list(reversed(self.batches)), request)
        if parts[0] == "batches" and len(parts) >= 2:
            found = [b for b in self.batches if b["id"] == parts[1]]
            if not found:
                return httpx.Response(404, json=error_json("No batch found", "not_found"))
            if parts[2:] == ["cancel"]:
                found[0]["status"] = "cancelling"
            return httpx.Response(200, json=found[0])
        if parts == ["files"] and method == "POST":
            form, filename, content = parse_multipart(request)
            record = file_json(
                f"file-{next(self._ids)}",
                bytes=len(content),
                filename=filename,
                purpose=form["purpose"],
                created_at=int(self.clock()),
            )
            if "expires_after[seconds]" in form:
                record["expires_at"] = record["created_at"] + int(form["expires_after[seconds]"])
            self.files.append(record)
            self.contents[record["id"]] = content
            return httpx.Response(200, json=record)
        if parts == ["files"] and method == "GET":
            purpose = request.url.params.get("purpose")
            chosen = [f for f in reversed(self.files) if purpose is None or f["purpose"] == purpose]
            return self._page(chosen, request)
        if parts[0] == "files" and len(parts) >= 2:
            found = [f for f in self.files if f["id"] == parts[1]]
            if not found:
                return httpx.Response(404, json=error_json("No such File object", "not_found"))
            if parts[2:] == ["content"]:
                return httpx.Response(200, content=self.contents[parts[1]])
            if method == "DELETE":
                self.files.remove(found[0])
                return httpx.Response(200, json={"id": parts[1], "object": "file", "deleted": True})
            return httpx.Response(200, json=found[0])
        return httpx.Response(404, json=error_json(f"no route {method} {request.url.path}"))

    @staticmethod
    def _page(items: list[dict[str, Any]], request: httpx.Request) -> httpx.Response:
        after = request.url.params.get("after")
        limit = int(request.url.params.get("limit", "20"))
        if after is not None:
            ids = [item["id"] for item in items]
            items = items[ids.index(after) + 1 :]
        page = items[:limit]
        return httpx.Response(
            200,
            json={
                "object": "list",
                "data": page,
                "first_id": page[0]["id"] if page else None,
                "last_id": page[-1]["id"] if page else None,
                "has_more": len(items) > limit,
            },
        )


@dataclass
class Harness:
    """A sync or async client on a handler, with recorded sleeps; `call`/`collect` hide the difference."""

    mode: str
    client: BatchClient | AsyncBatchClient
    sleeps: list[float]

    async def call(self, result: Any) -> Any:
        return await result if inspect.isawaitable(result) else result

    async def collect(self, pager: SyncPage[Any] | AsyncPage[Any]) -> list[Any]:
        if isinstance(pager, AsyncPage):
            return [item async for item in pager]
        return list(pager)

    async def pages(self, pager: SyncPage[Any] | AsyncPage[Any]) -> list[list[Any]]:
        if isinstance(pager, AsyncPage):
            return [page.data async for page in pager.iter_pages()]
        return [page.data for page in pager.iter_pages()]

    async def lines(self, content: Any) -> list[bytes]:
        iterator = content.iter_byte_lines()
        if hasattr(iterator, "__aiter__"):
            return [line async for line in iterator]
        return list(iterator)


@asynccontextmanager
async def harness(
    mode: str,
    handler: Callable[[httpx.Request], httpx.Response],
    *,
    clock: Callable[[], float] = lambda: NOW,
    seed: int = 0,
    **options: Any,
) -> AsyncIterator[Harness]:
    """A client of the given mode ("sync" or "async") on `handler`, closed afterwards."""
    sleeps: list[float] = []
    options.setdefault("api_key", KEY)
    transport = httpx.MockTransport(handler)
    client: BatchClient | AsyncBatchClient
    if mode == "sync":
        client = BatchClient(transport=transport, sleep=sleeps.append, clock=clock, rng=random.Random(seed), **options)
    else:

        async def asleep(seconds: float) -> None:
            sleeps.append(seconds)

        client = AsyncBatchClient(transport=transport, sleep=asleep, clock=clock, rng=random.Random(seed), **options)
    try:
        yield Harness(mode, client, sleeps)
    finally:
        if isinstance(client, AsyncBatchClient):
            await client.close()
        else:
            client.close()


def expected_backoff(seed: int, attempts: Iterable[int]) -> list[float]:
    """The jittered backoff delays a client seeded with `seed` requests, computed independently."""
    rng = random.Random(seed)
    return [min(0.5 * 2**n, 8.0) * (1 - 0.25 * rng.random()) for n in attempts]
