"""The floor of a whole batch job: raw httpx and orjson, nothing checked that need not be.

    python bench/floor_job.py requests.jsonl results.jsonl --max-lines 50000 --poll 0.25

Split the input into parts of at most ``--max-lines`` lines (bytes, no parsing), upload each
part, create its batch, poll every batch until it ends, stream the output and error files to
disk, find each result line's ``custom_id`` with a bytes regex, then read the input again and
write one line per input, in input order, with the same fields as ``openai-batch submit --out``.
No validation, no token estimate, no crash safety: what any client must at least spend on
HTTP, JSON and the join. The key and base URL come from OPENAI_API_KEY / OPENAI_BASE_URL.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time

import httpx
import orjson

ENDED = ("completed", "failed", "expired", "cancelled")
# Result and request lines carry their custom_id near the start; the service's layout is compact.
CUSTOM_ID = re.compile(rb'"custom_id"\s*:\s*"([^"\\]*)"')


def split(path: str, max_lines: int) -> list[bytes]:
    """The input's parts, as bytes of whole lines."""
    parts: list[bytes] = []
    with open(path, "rb") as source:
        lines: list[bytes] = []
        for line in source:
            lines.append(line)
            if len(lines) == max_lines:
                parts.append(b"".join(lines))
                lines = []
        if lines:
            parts.append(b"".join(lines))
    return parts


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--max-lines", type=int, default=50_000)
    parser.add_argument("--poll", type=float, default=5.0)
    parser.add_argument("--endpoint", default="/v1/chat/completions")
    args = parser.parse_args()

    headers = {"Authorization": f"Bearer {os.environ['OPENAI_API_KEY']}"}
    base_url = os.environ.get("OPENAI_BASE_URL", "https://api.openai.com/v1")
    with httpx.Client(base_url=base_url, headers=headers, timeout=600.0) as http, tempfile.TemporaryDirectory() as tmp:
        batch_ids: list[str] = []
        for index, part in enumerate(split(args.input, args.max_lines)):
            files = {"file": (f"part-{index:03d}.jsonl", part, "application/jsonl")}
            uploaded = http.post("/files", files=files, data={"purpose": "batch"})
            uploaded.raise_for_status()
            body = {"input_file_id": orjson.loads(uploaded.content)["id"], "endpoint": args.endpoint}
            created = http.post("/batches", content=orjson.dumps({**body, "completion_window": "24h"}))
            created.raise_for_status()
            batch_ids.append(orjson.loads(created.content)["id"])

        finished: dict[str, dict[str, object]] = {}
        while len(finished) < len(batch_ids):
            for batch_id in batch_ids:
                if batch_id not in finished:
                    batch = orjson.loads(http.get(f"/batches/{batch_id}").content)
                    if batch["status"] in ENDED:
                        finished[batch_id] = batch
            if len(finished) < len(batch_ids):
                time.sleep(args.poll)

        # custom_id -> (batch id, raw result line): the join's index, built from the streamed files.
        results: dict[bytes, tuple[str, bytes]] = {}
        for batch_id, batch in finished.items():
            for key in ("output_file_id", "error_file_id"):
                file_id = batch.get(key)
                if not file_id:
                    continue
                path = os.path.join(tmp, f"{file_id}.jsonl")
                with open(path, "wb") as out, http.stream("GET", f"/files/{file_id}/content") as response:
                    response.raise_for_status()
                    for chunk in response.iter_bytes(1 << 20):
                        out.write(chunk)
                with open(path, "rb") as stored:
                    for line in stored:
                        match = CUSTOM_ID.search(line)
                        if match is not None:
                            results[match.group(1)] = (batch_id, line)

        with open(args.input, "rb") as source, open(args.output, "wb") as out:
            for line in source:
                match = CUSTOM_ID.search(line)
                custom_id = match.group(1) if match is not None else orjson.loads(line)["custom_id"].encode()
                found = results.get(custom_id)
                record = orjson.loads(found[1]) if found is not None else {}
                response = record.get("response") or {}
                status_code = response.get("status_code")
                if found is None:
                    outcome = "missing"
                elif status_code is not None and 200 <= status_code < 300:
                    outcome = "succeeded"
                else:
                    outcome = "failed"
                row = {
                    "custom_id": custom_id.decode(),
                    "outcome": outcome,
                    "status_code": status_code,
                    "body": response.get("body"),
                    "error": record.get("error"),
                    "request_id": response.get("request_id"),
                    "batch_id": found[0] if found is not None else None,
                }
                out.write(orjson.dumps(row) + b"\n")


if __name__ == "__main__":
    main()
