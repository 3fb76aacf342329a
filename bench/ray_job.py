"""A 200,000-row job through Ray Data on a local 2-CPU cluster, and the same job through the command line.

    python bench/ray_job.py [--rows 200000]

Both run against one local Batch API server process (1000x simulated time, unlimited
throughput: the service is not what is measured). Printed as JSON:

* ray: wall seconds of the write (render, shard, upload; the driver creates the batches),
  of ``wait`` and of ``read_results(...).write_parquet``, and the peak RSS (VmHWM) of every
  Ray worker process and of the driver;
* cli: wall seconds and peak RSS of ``openai-batch submit reviews.parquet --template ...
  --wait`` and of ``openai-batch results JOB --format parquet`` (each run under
  ``/usr/bin/time``, whose maximum resident set is the process's own).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import table_job
import whole_job
from measure import peak_rss_mib

TEMPLATE = "Classify this review: {text}"
MODEL = "gpt-4o-mini"


def _vm_hwm_mib(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else None


def _ray_workers() -> dict[int, str]:
    """The pids of this machine's Ray worker processes and their titles (Ray retitles them ``ray::<task>``)."""
    pids = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if command.startswith(b"ray::") or b"default_worker.py" in command:
                pids[int(entry.name)] = command.split(b"\0")[0].decode(errors="replace")[:40]
    return pids


def run_ray(folder: Path, base_url: str, rows: int) -> dict[str, Any]:
    import ray
    from openai_batch.ray import BatchDatasink, ClientSettings, read_results, wait
    from openai_batch.tables import RequestTemplate
    from openai_batch.workflow import QueuePolicy

    os.environ["OPENAI_API_KEY"] = whole_job.API_KEY  # inherited by every Ray process
    ray.init(num_cpus=2, include_dashboard=False, configure_logging=False, log_to_driver=False)
    try:
        sink = BatchDatasink(
            RequestTemplate(TEMPLATE, model=MODEL, system="Answer with one word.", max_completion_tokens=5),
            id_column="review_id",
            columns_dir=str(folder / "columns"),
            settings=ClientSettings(base_url=base_url),
            state=folder / "ray-jobs.sqlite",
            queue=QueuePolicy(max_enqueued_tokens={MODEL: 10**12}),
        )
        started = time.perf_counter()
        ray.data.read_parquet(str(folder / "reviews.parquet")).repartition(8).write_datasink(sink)
        write_seconds = time.perf_counter() - started
        started = time.perf_counter()
        manifest = wait(sink.manifest or {}, state=folder / "ray-jobs.sqlite", poll_interval=0.25)
        wait_seconds = time.perf_counter() - started
        started = time.perf_counter()
        read_results(manifest).write_parquet(str(folder / "ray-labels"))
        read_seconds = time.perf_counter() - started
        workers = {f"{title} ({pid})": _vm_hwm_mib(pid) for pid, title in _ray_workers().items()}
    finally:
        ray.shutdown()
    import pyarrow.parquet as pq

    written = pq.read_table(folder / "ray-labels", columns=["custom_id"]).num_rows
    if written != rows:
        raise RuntimeError(f"ray: {written} result rows, expected {rows}")
    return {
        "shards": len(manifest["shards"]),
        "write_s": round(write_seconds, 1),
        "wait_s": round(wait_seconds, 1),
        "read_s": round(read_seconds, 1),
        "worker_peak_rss_mib": {name: round(v, 1) for name, v in sorted(workers.items()) if v is not None},
        "driver_peak_rss_mib": round(peak_rss_mib(), 1),
    }


def _timed(argv: list[str], folder: Path, env: dict[str, str]) -> tuple[float, float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "maxrss_kb=%M", *argv], cwd=folder, env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{argv[1:3]} failed:\n{done.stdout[-1500:]}\n{done.stderr[-3000:]}")
    found = re.search(r"maxrss_kb=(\d+)", done.stderr)
    return seconds, int(found.group(1)) / 1024 if found else float("nan"), done.stdout


def run_cli(folder: Path, base_url: str) -> dict[str, Any]:
    env = {**os.environ, "OPENAI_API_KEY": whole_job.API_KEY, "OPENAI_BASE_URL": base_url}
    cli = whole_job.cli_program()
    submit = [cli, "--json", "submit", "reviews.parquet", "--template", TEMPLATE, "--model", MODEL]
    submit += ["--system", "Answer with one word.", "--max-completion-tokens", "5", "--id-column", "review_id"]
    submit += ["--state", "cli-jobs.sqlite", "--wait", "--progress", "never", "--poll-interval", "0.25"]
    submit += ["--max-active-batches", "1000"]
    submit_s, submit_mib, out = _timed(submit, folder, env)
    job_id = json.loads(out)["job_id"]
    results = [
        cli,
        "results",
        job_id,
        "--state",
        "cli-jobs.sqlite",
        "--format",
        "parquet",
        "--out",
        "cli-labels.parquet",
    ]
    results_s, results_mib, _ = _timed(results, folder, env)
    return {
        "submit_wait_s": round(submit_s, 1),
        "submit_peak_rss_mib": round(submit_mib, 1),
        "results_s": round(results_s, 1),
        "results_peak_rss_mib": round(results_mib, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000, help="rows of the reviews table")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-ray-") as tmp:
        folder = Path(tmp)
        table_job.make_table(folder / "reviews.parquet", args.rows)
        with whole_job.local_server(folder / "server") as base_url:
            ray_figures = run_ray(folder, base_url, args.rows)
            cli_figures = run_cli(folder, base_url)
    print(json.dumps({"rows": args.rows, "ray": ray_figures, "cli": cli_figures}, indent=1))


if __name__ == "__main__":
    main()
