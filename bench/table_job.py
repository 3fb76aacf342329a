"""Tables in and out at scale: a Parquet table of reviews to a request file, and a job's results to Parquet.

    python bench/table_job.py build DIR            # DIR/reviews.parquet -> DIR/requests.jsonl
    python bench/table_job.py results DIR JOB_ID   # DIR/jobs.sqlite's results -> DIR/labels.parquet

Each mode runs in a fresh interpreter and prints one JSON line: its wall seconds, its own
peak RSS (VmHWM) and the rows it wrote. ``run`` does the whole sequence: it writes the
table, builds the requests, runs them as a job against the local server (not measured) and
writes the results, the input's columns joined back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
PER_BATCH = 50_000
_WORDS = (
    "battery",
    "screen",
    "delivery",
    "refund",
    "support",
    "price",
    "quality",
    "sound",
    "fit",
    "colour",
)


def make_table(path: Path, rows: int) -> int:
    """A Parquet table of ``rows`` reviews (id, text of about 120 characters, stars), written in chunks."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    chunk = 50_000
    schema = pa.schema([("review_id", pa.string()), ("text", pa.string()), ("stars", pa.int64())])
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, rows, chunk):
            numbers = range(start, min(rows, start + chunk))
            texts = [
                f"Review {i}: the {_WORDS[i % 10]} was {'good' if i % 3 else 'poor'}, and the "
                f"{_WORDS[(i // 10) % 10]} could be better; I would{' not' if i % 2 else ''} buy it again."
                for i in numbers
            ]
            writer.write_table(
                pa.table(
                    {
                        "review_id": [f"rev-{i:07d}" for i in numbers],
                        "text": texts,
                        "stars": [i % 5 + 1 for i in numbers],
                    },
                    schema=schema,
                )
            )
    return path.stat().st_size


def _build(folder: Path) -> dict[str, Any]:
    from openai_batch.tables import RequestTemplate, write_requests

    template = RequestTemplate(
        "Classify this review: {text}", model="gpt-4o-mini", system="Answer with one word.", max_completion_tokens=5
    )
    built = write_requests(folder / "reviews.parquet", folder / "requests.jsonl", template, id_column="review_id")
    return {"rows": built.rows, "bytes": built.path.stat().st_size}


def _results(folder: Path, job_id: str) -> dict[str, Any]:
    import pyarrow.parquet as pq
    from openai_batch.tables import result_batches
    from openai_batch.workflow import JobStore

    rows = 0
    os.chdir(folder)  # the job was run from there, with a relative state path
    with JobStore("jobs.sqlite") as store:
        stream = result_batches(store, job_id)
        with pq.ParquetWriter(folder / "labels.parquet", stream.schema) as writer:
            for batch in stream.batches:
                writer.write_batch(batch)
                rows += batch.num_rows
    return {"rows": rows, "bytes": (folder / "labels.parquet").stat().st_size}


def _child(mode: str, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), mode, *args], capture_output=True, text=True, timeout=3600
    )
    if done.returncode != 0:
        raise RuntimeError(f"table_job {mode} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run(rows: int, log: Any) -> dict[str, Any]:
    """Both measurements for a table of ``rows`` rows; the job between them runs on the local server."""
    import whole_job

    with tempfile.TemporaryDirectory(prefix="bench-tables-") as tmp:
        folder = Path(tmp)
        size = make_table(folder / "reviews.parquet", rows)
        log(f"tables: wrote {rows:,} rows, {size / 2**20:.1f} MiB of Parquet")
        build = _child("build", str(folder))
        log(f"tables: build {build['seconds']:.1f} s, peak {build['peak_rss_mib']:.1f} MiB")
        env = {**os.environ, "OPENAI_API_KEY": whole_job.API_KEY}
        with whole_job.local_server(folder / "server") as base_url:
            env["OPENAI_BASE_URL"] = base_url
            started = time.perf_counter()
            submit = [whole_job.cli_program(), "--json", "submit", "requests.jsonl", "--state", "jobs.sqlite", "--wait"]
            submit += ["--max-requests-per-batch", str(min(PER_BATCH, max(1, rows // 2))), "--progress", "never"]
            submit += ["--poll-interval", "0.25", "--max-active-batches", "1000"]
            done = subprocess.run(submit, cwd=folder, env=env, capture_output=True, text=True, timeout=7200)
            if done.returncode != 0:
                raise RuntimeError(f"the job failed ({done.returncode}):\n{done.stdout[-1500:]}\n{done.stderr[-3000:]}")
            job_id = json.loads(done.stdout)["job_id"]
            log(f"tables: the job ran in {time.perf_counter() - started:.0f} s")
        results = _child("results", str(folder), job_id)
        log(f"tables: results {results['seconds']:.1f} s, peak {results['peak_rss_mib']:.1f} MiB")
    for name, measured in (("build", build), ("results", results)):
        if measured["rows"] != rows:
            raise RuntimeError(f"tables {name}: wrote {measured['rows']} rows, expected {rows}")
    return {"rows": rows, "build": build, "results": results}


def main(argv: list[str]) -> None:
    from measure import peak_rss_mib

    mode, folder, *rest = argv
    started = time.perf_counter()
    result = _build(Path(folder)) if mode == "build" else _results(Path(folder), rest[0])
    result.update(seconds=time.perf_counter() - started, peak_rss_mib=peak_rss_mib())
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
