"""The server's provider quirks are exactly what the client's normalisation undoes; output lines are rewritten whole."""

from __future__ import annotations

import copy
import json
from typing import Any

import anyio
import pytest
from openai_batch.providers import get_profile, normalise_body
from openai_batch.server.providers import QUIRKS, _FilteredLines

BATCH: dict[str, Any] = {
    "id": "batch_1",
    "object": "batch",
    "endpoint": "/v1/chat/completions",
    "input_file_id": "file-1",
    "completion_window": "24h",
    "status": "in_progress",
    "output_file_id": None,
    "error_file_id": None,
    "created_at": 1_700_000_000,
    "in_progress_at": 1_700_000_100,
    "expires_at": 1_700_086_400,
    "request_counts": {"total": 3, "completed": 1, "failed": 0},
}


@pytest.mark.parametrize("status", ["validating", "in_progress", "finalizing", "completed", "cancelling"])
def test_every_quirk_the_server_shows_the_client_undoes(status: str) -> None:
    azure = get_profile("azure")
    original = {**BATCH, "status": status}
    if status == "validating":
        original.pop("request_counts")  # validating: not stated yet (the quirk sends null)
    shown = copy.deepcopy(original)
    for name, quirk in QUIRKS.items():
        if name in azure.normalise:
            quirk(shown)
    assert shown != original  # the quirks did something
    assert set(QUIRKS) <= set(azure.normalise)  # no quirk without the rule that undoes it
    assert normalise_body(shown, azure.normalise) == original


def chat_line(custom_id: str) -> bytes:
    body = {"object": "chat.completion", "choices": [{"index": 0, "message": {"content": "hi"}}]}
    return json.dumps({"custom_id": custom_id, "response": {"status_code": 200, "body": body}}).encode()


@pytest.mark.parametrize("cut", [1, 7, 50, 10_000])
@pytest.mark.parametrize("final_newline", [True, False])
def test_output_lines_gain_content_filters_whatever_the_chunking(cut: int, final_newline: bool) -> None:
    lines = [chat_line("a"), b'{"custom_id": "b", "error": {"code": "x"}, "response": null}', chat_line("c")]
    data = b"\n".join(lines) + (b"\n" if final_newline else b"")
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def run() -> None:
        filtered = _FilteredLines(send)
        await filtered({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"9")]})
        chunks = [data[i : i + cut] for i in range(0, len(data), cut)]
        for number, chunk in enumerate(chunks):
            await filtered({"type": "http.response.body", "body": chunk, "more_body": number < len(chunks) - 1})

    anyio.run(run)
    assert sent[0]["headers"] == []  # the length changed: none is sent
    out = b"".join(message["body"] for message in sent[1:])
    assert out.endswith(b"\n") == final_newline
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["custom_id"] for r in records] == ["a", "b", "c"]
    for record in (records[0], records[2]):
        body = record["response"]["body"]
        assert body["choices"][0]["content_filter_results"]["violence"]["filtered"] is False
        assert body["prompt_filter_results"][0]["prompt_index"] == 0
    assert records[1] == json.loads(lines[1])  # an error line is left as it is
