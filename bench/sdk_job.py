"""A whole batch job on the official ``openai`` SDK, written the way a user would write it.

    python bench/sdk_job.py requests.jsonl results.jsonl --max-lines 50000 --poll 0.25

Split the input into parts of at most ``--max-lines`` lines, upload each part, create its batch,
poll every batch until it ends, download the output and error files, join the results to the
inputs by ``custom_id`` in a dict, and write one line per input (the same fields as
``openai-batch submit --out``). The key and base URL come from OPENAI_API_KEY / OPENAI_BASE_URL.
This is the benchmark's point of comparison: plain, correct, nothing clever.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

from openai import OpenAI

ENDED = ("completed", "failed", "expired", "cancelled")


def split(path: str, max_lines: int, workdir: str) -> list[str]:
    parts: list[str] = []
    out = None
    count = 0
    with open(path, "rb") as source:
        for line in source:
            if out is None or count == max_lines:
                if out is not None:
                    out.close()
                parts.append(os.path.join(workdir, f"part-{len(parts):03d}.jsonl"))
                out = open(parts[-1], "wb")  # closed when the part is full
                count = 0
            out.write(line)
            count += 1
    if out is not None:
        out.close()
    return parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--max-lines", type=int, default=50_000)
    parser.add_argument("--poll", type=float, default=5.0)
    parser.add_argument("--endpoint", default="/v1/chat/completions")
    args = parser.parse_args()

    client = OpenAI()
    with tempfile.TemporaryDirectory() as workdir:
        batch_ids = []
        for part in split(args.input, args.max_lines, workdir):
            with open(part, "rb") as handle:
                uploaded = client.files.create(file=handle, purpose="batch")
            batch = client.batches.create(input_file_id=uploaded.id, endpoint=args.endpoint, completion_window="24h")
            batch_ids.append(batch.id)

    finished = {}
    while len(finished) < len(batch_ids):
        for batch_id in batch_ids:
            if batch_id not in finished:
                batch = client.batches.retrieve(batch_id)
                if batch.status in ENDED:
                    finished[batch_id] = batch
        if len(finished) < len(batch_ids):
            time.sleep(args.poll)

    results = {}
    for batch_id, batch in finished.items():
        for file_id in (batch.output_file_id, batch.error_file_id):
            if not file_id:
                continue
            for line in client.files.content(file_id).iter_lines():
                if line:
                    record = json.loads(line)
                    record["batch_id"] = batch_id
                    results[record["custom_id"]] = record

    with open(args.input, "rb") as source, open(args.output, "w", encoding="utf-8") as out:
        for line in source:
            custom_id = json.loads(line)["custom_id"]
            record = results.get(custom_id)
            response = (record or {}).get("response") or {}
            status_code = response.get("status_code")
            if record is None:
                outcome = "missing"
            elif status_code == 200:
                outcome = "succeeded"
            else:
                outcome = "failed"
            row = {
                "custom_id": custom_id,
                "outcome": outcome,
                "status_code": status_code,
                "body": response.get("body"),
                "error": (record or {}).get("error"),
                "request_id": response.get("request_id"),
                "batch_id": (record or {}).get("batch_id"),
            }
            out.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
