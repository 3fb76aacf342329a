"""Benchmark openai_batch against the official openai SDK and raw httpx, in one run.

    .venv/bin/python bench/run.py            # full run (a few minutes on 2 cores); writes bench/results.md
    .venv/bin/python bench/run.py --quick    # smoke run (about 30 s on 2 idle cores); prints the table only

Every size is adjustable by flag or environment variable (flag wins), e.g. ``--download-mib 64``
or ``BENCH_DOWNLOAD_MIB=64``; see ``--help``. One fixture server (bench/fixture_server.py) runs in
its own process for the whole run and is always stopped at the end.

What is measured (MiB = 2**20 bytes):

* per call: process CPU µs of ``batches.retrieve`` after warm-up, median over rounds. Each
  contender runs in its own worker process (only its own imports and heap), and the rounds are
  interleaved between them so that a busy phase of the machine hits all of them alike. The same
  call is also timed against an in-process MockTransport: the client's own CPU without the
  socket round trip, for information (that round trip's cost varies a lot between machines);
* list all: process CPU µs per batch, walking every batch with ``limit=100`` auto-pagination;
* import: seconds for ``from X import Client`` in a fresh interpreter, median of several;
* download: peak RSS of a fresh process that downloads the output file and iterates its lines;
* validator: MiB/s and peak RSS of a fresh process validating a generated chat-completions input;
* tables: a Parquet table of reviews (1,000,000 rows by default) built into a request file, and
  the results of running it as a job written to Parquet with the input's columns joined back;
  peak RSS and seconds of a fresh process for each (bench/table_job.py; the job between them
  runs on the local server and is not measured). ``--table-rows 1000000`` is the full size;
  ``--quick`` uses 10,000 rows. Run it alone with ``--only tables``.
* long lines: peak RSS of ``estimate``, ``validate`` and ``submit``, each in a fresh process, on one
  input size written as few long lines and as many short ones (bench/long_lines.py);
* whole job: one input of chat requests (100,000 by default) run end to end against one local
  Batch API server process, by the ``openai-batch submit --wait --out`` command and by a plain
  script on the official SDK (bench/sdk_job.py): client CPU (user+sys of the client process
  only; the median of ``--job-rounds`` runs, each round on a fresh server, the contenders taking
  turns to go first), its peak RSS (the worst run), and our job state's size against the output
  and error files (bench/whole_job.py).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import fixture_server
import long_lines
import table_job
import whole_job
from measure import Worker, import_profile, import_seconds, median, run_child
from report import Row, render_markdown, render_text
from scenarios import CONTENDERS, LABELS, ours_available, write_chat_input

BENCH_DIR = Path(__file__).resolve().parent
MIB = 1024 * 1024
RETRIEVE_ID = "batch_00042"
FILE_ID = "file-out-bench"

# Targets; ratios are ours / other.
TARGET_RETRIEVE_VS_RAW = 1.30
TARGET_RETRIEVE_VS_SDK = 0.60
TARGET_LIST_VS_SDK = 0.25
TARGET_LIST_VS_RAW = 2.0
TARGET_IMPORT_S = 0.15
TARGET_DOWNLOAD_RSS_MIB = 80.0
TARGET_VALIDATOR_MIBS = 100.0
TARGET_VALIDATOR_RSS_MIB = 64.0
TARGET_LINES_RSS_MIB = 100.0
TARGET_JOB_CPU_VS_SDK = 0.30
TARGET_JOB_CPU_VS_FLOOR = 2.5
TARGET_JOB_RSS_MIB = 64.0
TARGET_JOB_STATE_VS_OUTPUT = 1.25  # plus 1 MiB
TARGET_AFTER_JOB_S = 0.5  # status, jobs, results of a finished job (the --scale row)
TARGET_TABLES_RSS_MIB = 256.0

IMPORTS = {"ours": "from openai_batch import BatchClient", "sdk": "from openai import OpenAI"}


@dataclass(frozen=True)
class Settings:
    calls: int
    rounds: int
    warmup: int
    batches: int
    list_rounds: int
    download_mib: int
    validator_mib: int
    import_runs: int
    job_requests: int
    job_rounds: int
    scale_requests: int
    table_rows: int
    lines_mib: int
    only: frozenset[str]
    markdown: Path | None
    quick: bool


# name: (env var, full default, quick default, help)
_SIZES: dict[str, tuple[str, int, int, str]] = {
    "calls": ("BENCH_CALLS", 500, 100, "batches.retrieve calls per round"),
    "rounds": ("BENCH_ROUNDS", 15, 5, "rounds of retrieve calls (the median is reported)"),
    "warmup": ("BENCH_WARMUP", 200, 30, "warm-up retrieve calls per contender"),
    "batches": ("BENCH_BATCHES", 10_000, 2_000, "batches the server lists"),
    "list_rounds": ("BENCH_LIST_ROUNDS", 5, 2, "measured list-all walks per contender (after one warm-up walk)"),
    "download_mib": ("BENCH_DOWNLOAD_MIB", 256, 10, "size of the downloaded output file, MiB"),
    "validator_mib": (
        "BENCH_VALIDATOR_MIB",
        200,
        10,
        "size of the validated input file, MiB (capped at the 200 MiB batch limit)",
    ),
    "import_runs": ("BENCH_IMPORT_RUNS", 5, 3, "fresh interpreters per import timing"),
    "job_requests": ("BENCH_JOB_REQUESTS", 100_000, 1_000, "chat requests in the whole-job comparison"),
    "job_rounds": ("BENCH_JOB_ROUNDS", 5, 1, "whole-job runs per contender (the median CPU run is reported)"),
    "scale_requests": ("BENCH_SCALE_REQUESTS", 1_000_000, 100_000, "chat requests in the --scale job"),
    "table_rows": ("BENCH_TABLE_ROWS", 1_000_000, 10_000, "rows of the table built into requests and read back"),
    "lines_mib": ("BENCH_LINES_MIB", 300, 20, "input size for the long-lines memory rows, MiB"),
}
SCENARIOS = ("retrieve", "list", "import", "download", "validator", "job", "tables", "lines", "scale")
DEFAULT_SCENARIOS = SCENARIOS[:-1]  # "scale" (a 1,000,000-request job, minutes) only when asked: --scale


def parse_settings(argv: list[str] | None) -> Settings:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    for name, (env, full, quick, help_text) in _SIZES.items():
        parser.add_argument(
            f"--{name.replace('_', '-')}",
            type=int,
            default=None,
            help=f"{help_text} (env {env}; default {full}, --quick {quick})",
        )
    parser.add_argument(
        "--only", default=",".join(DEFAULT_SCENARIOS), help=f"comma-separated subset of {','.join(SCENARIOS)}"
    )
    parser.add_argument(
        "--scale",
        action="store_true",
        help="also run our whole job at --scale-requests (1,000,000) in batches of 50,000, then time status, "
        "jobs and results of the finished job (several minutes; CI does not run it)",
    )
    parser.add_argument(
        "--markdown",
        type=Path,
        default=None,
        help="where to write the markdown table (default bench/results.md; --quick writes none)",
    )
    args = parser.parse_args(argv)
    sizes: dict[str, int] = {}
    for name, (env, full, quick, _) in _SIZES.items():
        value = getattr(args, name)
        if value is None:
            value = int(os.environ[env]) if env in os.environ else (quick if args.quick else full)
        if value <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive")
        sizes[name] = value
    only = frozenset(s.strip() for s in args.only.split(",") if s.strip()) | ({"scale"} if args.scale else set())
    if unknown := only - set(SCENARIOS):
        parser.error(f"unknown scenario(s) {sorted(unknown)}; choose from {', '.join(SCENARIOS)}")
    markdown = args.markdown if args.markdown is not None else (None if args.quick else BENCH_DIR / "results.md")
    return Settings(only=only, markdown=markdown, quick=args.quick, **sizes)


@dataclass
class Results:
    available: dict[str, str | None] = field(default_factory=dict)  # contender -> None or why unavailable
    errors: dict[tuple[str, str], str] = field(default_factory=dict)  # (scenario, contender) -> error
    retrieve_us: dict[str, float] = field(default_factory=dict)
    mock_us: dict[str, float] = field(default_factory=dict)
    list_us: dict[str, float] = field(default_factory=dict)
    list_wall_us: dict[str, float] = field(default_factory=dict)
    import_s: dict[str, float] = field(default_factory=dict)
    download: dict[str, dict[str, Any]] = field(default_factory=dict)
    validator: dict[str, Any] | None = None
    validator_missing: str | None = None
    job: dict[str, Any] | None = None
    scale: dict[str, Any] | None = None
    tables: dict[str, Any] | None = None
    lines: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def _attempt(results: Results, scenario: str, contender: str, action: Callable[[], None]) -> None:
    """Run one measurement; a failure is recorded in the table instead of ending the run."""
    try:
        action()
    except Exception as exc:
        results.errors[(scenario, contender)] = f"{type(exc).__name__}: {exc}".splitlines()[0][:120]
        log(f"{scenario} / {LABELS[contender]} failed:\n{traceback.format_exc()}")


def _rotations(order: list[str], rounds: int) -> Iterator[list[str]]:
    """Each round's order, rotated so that a slow phase of the machine is shared out evenly."""
    for round_ in range(rounds):
        shift = round_ % len(order) if order else 0
        yield order[shift:] + order[:shift]


def bench_calls(settings: Settings, base_url: str, live: list[str], results: Results) -> None:
    """Per-call and list-all CPU, one worker process per contender, rounds interleaved."""
    workers: dict[str, Worker] = {}
    try:
        for contender in live:

            def start(contender: str = contender) -> None:
                worker = Worker(contender, base_url)
                workers[contender] = worker
                worker.ask(f"warm {settings.warmup} {RETRIEVE_ID}")

            _attempt(results, "retrieve", contender, start)
        if "retrieve" in settings.only:
            samples: dict[str, list[float]] = {c: [] for c in workers}
            for order in _rotations(list(workers), settings.rounds):
                for contender in order:
                    if answer := _ask(
                        results, "retrieve", workers[contender], f"retrieve {settings.calls} {RETRIEVE_ID}"
                    ):
                        samples[contender].append(answer["cpu_us"])
            for contender, values in samples.items():
                if values and ("retrieve", contender) not in results.errors:
                    results.retrieve_us[contender] = median(values)
                    log(f"retrieve {LABELS[contender]}: {', '.join(f'{v:.0f}' for v in values)} CPU µs/call")
            # The same call against an in-process MockTransport: the client's own CPU, without the
            # socket round trip whose cost varies a lot between machines (and dilutes every ratio).
            mocked: dict[str, list[float]] = {c: [] for c in workers}
            for order in _rotations(list(workers), settings.rounds):
                for contender in order:
                    command = f"mock {settings.calls} {RETRIEVE_ID}"
                    if answer := _ask(results, "mock", workers[contender], command):
                        mocked[contender].append(answer["cpu_us"])
            for contender, values in mocked.items():
                if values and ("mock", contender) not in results.errors:
                    results.mock_us[contender] = median(values)
                    log(f"no-socket retrieve {LABELS[contender]}: {', '.join(f'{v:.0f}' for v in values)} CPU µs/call")
        if "list" in settings.only:
            cpu: dict[str, list[float]] = {c: [] for c in workers}
            wall: dict[str, list[float]] = {c: [] for c in workers}
            for worker in workers.values():  # a warm-up walk (also fills the server's page cache)
                _ask(results, "list", worker, f"list 100 {settings.batches}")
            for order in _rotations(list(workers), settings.list_rounds):
                for contender in order:
                    if answer := _ask(results, "list", workers[contender], f"list 100 {settings.batches}"):
                        cpu[contender].append(answer["cpu_us"])
                        wall[contender].append(answer["wall_us"])
            for contender, values in cpu.items():
                if values and ("list", contender) not in results.errors:
                    results.list_us[contender] = median(values)
                    results.list_wall_us[contender] = median(wall[contender])
                    log(f"list {LABELS[contender]}: {', '.join(f'{v:.1f}' for v in values)} CPU µs/item")
    finally:
        for worker in workers.values():
            worker.close()


def _ask(results: Results, scenario: str, worker: Worker, command: str) -> dict[str, Any] | None:
    """One command to a worker; a failure is recorded once and that contender skipped from then on."""
    if (scenario, worker.contender) in results.errors:
        return None
    answer: dict[str, Any] | None = None

    def run() -> None:
        nonlocal answer
        answer = worker.ask(command)

    _attempt(results, scenario, worker.contender, run)
    return answer


def bench_import(settings: Settings, live: list[str], results: Results) -> None:
    for contender in live:
        if contender not in IMPORTS:
            continue

        def time_it(contender: str = contender) -> None:
            times = import_seconds(IMPORTS[contender], settings.import_runs)
            results.import_s[contender] = median(times)
            log(f"import {LABELS[contender]}: {', '.join(f'{t:.3f}' for t in times)} s")

        _attempt(results, "import", contender, time_it)
    if "ours" in results.import_s and results.import_s["ours"] > TARGET_IMPORT_S:
        top = import_profile(IMPORTS["ours"], top=8)
        results.notes.append(
            "Slowest imports under `from openai_batch import BatchClient` (cumulative ms): "
            + ", ".join(f"{name} {cum:.0f}" for name, _, cum in top)
        )


def bench_download(
    settings: Settings, base_url: str, live: list[str], expected: tuple[int, int], results: Results
) -> None:
    lines, size = expected
    for contender in live:

        def fetch(contender: str = contender) -> None:
            outcome = run_child(["download", "--contender", contender, "--base-url", base_url, "--file-id", FILE_ID])
            if (outcome["lines"], outcome["bytes"]) != (lines, size):
                raise RuntimeError(
                    f"got {outcome['lines']} lines / {outcome['bytes']} bytes, expected {lines} / {size}"
                )
            results.download[contender] = outcome
            log(f"download {LABELS[contender]}: {outcome['peak_rss_mib']:.1f} MiB peak, {outcome['seconds']:.1f} s")

        _attempt(results, "download", contender, fetch)


def bench_validator(settings: Settings, results: Results) -> None:
    try:
        from openai_batch.workflow import validate_input_file  # noqa: F401
    except ImportError as exc:
        results.validator_missing = f"openai_batch.workflow.validate_input_file not importable ({exc})"
        log(results.validator_missing)
        return
    with tempfile.TemporaryDirectory(prefix="bench-validator-") as tmp:
        path = Path(tmp) / "chat-input.jsonl"
        started = time.perf_counter()
        lines, size = write_chat_input(path, settings.validator_mib * MIB)
        log(f"generated {lines} requests, {size / MIB:.1f} MiB in {time.perf_counter() - started:.1f} s")
        runs = [run_child(["validate", "--path", str(path), "--endpoint", "/v1/chat/completions"]) for _ in range(3)]
    for run in runs:
        if not run["ok"]:
            raise RuntimeError(f"the validator rejected a valid file: {run['summary']}")
    best = min(runs, key=lambda r: r["seconds"])
    results.validator = {
        "mib_s": median([r["bytes"] / MIB / r["seconds"] for r in runs]),
        "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
        "rss_after_import_mib": best["rss_after_import_mib"],
        "lines": lines,
        "mib": size / MIB,
    }
    speeds = ", ".join(f"{r['bytes'] / MIB / r['seconds']:.0f}" for r in runs)
    log(f"validator: {speeds} MiB/s, peak {results.validator['peak_rss_mib']:.1f} MiB")


def bench_lines(settings: Settings, results: Results) -> None:
    results.lines = long_lines.run(settings.lines_mib, log)


def lines_rows(settings: Settings, results: Results) -> list[Row]:
    figures = (results.lines or {}).get("files", {})
    rows = []
    for kind, label in (("long", "~100 KiB"), ("short", "short")):
        found = figures.get(kind, {})
        shape = f"{settings.lines_mib} MiB as {found.get('lines', 0):,} {label} lines"
        for command in long_lines.COMMANDS:
            peak = found.get(command)
            rows.append(
                Row(
                    f"{shape}: {command} peak RSS MiB",
                    [_cell(results, "lines", "ours", peak, 1), "-", "-"],
                    "",
                    f"<= {TARGET_LINES_RSS_MIB:.0f} MiB",
                    "N/A" if peak is None else ("PASS" if peak <= TARGET_LINES_RSS_MIB else "MISS"),
                )
            )
    return rows


def bench_job(settings: Settings, live: list[str], results: Results) -> None:
    contenders = [c for c in ("ours", "raw", "sdk") if c in live]
    results.job = whole_job.run(settings.job_requests, contenders, log, rounds=settings.job_rounds)
    for contender, error in results.job["errors"].items():
        results.errors[("job", contender)] = error.splitlines()[0][:120]


def bench_scale(settings: Settings, results: Results) -> None:
    results.scale = whole_job.run_scale(settings.scale_requests, log)
    for contender, error in results.scale["errors"].items():
        results.errors[("scale", contender)] = error.splitlines()[0][:120]


def scale_rows(settings: Settings, results: Results) -> list[Row]:
    scale = results.scale or {}
    ours = scale.get("ours")
    if not ours:
        why = "error" if ("scale", "ours") in results.errors else "not run"
        return [Row(f"whole job at scale: {why}", [why, "-", "-"], "", "", "N/A")]
    per_request_us = ours["cpu_s"] * 1e6 / scale["requests"]
    small = (results.job or {}).get("ours")
    flat = f"{per_request_us:.1f} µs/request" + (
        f" ({small['cpu_s'] * 1e6 / results.job['requests']:.1f} at {results.job['requests']:,})"  # type: ignore[index]
        if small
        else ""
    )
    state, output = ours["state_bytes"], ours["result_files_bytes"]
    rows = [
        Row(
            f"whole job at scale, {scale['requests']:,} requests in {scale['batches']} batches: client CPU s (wall s)",
            [f"{ours['cpu_s']:.2f} ({ours['wall_s']:.1f} wall)", "-", "-"],
            flat,
            "",
            "",
        ),
        Row(
            "  (scale) client peak RSS MiB",
            [f"{ours['peak_rss_mib']:.1f}", "-", "-"],
            "",
            f"<= {TARGET_JOB_RSS_MIB:.0f} MiB",
            "PASS" if ours["peak_rss_mib"] <= TARGET_JOB_RSS_MIB else "MISS",
        ),
        Row(
            "  (scale) our state dir MiB / output+error files MiB",
            [f"{state / MIB:.1f} / {output / MIB:.1f}", "-", "-"],
            f"{state / output:.2f}x output",
            f"<= {TARGET_JOB_STATE_VS_OUTPUT:.2f}x output + 1 MiB",
            "PASS" if state <= TARGET_JOB_STATE_VS_OUTPUT * output + MIB else "MISS",
        ),
    ]
    for name, figures in ours["after"].items():
        rows.append(
            Row(
                f"  (scale) `openai-batch {name}` of the finished job: CPU s (wall s)",
                [f"{figures['cpu_s']:.2f} ({figures['wall_s']:.2f} wall)", "-", "-"],
                "",
                f"<= {TARGET_AFTER_JOB_S:.1f} s",
                "PASS" if max(figures["cpu_s"], figures["wall_s"]) <= TARGET_AFTER_JOB_S else "MISS",
            )
        )
    return rows


def bench_tables(settings: Settings, results: Results) -> None:
    results.tables = table_job.run(settings.table_rows, log)


# --- the table --------------------------------------------------------------------------------


def _fmt(value: float | None, digits: int) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def _cell(results: Results, scenario: str, contender: str, value: float | None, digits: int) -> str:
    if (scenario, contender) in results.errors:
        return "error"
    if results.available.get(contender):
        return "n/a"
    return _fmt(value, digits)


def _ratio_row(
    measure: str,
    values: dict[str, float],
    results: Results,
    scenario: str,
    digits: int,
    other: str,
    bound: float,
    unit: str,
    show_values: bool = True,
) -> Row:
    cells = [_cell(results, scenario, c, values.get(c), digits) if show_values else "" for c in CONTENDERS]
    if "ours" in values and other in values:
        ratio = values["ours"] / values[other]
        return Row(
            measure, cells, f"{ratio:.2f}x {unit}", f"<= {bound:.2f}x {unit}", "PASS" if ratio <= bound else "MISS"
        )
    return Row(measure, cells, "n/a", f"<= {bound:.2f}x {unit}", "N/A")


def build_rows(settings: Settings, results: Results) -> list[Row]:
    rows: list[Row] = []
    if "retrieve" in settings.only:
        rows.append(
            _ratio_row(
                "batches.retrieve: CPU µs/call",
                results.retrieve_us,
                results,
                "retrieve",
                0,
                "raw",
                TARGET_RETRIEVE_VS_RAW,
                "raw",
            )
        )
        rows.append(
            _ratio_row(
                "  (same, vs the SDK)",
                results.retrieve_us,
                results,
                "retrieve",
                0,
                "sdk",
                TARGET_RETRIEVE_VS_SDK,
                "SDK",
                show_values=False,
            )
        )
        mock = results.mock_us
        ratio = (
            f"{mock['ours'] / mock['raw']:.2f}x raw, {mock['ours'] / mock['sdk']:.2f}x SDK"
            if {"ours", "raw", "sdk"} <= mock.keys()
            else ""
        )
        rows.append(
            Row(
                "  (client only, no socket: CPU µs/call, for information)",
                [_cell(results, "mock", c, mock.get(c), 0) for c in CONTENDERS],
                ratio,
                "",
                "",
            )
        )
    if "list" in settings.only:
        rows.append(
            _ratio_row(
                f"list {settings.batches:,} batches, limit 100: CPU µs/item",
                results.list_us,
                results,
                "list",
                1,
                "raw",
                TARGET_LIST_VS_RAW,
                "raw",
            )
        )
        rows.append(
            _ratio_row(
                "  (same, vs the SDK)",
                results.list_us,
                results,
                "list",
                1,
                "sdk",
                TARGET_LIST_VS_SDK,
                "SDK",
                show_values=False,
            )
        )
        rows.append(
            Row(
                "  (wall µs/item, for information)",
                [_cell(results, "list", c, results.list_wall_us.get(c), 1) for c in CONTENDERS],
                "",
                "",
                "",
            )
        )
    if "import" in settings.only:
        ours = results.import_s.get("ours")
        cells = [_cell(results, "import", c, results.import_s.get(c), 3) if c in IMPORTS else "-" for c in CONTENDERS]
        ratio = (
            f"{ours / results.import_s['sdk']:.2f}x SDK" if ours is not None and "sdk" in results.import_s else "n/a"
        )
        rows.append(
            Row(
                f"import time, s (median of {settings.import_runs})",
                cells,
                ratio,
                f"<= {TARGET_IMPORT_S:.2f} s",
                "N/A" if ours is None else ("PASS" if ours <= TARGET_IMPORT_S else "MISS"),
            )
        )
    if "download" in settings.only:
        rss = {c: d["peak_rss_mib"] for c, d in results.download.items()}
        ours = rss.get("ours")
        ratio = f"{ours / rss['sdk']:.2f}x SDK" if ours is not None and "sdk" in rss else "n/a"
        rows.append(
            Row(
                f"{settings.download_mib} MiB download + iter_lines: peak RSS MiB",
                [_cell(results, "download", c, rss.get(c), 1) for c in CONTENDERS],
                ratio,
                f"<= {TARGET_DOWNLOAD_RSS_MIB:.0f} MiB",
                "N/A" if ours is None else ("PASS" if ours <= TARGET_DOWNLOAD_RSS_MIB else "MISS"),
            )
        )
        rows.append(
            Row(
                "  (download wall time s, for information)",
                [_cell(results, "download", c, results.download.get(c, {}).get("seconds"), 1) for c in CONTENDERS],
                "",
                "",
                "",
            )
        )
    if "validator" in settings.only:
        v = results.validator
        if v is None:
            why = "error" if ("validator", "ours") in results.errors else "not available"
            rows.append(Row("validator: " + why, [why, "-", "-"], "", f">= {TARGET_VALIDATOR_MIBS:.0f} MiB/s", "N/A"))
        else:
            rows.append(
                Row(
                    f"validator, {v['mib']:.0f} MiB chat input ({v['lines']:,} lines): MiB/s",
                    [f"{v['mib_s']:.0f}", "-", "-"],
                    "",
                    f">= {TARGET_VALIDATOR_MIBS:.0f} MiB/s",
                    "PASS" if v["mib_s"] >= TARGET_VALIDATOR_MIBS else "MISS",
                )
            )
            rows.append(
                Row(
                    "validator: peak RSS MiB",
                    [f"{v['peak_rss_mib']:.1f}", "-", "-"],
                    "",
                    f"<= {TARGET_VALIDATOR_RSS_MIB:.0f} MiB",
                    "PASS" if v["peak_rss_mib"] <= TARGET_VALIDATOR_RSS_MIB else "MISS",
                )
            )
    if "job" in settings.only:
        rows.extend(job_rows(settings, results))
    if "tables" in settings.only:
        rows.extend(table_rows(settings, results))
    if "lines" in settings.only:
        rows.extend(lines_rows(settings, results))
    if "scale" in settings.only:
        rows.extend(scale_rows(settings, results))
    return rows


def table_rows(settings: Settings, results: Results) -> list[Row]:
    """Peak RSS of a table built into requests and of a job's results written as a table, each in its own process."""
    found = results.tables or {}
    rows = []
    for key, what in (
        ("build", f"tables: {settings.table_rows:,}-row Parquet to request JSONL"),
        ("results", f"tables: {settings.table_rows:,} results to Parquet, input columns joined"),
    ):
        measured = found.get(key)
        if measured is None:
            cells = ["error" if ("tables", "ours") in results.errors else "n/a", "-", "-"]
            rows.append(Row(f"{what}: peak RSS MiB", cells, "", f"<= {TARGET_TABLES_RSS_MIB:.0f} MiB", "N/A"))
            continue
        rss = measured["peak_rss_mib"]
        rows.append(
            Row(
                f"{what} ({measured['seconds']:.0f} s): peak RSS MiB",
                [f"{rss:.1f}", "-", "-"],
                "",
                f"<= {TARGET_TABLES_RSS_MIB:.0f} MiB",
                "PASS" if rss <= TARGET_TABLES_RSS_MIB else "MISS",
            )
        )
    return rows


def job_rows(settings: Settings, results: Results) -> list[Row]:
    job = results.job or {}
    ours, raw, sdk = job.get("ours"), job.get("raw"), job.get("sdk")

    def cells(key: str, digits: int) -> list[str]:
        return [_cell(results, "job", c, (job.get(c) or {}).get(key), digits) for c in CONTENDERS]

    def cpu_and_wall() -> list[str]:
        out = []
        for contender in CONTENDERS:
            figures = job.get(contender) or {}
            cell = _cell(results, "job", contender, figures.get("cpu_s"), 2)
            out.append(f"{cell} ({figures['wall_s']:.1f} wall)" if "wall_s" in figures else cell)
        return out

    def versus(key: str, other: dict[str, Any] | None, label: str) -> str:
        return f"{ours[key] / other[key]:.2f}x {label}" if ours and other else "n/a"

    cpu_ratio = ", ".join(r for r in (versus("cpu_s", raw, "floor"), versus("cpu_s", sdk, "SDK")) if r != "n/a")
    cpu_result = "N/A"
    if ours and sdk and raw:
        met = (
            ours["cpu_s"] / raw["cpu_s"] <= TARGET_JOB_CPU_VS_FLOOR
            and ours["cpu_s"] / sdk["cpu_s"] <= TARGET_JOB_CPU_VS_SDK
        )
        cpu_result = "PASS" if met else "MISS"
    wall_result = "N/A" if not (ours and sdk) else ("PASS" if ours["wall_s"] <= sdk["wall_s"] else "MISS")
    rows = [
        Row(
            f"whole job, {settings.job_requests:,} chat requests in {job.get('batches', 2)} batches: "
            "client CPU s (user+sys), wall s beside; raw httpx = the floor script",
            cpu_and_wall(),
            cpu_ratio or "n/a",
            f"<= {TARGET_JOB_CPU_VS_FLOOR:.1f}x floor, <= {TARGET_JOB_CPU_VS_SDK:.2f}x SDK",
            cpu_result,
        ),
        Row(
            "  (same, wall s)",
            cells("wall_s", 1),
            ", ".join(r for r in (versus("wall_s", raw, "floor"), versus("wall_s", sdk, "SDK")) if r != "n/a"),
            "<= 1.00x SDK",
            wall_result,
        ),
        Row(
            "whole job: client peak RSS MiB",
            cells("peak_rss_mib", 1),
            versus("peak_rss_mib", sdk, "SDK"),
            f"<= {TARGET_JOB_RSS_MIB:.0f} MiB",
            "N/A" if not ours else ("PASS" if ours["peak_rss_mib"] <= TARGET_JOB_RSS_MIB else "MISS"),
        ),
    ]
    if ours and "state_bytes" in ours:
        state, output = ours["state_bytes"], ours["result_files_bytes"]
        rows.append(
            Row(
                "whole job: our state dir MiB / output+error files MiB",
                [f"{state / MIB:.1f} / {output / MIB:.1f}", "-", "-"],
                f"{state / output:.2f}x output, {state / job['input_bytes']:.2f}x input",
                f"<= {TARGET_JOB_STATE_VS_OUTPUT:.2f}x output + 1 MiB",
                "PASS" if state <= TARGET_JOB_STATE_VS_OUTPUT * output + MIB else "MISS",
            )
        )
    return rows


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def environment_line(settings: Settings, seconds: float) -> str:
    return (
        f"Python {platform.python_version()}, openai {_version('openai')}, httpx {_version('httpx')}, "
        f"{os.cpu_count()} CPUs, {platform.system()} {platform.machine()}; "
        f"{settings.rounds} rounds x {settings.calls} calls, {settings.list_rounds} list walks, "
        f"{'quick' if settings.quick else 'full'} run in {seconds:.0f} s"
    )


def main(argv: list[str] | None = None) -> int:
    settings = parse_settings(argv)
    started = time.perf_counter()
    results = Results()
    results.available = {"ours": ours_available(), "raw": None, "sdk": None}
    live = [c for c in CONTENDERS if results.available[c] is None]
    if results.available["ours"]:
        log(f"openai_batch is left out: {results.available['ours']}")
    download_bytes = settings.download_mib * MIB
    body = fixture_server.OutputBody(download_bytes)
    if settings.only & {"retrieve", "list", "download"}:
        with fixture_server.running(settings.batches, download_bytes) as base_url:
            log(f"fixture server at {base_url}")
            if settings.only & {"retrieve", "list"}:
                bench_calls(settings, base_url, live, results)
            if "download" in settings.only:
                bench_download(settings, base_url, live, (body.lines, body.size), results)
    if "import" in settings.only:
        bench_import(settings, live, results)
    if "validator" in settings.only:
        _attempt(results, "validator", "ours", lambda: bench_validator(settings, results))
    if "job" in settings.only:
        _attempt(results, "job", "ours", lambda: bench_job(settings, live, results))
    if "tables" in settings.only:
        _attempt(results, "tables", "ours", lambda: bench_tables(settings, results))
    if "lines" in settings.only:
        _attempt(results, "lines", "ours", lambda: bench_lines(settings, results))
    if "scale" in settings.only:
        _attempt(results, "scale", "ours", lambda: bench_scale(settings, results))
    seconds = time.perf_counter() - started
    rows = build_rows(settings, results)
    headers = ["Measure", *(LABELS[c] for c in CONTENDERS), "Ratio (ours/other)", "Target", "Result"]
    notes = [environment_line(settings, seconds), *results.notes]
    if results.job and "input_bytes" in results.job:
        notes.append(
            f"whole job: {results.job['requests']:,} requests ({results.job['input_bytes'] / MIB:.1f} MiB input), "
            f"shards of {results.job['per_batch']:,}, one `python -m openai_batch.server "
            f"{' '.join(whole_job.SERVER_ARGS)}` process per round, polls every {whole_job.POLL_SECONDS} s"
        )
        cpu_runs = {
            LABELS[c]: ", ".join(f"{v:.2f}" for v in results.job[c]["cpu_runs"])
            for c in ("ours", "raw", "sdk")
            if c in results.job
        }
        if cpu_runs:
            notes.append(
                f"whole job: CPU s of each of the {results.job['rounds']} round(s), median reported: "
                + "; ".join(f"{label} {values}" for label, values in cpu_runs.items())
            )
    notes += [f"{LABELS[c]} left out: {why}" for c, why in results.available.items() if why]
    notes += [f"{scenario} / {LABELS[c]} failed: {err}" for (scenario, c), err in results.errors.items()]
    if results.validator_missing:
        notes.append(f"validator: not available ({results.validator_missing}); picked up automatically once exported")
    print(render_text(headers, rows, notes))
    if settings.markdown is not None:
        settings.markdown.write_text(render_markdown(headers, rows, notes), encoding="utf-8")
        log(f"wrote {settings.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
