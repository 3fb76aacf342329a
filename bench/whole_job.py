"""The whole-job comparison: one input of chat requests, run end to end by two clients, same server.

* ours: ``openai-batch submit FILE --wait --out results.jsonl --state DIR/jobs.sqlite
  --max-requests-per-batch N --poll-interval S`` (nothing but the command line, so the figures
  follow whatever the job layer becomes);
* sdk: bench/sdk_job.py, a plain script on the official ``openai`` SDK doing the same job;
* raw: bench/floor_job.py, the floor: raw httpx and orjson, no validation, no token estimate,
  no state, the join by a bytes regex over the custom_ids (shown in the "raw httpx" column).

Both talk to one local Batch API server (``python -m openai_batch.server``) in its own process,
with simulated time fast enough that the batches finish in seconds. Each client runs under
bench/job_child.py, which reports the CPU time (user + sys) and peak RSS of the client process
alone: the server's work never counts. The shard size is 50,000 requests, or half the input
when it is smaller (a quick run), so the job always spans two batches.

Also measured for ours: the size of the job's state directory against the bytes of the output
and error files the server returned for its batches.

Every client runs with its modules' bytecode compiled beforehand into a private cache (see
``measure.bytecode_cache``), as an installed package's are: with PYTHONDONTWRITEBYTECODE set
(as in some shells) the project's own modules would otherwise be compiled on every run while
the SDK's, in site-packages, would not.
"""

from __future__ import annotations

import json
import math
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from measure import bytecode_cache

BENCH_DIR = Path(__file__).resolve().parent
API_KEY = "sk-bench"
ENDPOINT = "/v1/chat/completions"
MAX_PER_BATCH = 50_000
POLL_SECONDS = 0.25

# Fast simulated time: validating and finalizing take milliseconds, and requests run as fast
# as the server's CPU allows (the throughput bound is far above it).
SERVER_ARGS = (
    "--speed",
    "1000",
    "--throughput",
    "1000000",
    "--tick-interval",
    "0.01",
    "--chunk-size",
    "5000",
    "--log-level",
    "warning",
)

_TOPICS = (
    "a customer email about a delayed refund",
    "a support ticket reporting a login loop on the mobile app",
    "a product review mentioning battery life and screen glare",
    "an internal memo announcing a change to the travel policy",
    "a bug report about CSV exports dropping the last row",
    "a chat transcript where a user asks to change their delivery address",
)
_DETAIL = "The customer has been with us since 2021 and writes in English. "


def write_job_input(path: Path, requests: int) -> int:
    """Write ``requests`` chat-completions requests (about 500 bytes each, varied); return the size."""
    with path.open("wb") as out:
        for i in range(requests):
            content = f"Classify and summarise {_TOPICS[i % len(_TOPICS)]}. " + _DETAIL * (1 + i % 5)
            request = {
                "custom_id": f"request-{i:08d}",
                "method": "POST",
                "url": ENDPOINT,
                "body": {
                    "model": "gpt-4o-mini",
                    "messages": [
                        {"role": "system", "content": "You classify support messages. Answer in JSON."},
                        {"role": "user", "content": content},
                    ],
                    "max_tokens": 200,
                },
            }
            out.write(json.dumps(request).encode() + b"\n")
    return path.stat().st_size


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def local_server(data_dir: Path) -> Iterator[str]:
    """``python -m openai_batch.server`` in its own process; yield its base URL; always stop it."""
    port = _free_port()
    command = [sys.executable, "-m", "openai_batch.server", "--port", str(port), "--data-dir", str(data_dir)]
    process = subprocess.Popen([*command, *SERVER_ARGS], stdout=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 30.0
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the local server exited with {process.returncode} (its log is above)")
            try:
                if httpx.get(f"{base_url}/batches?limit=1", headers=_auth(), timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the local server did not answer within 30 s")
            time.sleep(0.1)
        yield base_url
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {API_KEY}"}


def _batch_ids(base_url: str) -> set[str]:
    ids: set[str] = set()
    params: dict[str, Any] = {"limit": 100}
    while True:
        page = httpx.get(f"{base_url}/batches", params=params, headers=_auth(), timeout=30.0).json()
        ids.update(batch["id"] for batch in page["data"])
        if not page.get("has_more") or not page["data"]:
            return ids
        params["after"] = page["data"][-1]["id"]


def _result_file_bytes(base_url: str, batch_ids: set[str]) -> int:
    """Bytes of the output and error files of these batches, as the server reports them."""
    total = 0
    for batch_id in batch_ids:
        batch = httpx.get(f"{base_url}/batches/{batch_id}", headers=_auth(), timeout=30.0).json()
        for file_id in (batch.get("output_file_id"), batch.get("error_file_id")):
            if file_id:
                total += httpx.get(f"{base_url}/files/{file_id}", headers=_auth(), timeout=30.0).json()["bytes"]
    return total


def _tree_bytes(root: Path) -> int:
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file())


def _check_results(path: Path, requests: int) -> None:
    """Every input has exactly one result line, and every request succeeded (the server fails none)."""
    seen: set[str] = set()
    succeeded = 0
    with path.open("rb") as results:
        for line in results:
            row = json.loads(line)
            seen.add(row["custom_id"])
            succeeded += row.get("outcome") == "succeeded"
    if len(seen) != requests or succeeded != requests:
        raise RuntimeError(f"{path.name}: {len(seen)} custom_ids, {succeeded} succeeded, expected {requests}")


def _measured(program: list[str], workdir: Path, env: dict[str, str], report: Path) -> dict[str, Any]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(BENCH_DIR / "job_child.py"), str(report), *program],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0 or not report.exists():
        raise RuntimeError(
            f"{Path(program[0]).name} exited with {done.returncode}:\n{done.stdout[-1500:]}\n{done.stderr[-3000:]}"
        )
    result: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    result["wall_s"] = seconds
    return result


def cli_program() -> str:
    """The ``openai-batch`` console script installed beside this interpreter."""
    script = Path(sys.executable).parent / "openai-batch"
    if not script.exists():
        raise RuntimeError(f"no openai-batch command beside {sys.executable}")
    return str(script)


def _one_run(
    contender: str,
    source: Path,
    workdir: Path,
    base_url: str,
    env: dict[str, str],
    per_batch: int,
    requests: int,
    batches_expected: int = 2,
) -> dict[str, Any]:
    """One contender's whole job against ``base_url``; its figures (raises when the job went wrong)."""
    workdir.mkdir(parents=True)
    out = workdir / "results.jsonl"
    state = workdir / "state"
    if contender == "ours":
        program = [
            cli_program(),
            "submit",
            str(source),
            "--wait",
            "--out",
            str(out),
            "--state",
            str(state / "jobs.sqlite"),
            "--max-requests-per-batch",
            str(per_batch),
            "--poll-interval",
            str(POLL_SECONDS),
        ]
    else:
        program = [
            str(BENCH_DIR / ("sdk_job.py" if contender == "sdk" else "floor_job.py")),
            str(source),
            str(out),
            "--max-lines",
            str(per_batch),
            "--poll",
            str(POLL_SECONDS),
        ]
    before = _batch_ids(base_url)
    result = _measured(program, workdir, env, workdir / "report.json")
    _check_results(out, requests)
    batches = _batch_ids(base_url) - before
    if len(batches) != batches_expected:
        raise RuntimeError(f"the job made {len(batches)} batches, expected {batches_expected}")
    result["result_files_bytes"] = _result_file_bytes(base_url, batches)
    if contender == "ours":
        result["state_bytes"] = _tree_bytes(state)
    return result


def _after_the_job(workdir: Path, env: dict[str, str]) -> dict[str, Any]:
    """CPU and wall seconds of ``status``, ``jobs`` and ``results`` asked of the finished job (each a fresh process)."""
    state = workdir / "state" / "jobs.sqlite"
    listed = subprocess.run(
        [cli_program(), "--json", "jobs", "--state", str(state)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    job_id = json.loads(listed.stdout)[0]["job_id"]
    commands = {
        "status": ["--json", "status", job_id, "--state", str(state)],
        "jobs": ["--json", "jobs", "--state", str(state)],
        "results": ["--json", "results", job_id, "--out", str(workdir / "results.jsonl"), "--state", str(state)],
    }
    timings: dict[str, Any] = {}
    for name, args in commands.items():
        figures = _measured([cli_program(), *args], workdir, env, workdir / f"{name}.json")
        timings[name] = {
            "cpu_s": figures["cpu_s"],
            "wall_s": figures["wall_s"],
            "peak_rss_mib": figures["peak_rss_mib"],
        }
    return timings


@contextmanager
def _client_env(base_url: str) -> Iterator[dict[str, str]]:
    """The clients' environment: the local server's URL and key, bytecode compiled once beforehand."""
    with bytecode_cache() as env:
        env = {**env, "OPENAI_API_KEY": API_KEY, "OPENAI_BASE_URL": base_url}
        env.pop("OPENAI_ORG_ID", None)
        env.pop("OPENAI_PROJECT_ID", None)
        # Every module of the project, lazily imported ones too (site-packages were compiled by pip).
        compile_all = (
            "import compileall, os, openai_batch, openai_batch_api\n"
            "for package in (openai_batch, openai_batch_api):\n"
            "    compileall.compile_dir(os.path.dirname(package.__file__), quiet=1)\n"
        )
        subprocess.run([sys.executable, "-c", compile_all], env=env, check=True, capture_output=True, timeout=300)
        yield env


def run_scale(requests: int, log: Any, per_batch: int = MAX_PER_BATCH) -> dict[str, Any]:
    """Our whole job at scale (one run, ours only), then ``status``/``jobs``/``results`` of the finished job."""
    figures: dict[str, Any] = {"requests": requests, "per_batch": per_batch, "errors": {}, "rounds": 1}
    figures["batches"] = math.ceil(requests / per_batch)
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        root = Path(tmp)
        source = root / "requests.jsonl"
        figures["input_bytes"] = write_job_input(source, requests)
        log(f"scale input: {requests:,} requests, {figures['input_bytes'] / 2**20:.1f} MiB")
        (root / "server").mkdir()
        with local_server(root / "server") as base_url, _client_env(base_url) as env:
            workdir = root / "ours"
            try:
                result = _one_run("ours", source, workdir, base_url, env, per_batch, requests, figures["batches"])
                result["after"] = _after_the_job(workdir, env)
            except Exception as exc:
                figures["errors"]["ours"] = f"{type(exc).__name__}: {exc}"
                log(f"scale job failed: {exc}")
                return figures
        result["cpu_runs"] = [result["cpu_s"]]
        figures["ours"] = result
        log(
            f"scale job: {result['cpu_s']:.2f} s CPU, {result['peak_rss_mib']:.1f} MiB peak, "
            f"{result['wall_s']:.1f} s wall; after: {result['after']}"
        )
    return figures


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median CPU time (its own figures, so they stay consistent), plus every run's CPU."""
    ordered = sorted(runs, key=lambda r: r["cpu_s"])
    chosen = dict(ordered[(len(ordered) - 1) // 2])
    chosen["cpu_runs"] = [r["cpu_s"] for r in runs]
    chosen["peak_rss_mib"] = max(r["peak_rss_mib"] for r in runs)  # the worst, not the median
    return chosen


def run(requests: int, contenders: list[str], log: Any, rounds: int = 1) -> dict[str, Any]:
    """Run the whole job ``rounds`` times per contender; return each one's median-CPU run.

    Each round has a server of its own (a second job for the same input against the same
    server would find the first one's batches and send nothing), and the contenders take
    turns going first, so neither always runs on a warmer machine. One run's CPU time on a
    shared machine varies by a fifth or more; the median of a few is what is compared.
    """
    per_batch = min(MAX_PER_BATCH, math.ceil(requests / 2))
    figures: dict[str, Any] = {"requests": requests, "per_batch": per_batch, "errors": {}, "rounds": rounds}
    figures["batches"] = 2
    runs: dict[str, list[dict[str, Any]]] = {c: [] for c in contenders}
    with tempfile.TemporaryDirectory(prefix="bench-job-") as tmp:
        root = Path(tmp)
        source = root / "requests.jsonl"
        started = time.perf_counter()
        figures["input_bytes"] = write_job_input(source, requests)
        log(
            f"job input: {requests:,} requests, {figures['input_bytes'] / 2**20:.1f} MiB in {time.perf_counter() - started:.1f} s"
        )
        for round_no in range(rounds):
            order = contenders if round_no % 2 == 0 else contenders[::-1]
            (root / f"server-{round_no}").mkdir()
            with local_server(root / f"server-{round_no}") as base_url, _client_env(base_url) as env:
                for contender in order:
                    if contender in figures["errors"]:
                        continue
                    try:
                        result = _one_run(
                            contender, source, root / f"{contender}-{round_no}", base_url, env, per_batch, requests
                        )
                    except Exception as exc:
                        figures["errors"][contender] = f"{type(exc).__name__}: {exc}"
                        log(f"whole job / {contender} failed: {exc}")
                        continue
                    runs[contender].append(result)
                    log(
                        f"whole job {contender} (round {round_no + 1}/{rounds}): {result['cpu_s']:.2f} s CPU, "
                        f"{result['peak_rss_mib']:.1f} MiB peak, {result['wall_s']:.1f} s wall"
                    )
    for contender, done in runs.items():
        if done and contender not in figures["errors"]:
            figures[contender] = _median_run(done)
    return figures
