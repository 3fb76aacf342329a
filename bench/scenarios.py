"""The three contenders, each behind the same small interface, plus the input-file generator.

* ``ours``: ``openai_batch.BatchClient``;
* ``sdk``:  the official ``openai.OpenAI`` (``max_retries=0``, as ours and raw httpx never retry here);
* ``raw``:  ``httpx.Client`` + ``.json()``, the floor any client pays for HTTP and JSON.

Every import happens inside the function that needs it, so a child process that measures one
contender's memory loads only that contender's code.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

API_KEY = "sk-bench"
CONTENDERS: tuple[str, ...] = ("ours", "raw", "sdk")
LABELS: dict[str, str] = {"ours": "openai_batch", "raw": "raw httpx", "sdk": "openai SDK"}


class Session(Protocol):
    """One contender's client, opened against the fixture server."""

    def retriever(self) -> Callable[[str], object]:
        """A callable doing one ``batches.retrieve`` and returning the parsed batch."""
        ...

    def list_all(self, limit: int) -> int:
        """Walk every batch with auto-pagination, touching each item's id; return the count."""
        ...

    def close(self) -> None: ...


def ours_available() -> str | None:
    """None when ``openai_batch.BatchClient`` can be imported, else why it cannot."""
    try:
        from openai_batch import BatchClient  # noqa: F401
    except ImportError as exc:
        return f"openai_batch.BatchClient not importable: {exc}"
    return None


def _mock_handler(body: bytes) -> Callable[[Any], Any]:
    """An httpx (or httpx-compatible) MockTransport handler answering every request with ``body``."""

    def handle(request: Any) -> Any:
        return request_module(request).Response(200, content=body, headers={"content-type": "application/json"})

    return handle


def request_module(request: Any) -> Any:
    """The HTTP library a request object comes from (the SDK may use an httpx fork)."""
    import importlib

    return importlib.import_module(type(request).__module__.split(".")[0])


class OursSession:
    def __init__(self, base_url: str, mock_body: bytes | None = None) -> None:
        import httpx
        from openai_batch import BatchClient

        transport = httpx.MockTransport(_mock_handler(mock_body)) if mock_body is not None else None
        self.client = BatchClient(api_key=API_KEY, base_url=base_url, transport=transport)

    def retriever(self) -> Callable[[str], object]:
        return self.client.batches.retrieve

    def list_all(self, limit: int) -> int:
        count = 0
        for batch in self.client.batches.list(limit=limit):
            batch.id  # noqa: B018 - every contender reads one field of every item
            count += 1
        return count

    def close(self) -> None:
        self.client.close()


class SdkSession:
    def __init__(self, base_url: str, mock_body: bytes | None = None) -> None:
        import openai

        http_client = None
        if mock_body is not None:
            from openai import _base_client

            # The httpx-like library this SDK version is built on (httpx, or its fork httpx2).
            library: Any = vars(_base_client).get("httpx2") or vars(_base_client)["httpx"]
            http_client = library.Client(transport=library.MockTransport(_mock_handler(mock_body)))
        self.client = openai.OpenAI(api_key=API_KEY, base_url=base_url, max_retries=0, http_client=http_client)

    def retriever(self) -> Callable[[str], object]:
        return self.client.batches.retrieve

    def list_all(self, limit: int) -> int:
        count = 0
        for batch in self.client.batches.list(limit=limit):
            batch.id  # noqa: B018
            count += 1
        return count

    def close(self) -> None:
        self.client.close()


class RawSession:
    def __init__(self, base_url: str, mock_body: bytes | None = None) -> None:
        import httpx

        transport = httpx.MockTransport(_mock_handler(mock_body)) if mock_body is not None else None
        self.client = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {API_KEY}"}, transport=transport
        )

    def retriever(self) -> Callable[[str], object]:
        get = self.client.get

        def retrieve(batch_id: str) -> Any:
            return get(f"/batches/{batch_id}").json()

        return retrieve

    def list_all(self, limit: int) -> int:
        count = 0
        params: dict[str, str | int] = {"limit": limit}
        while True:
            response = self.client.get("/batches", params=params)
            response.raise_for_status()
            page = response.json()
            for batch in page["data"]:
                batch["id"]
                count += 1
            if not page["has_more"] or not page["data"]:
                return count
            params = {"limit": limit, "after": page["last_id"]}

    def close(self) -> None:
        self.client.close()


def open_session(contender: str, base_url: str, mock_body: bytes | None = None) -> Session:
    """A contender's client against ``base_url``, or, given ``mock_body``, against an in-process
    MockTransport that answers every request with it (client CPU only, no socket)."""
    if contender == "ours":
        return OursSession(base_url, mock_body)
    if contender == "sdk":
        return SdkSession(base_url, mock_body)
    if contender == "raw":
        return RawSession(base_url, mock_body)
    raise ValueError(f"unknown contender {contender!r}")


# --- downloads (each run in a fresh child process by measure.py) --------------------------------


def download_lines(contender: str, base_url: str, file_id: str) -> Iterator[bytes | str]:
    """The lines of a file's content as each contender's idiomatic API hands them out."""
    if contender == "ours":
        from openai_batch import BatchClient

        with BatchClient(api_key=API_KEY, base_url=base_url) as client:
            yield from client.files.content(file_id).iter_lines()
    elif contender == "sdk":
        import openai

        with openai.OpenAI(api_key=API_KEY, base_url=base_url, max_retries=0) as sdk:
            # The SDK's files.content() reads the whole body before it returns.
            yield from sdk.files.content(file_id).iter_lines()
    elif contender == "raw":
        import httpx

        with (
            httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=600.0) as http,
            http.stream("GET", f"/files/{file_id}/content") as response,
        ):
            response.raise_for_status()
            yield from response.iter_lines()
    else:
        raise ValueError(f"unknown contender {contender!r}")


# --- the validator's input file -------------------------------------------------------------------

MAX_REQUESTS = 50_000  # the Batch API's per-file limits: the generated file stays a valid single batch
MAX_BYTES = 209_715_200

_TOPICS = (
    "a customer email about a delayed refund",
    "a support ticket reporting a login loop on the mobile app",
    "a product review mentioning battery life and screen glare",
    "an internal memo announcing a change to the travel policy",
    "a bug report about CSV exports dropping the last row",
    "a chat transcript where a user asks to change their delivery address",
)


def write_chat_input(path: Path, target_bytes: int) -> tuple[int, int]:
    """Write a valid /v1/chat/completions input file of about ``target_bytes``; return (lines, bytes).

    Lines average 4 KiB whatever the file size (so smaller files keep the same per-byte cost),
    so a 200 MiB file holds the most requests a batch allows and stays under its byte limit.
    """
    target_bytes = min(target_bytes, MAX_BYTES)
    line_budget = MAX_BYTES // MAX_REQUESTS
    filler = (
        "Context: the account was opened in 2021, the plan is Business, the last invoice was paid on time, "
        "and the customer has contacted support twice this quarter. "
    )
    written = 0
    lines = 0
    with path.open("wb") as handle:
        while lines < MAX_REQUESTS:
            topic = _TOPICS[lines % len(_TOPICS)]
            request: dict[str, Any] = {
                "custom_id": f"request-{lines:08d}",
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": {
                    "model": "gpt-4o-mini",
                    "messages": [
                        {"role": "system", "content": "You classify and summarise support messages. Answer in JSON."},
                        {"role": "user", "content": f"Classify and summarise {topic}. "},
                    ],
                    "max_tokens": 256,
                    "temperature": 0.2,
                    "response_format": {"type": "json_object"},
                    "metadata": {"ticket": f"T-{lines:07d}"},
                },
            }
            base = len(json.dumps(request)) + 1
            # Vary the length by +-25% around the budget, deterministically.
            want = line_budget * (75 + (lines * 37) % 51) // 100
            if want > base:
                repeat, rest = divmod(want - base, len(filler))
                request["body"]["messages"][1]["content"] += filler * repeat + filler[:rest]
            line = (json.dumps(request) + "\n").encode()
            if written + len(line) > target_bytes:
                break
            handle.write(line)
            written += len(line)
            lines += 1
    return lines, written
