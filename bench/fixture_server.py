"""The benchmark's fixture server: fixed, realistic Batch API responses on 127.0.0.1.

It runs in its own process (``python bench/fixture_server.py``) so that its CPU time never
counts against the client being measured. The stdlib ``ThreadingHTTPServer`` is enough: each
client keeps one HTTP/1.1 keep-alive connection, so a request costs one parse and one write.

Routes (with or without the ``/v1`` prefix):

* ``GET /v1/batches/{id}``          a completed Batch with every field filled in;
* ``GET /v1/batches?limit&after``   pages over ``--batches`` batches ``batch_00000``, ``batch_00001``...;
* ``GET /v1/files/{id}``            the output file's metadata;
* ``GET /v1/files/{id}/content``    ``--download-bytes`` of batch output JSONL, generated on the fly.

The output body is generated line by line from a cycle of templates whose varying fields have a
fixed width, so its exact length (sent as Content-Length) is known before the first byte and the
server never holds more than one chunk of it.
"""

from __future__ import annotations

import argparse
import json
import re
import select
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

CREATED_AT = 1_761_000_000
MODEL = "gpt-4o-mini-2024-07-18"
OUTPUT_FILE_ID = "file-out-bench"
DEFAULT_DOWNLOAD_BYTES = 256 * 1024 * 1024
DEFAULT_BATCHES = 10_000

_BATCH_ID = re.compile(r"batch_(\d+)\Z")

# A fixed pool of answers gives output lines of realistic, varied length (about 0.5 to 2 KB).
_SENTENCES = (
    "The invoice total matches the purchase order once the shipping surcharge is included.",
    "Customer sentiment is mostly positive, with two complaints about delivery times.",
    "The contract renews automatically unless either party gives ninety days' notice.",
    "Summary: the patch fixes the race in the cache eviction path and adds a regression test.",
    "Category: billing. Priority: medium. Suggested owner: the payments support queue.",
    "The product description mentions a stainless steel body, a two-year warranty and USB-C charging.",
    'Translation: "Please confirm the meeting time for Thursday afternoon."',
    "Key entities: Acme Corp (organisation), Berlin (location), 14 March 2025 (date).",
)


# --- batches ----------------------------------------------------------------------------------


def batch_id(index: int, width: int = 5) -> str:
    return f"batch_{index:0{width}d}"


def batch_object(index: int, batch_id_: str) -> dict[str, Any]:
    """A completed Batch as the API returns it: every field present, timestamps consistent."""
    created = CREATED_AT + index * 37
    total = 1_000 + (index * 7919) % 49_000
    failed = (index * 31) % 17
    input_tokens = total * 412
    cached = input_tokens // 5
    output_tokens = total * 187
    return {
        "id": batch_id_,
        "object": "batch",
        "endpoint": "/v1/chat/completions",
        "model": MODEL,
        "errors": None,
        "input_file_id": f"file-in{index:019d}",
        "completion_window": "24h",
        "status": "completed",
        "output_file_id": f"file-out{index:018d}",
        "error_file_id": f"file-err{index:018d}",
        "created_at": created,
        "in_progress_at": created + 4,
        "expires_at": created + 86_400,
        "finalizing_at": created + 3_412,
        "completed_at": created + 3_530,
        "failed_at": None,
        "expired_at": None,
        "cancelling_at": None,
        "cancelled_at": None,
        "request_counts": {"total": total, "completed": total - failed, "failed": failed},
        "usage": {
            "input_tokens": input_tokens,
            "input_tokens_details": {"cached_tokens": cached},
            "output_tokens": output_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": input_tokens + output_tokens,
        },
        "metadata": {
            "customer_id": f"cust_{index % 977:04d}",
            "job": "nightly-ticket-triage",
            "shard": f"{index % 64:02d}/64",
        },
    }


class BatchCatalogue:
    """``count`` batches with ids ``batch_00000``...; pages are rendered once and then cached."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.width = max(5, len(str(max(count - 1, 0))))
        self._single: dict[str, bytes] = {}
        self._pages: dict[tuple[str | None, int], bytes] = {}

    def retrieve(self, batch_id_: str) -> bytes:
        body = self._single.get(batch_id_)
        if body is None:
            match = _BATCH_ID.match(batch_id_)
            index = int(match.group(1)) if match else 0
            body = json.dumps(batch_object(index, batch_id_)).encode()
            self._single[batch_id_] = body
        return body

    def page(self, after: str | None, limit: int) -> bytes:
        key = (after, limit)
        body = self._pages.get(key)
        if body is None:
            start = 0
            if after is not None:
                match = _BATCH_ID.match(after)
                start = int(match.group(1)) + 1 if match else self.count
            stop = min(start + limit, self.count)
            data = [batch_object(i, batch_id(i, self.width)) for i in range(start, stop)]
            page = {
                "object": "list",
                "data": data,
                "first_id": data[0]["id"] if data else None,
                "last_id": data[-1]["id"] if data else None,
                "has_more": stop < self.count,
            }
            body = json.dumps(page).encode()
            self._pages[key] = body
        return body


# --- the output file --------------------------------------------------------------------------

# Placeholders replaced by fixed-width format fields, so every line of a template has one length.
_FIELDS = {
    "@REQID@": "{0:032x}",
    "@CUSTOMID@": "{1:08d}",
    "@CMPLID@": "{2:029x}",
    "@CREATED@": "{3:010d}",
    "@XREQ@": "{4:032x}",
}


def _line_templates() -> list[str]:
    templates: list[str] = []
    for k in range(16):
        sentences = [_SENTENCES[(k + j) % len(_SENTENCES)] for j in range(1 + (k * 5) % 13)]
        content = " ".join(sentences)
        prompt_tokens = 180 + 23 * k
        completion_tokens = len(content) // 4
        line = {
            "id": "batch_req_@REQID@",
            "custom_id": "request-@CUSTOMID@",
            "response": {
                "status_code": 200,
                "request_id": "req_@XREQ@",
                "body": {
                    "id": "chatcmpl-@CMPLID@",
                    "object": "chat.completion",
                    "created": "@CREATED@",
                    "model": MODEL,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": content, "refusal": None, "annotations": []},
                            "logprobs": None,
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {
                        "prompt_tokens": prompt_tokens,
                        "completion_tokens": completion_tokens,
                        "total_tokens": prompt_tokens + completion_tokens,
                        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                        "completion_tokens_details": {
                            "reasoning_tokens": 0,
                            "audio_tokens": 0,
                            "accepted_prediction_tokens": 0,
                            "rejected_prediction_tokens": 0,
                        },
                    },
                    "service_tier": "default",
                    "system_fingerprint": "fp_0ba0d124f1",
                },
            },
            "error": None,
        }
        text = json.dumps(line, separators=(",", ":")).replace('"@CREATED@"', "@CREATED@")
        text = text.replace("{", "{{").replace("}", "}}")
        for placeholder, field in _FIELDS.items():
            text = text.replace(placeholder, field)
        templates.append(text + "\n")
    return templates


_MASK128 = (1 << 128) - 1
_MASK116 = (1 << 116) - 1


class OutputBody:
    """Deterministic batch output JSONL of (at most) ``target_bytes``, made of whole lines."""

    def __init__(self, target_bytes: int) -> None:
        self.templates = _line_templates()
        self.lengths = [len(t.format(0, 0, 0, 0, 0)) for t in self.templates]
        cycle = sum(self.lengths)
        full = target_bytes // cycle
        lines = full * len(self.templates)
        size = full * cycle
        for length in self.lengths:
            if size + length > target_bytes:
                break
            size += length
            lines += 1
        self.lines = lines
        self.size = size

    def chunks(self, chunk_bytes: int = 1 << 20) -> Iterator[bytes]:
        templates = self.templates
        count = len(templates)
        parts: list[str] = []
        pending = 0
        for i in range(self.lines):
            # Multiplicative hashing gives id-like hex that differs on every line, deterministically.
            line = templates[i % count].format(
                ((i + 1) * 0x9E3779B97F4A7C15F39CC0605CEDC835) & _MASK128,
                i,
                ((i + 1) * 0xC2B2AE3D27D4EB4F165667B19E3779F9) & _MASK116,
                CREATED_AT + i // 1000,
                ((i + 1) * 0x27D4EB2F165667C59E3779B185EBCA87) & _MASK128,
            )
            parts.append(line)
            pending += len(line)
            if pending >= chunk_bytes:
                yield "".join(parts).encode("ascii")
                parts.clear()
                pending = 0
        if parts:
            yield "".join(parts).encode("ascii")


def file_object(file_id: str, size: int) -> dict[str, Any]:
    return {
        "id": file_id,
        "object": "file",
        "bytes": size,
        "created_at": CREATED_AT + 3_530,
        "expires_at": None,
        "filename": "batch_output.jsonl",
        "purpose": "batch_output",
        "status": "processed",
        "status_details": None,
    }


# --- HTTP -------------------------------------------------------------------------------------


class FixtureServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], catalogue: BatchCatalogue, output: OutputBody) -> None:
        super().__init__(address, FixtureHandler)
        self.catalogue = catalogue
        self.output = output


class FixtureHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: every response carries a Content-Length
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    server: FixtureServer

    def log_message(self, format: str, *args: Any) -> None:  # a log line per request would cost CPU
        return

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        path = parts.path.removeprefix("/v1")
        segments = [s for s in path.split("/") if s]
        if segments == ["batches"]:
            query = parse_qs(parts.query)
            limit = max(1, min(100, int(query.get("limit", ["20"])[0])))
            after = query.get("after", [None])[0]
            self._send_json(self.server.catalogue.page(after, limit))
        elif len(segments) == 2 and segments[0] == "batches":
            self._send_json(self.server.catalogue.retrieve(segments[1]))
        elif len(segments) == 2 and segments[0] == "files":
            self._send_json(json.dumps(file_object(segments[1], self.server.output.size)).encode())
        elif len(segments) == 3 and segments[0] == "files" and segments[2] == "content":
            self._send_output()
        else:
            self._send_not_found()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._send_not_found()

    def _send_json(self, body: bytes, status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-request-id", "req_bench")
        self.end_headers()
        self.wfile.write(body)

    def _send_not_found(self) -> None:
        error = {
            "error": {
                "message": f"No route for {self.command} {self.path}",
                "type": "invalid_request_error",
                "param": None,
                "code": "not_found",
            }
        }
        self._send_json(json.dumps(error).encode(), status=404)

    def _send_output(self) -> None:
        output = self.server.output
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(output.size))
        self.end_headers()
        try:
            for chunk in output.chunks():
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client stopped reading; nothing more to send


@contextmanager
def running(batches: int = DEFAULT_BATCHES, download_bytes: int = DEFAULT_DOWNLOAD_BYTES) -> Iterator[str]:
    """Start this server in its own process; yield its base URL (ending in /v1); always stop it."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--batches",
        str(batches),
        "--download-bytes",
        str(download_bytes),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 30.0)
        line = process.stdout.readline() if ready else ""
        if not line.startswith("READY "):
            raise RuntimeError(f"fixture server did not start (exit code {process.poll()}, said {line!r})")
        yield f"http://127.0.0.1:{int(line.split()[1])}/v1"
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--batches", type=int, default=DEFAULT_BATCHES)
    parser.add_argument("--download-bytes", type=int, default=DEFAULT_DOWNLOAD_BYTES)
    args = parser.parse_args(argv)
    server = FixtureServer(("127.0.0.1", args.port), BatchCatalogue(args.batches), OutputBody(args.download_bytes))
    # The parent reads this one line to learn the port: the server is accepting from now on.
    sys.stdout.write(f"READY {server.server_address[1]}\n")
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
