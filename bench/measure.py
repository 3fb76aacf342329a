"""How each figure is measured; also the entry point of the child processes that measure memory.

Run as a child (one contender per fresh interpreter, so the peak RSS is that contender's own)::

    python bench/measure.py download --contender ours --base-url URL --file-id FILE
    python bench/measure.py validate --path requests.jsonl --endpoint /v1/chat/completions
    python bench/measure.py worker --contender ours --base-url URL      # commands on stdin
    python bench/measure.py cli -- estimate requests.jsonl               # one openai-batch command

Each prints JSON lines on stdout.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent


def peak_rss_mib() -> float:
    """This process's peak resident set so far, in MiB.

    Read from VmHWM in /proc/self/status rather than ``ru_maxrss``: Linux carries a parent's
    high-water mark into ``ru_maxrss`` across fork+exec, so a child started by a large parent
    would report the parent's peak. VmHWM belongs to the child's own address space.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# --- in-process CPU measurements -------------------------------------------------------------


def cpu_us_per_call(call: Callable[[str], object], arg: str, calls: int) -> float:
    """Process CPU time (all threads, no waiting) per call, in microseconds."""
    gc.collect()
    start = time.process_time()
    for _ in range(calls):
        call(arg)
    return (time.process_time() - start) * 1e6 / calls


def cpu_us_per_item(walk: Callable[[], int], expected: int) -> tuple[float, float]:
    """(CPU µs per item, wall µs per item) for one full walk; fails loudly on a short walk."""
    gc.collect()
    wall = time.perf_counter()
    start = time.process_time()
    count = walk()
    cpu = time.process_time() - start
    wall = time.perf_counter() - wall
    if count != expected:
        raise RuntimeError(f"listing returned {count} batches, expected {expected}")
    return cpu * 1e6 / count, wall * 1e6 / count


# --- child processes -----------------------------------------------------------------------------


def run_child(args: Sequence[str], timeout: float = 600.0) -> dict[str, Any]:
    """Run ``python bench/measure.py ARGS`` in a fresh interpreter; return the JSON it prints."""
    command = [sys.executable, str(BENCH_DIR / "measure.py"), *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@contextmanager
def bytecode_cache() -> Iterator[dict[str, str]]:
    """An environment whose interpreters read and write .pyc files in a private temporary cache.

    Imports are timed as for an installed package, whose modules are already compiled: with
    PYTHONDONTWRITEBYTECODE set (as in some shells and CI) the project's own modules would be
    compiled on every import while site-packages keep the .pyc files pip wrote. The private
    prefix keeps the cache out of the source tree, and every contender is compiled into it alike.
    """
    with tempfile.TemporaryDirectory(prefix="bench-pycache-") as prefix:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = prefix
        yield env


def import_seconds(statement: str, runs: int) -> list[float]:
    """Seconds ``statement`` takes in a fresh interpreter, once per run (bytecode compiled first)."""
    code = f"import time\nt = time.perf_counter()\n{statement}\nprint(time.perf_counter() - t)"
    times = []
    with bytecode_cache() as env:
        subprocess.run([sys.executable, "-c", statement], check=True, capture_output=True, env=env)  # compiles
        for _ in range(runs):
            done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env)
            times.append(float(done.stdout.strip()))
    return times


def import_profile(statement: str, top: int = 12) -> list[tuple[str, float, float]]:
    """The modules ``statement`` imports, slowest cumulative first: (name, self ms, cumulative ms)."""
    with bytecode_cache() as env:
        subprocess.run([sys.executable, "-c", statement], check=True, capture_output=True, env=env)
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", statement], check=True, capture_output=True, text=True, env=env
        )
    rows: list[tuple[str, float, float]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        rows.append((name, int(self_us) / 1000, int(cumulative_us) / 1000))
    return sorted(rows, key=lambda row: -row[2])[:top]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


# --- child entry points ----------------------------------------------------------------------------


def _download(contender: str, base_url: str, file_id: str) -> dict[str, Any]:
    from scenarios import download_lines

    lines = 0
    size = 0
    parsed = 0
    started = time.perf_counter()
    for line in download_lines(contender, base_url, file_id):
        if not line:
            continue
        lines += 1
        # Count content without the line ending, whichever way each API hands lines out
        # (the body is ASCII, so characters and bytes agree).
        stripped = line.rstrip(b"\r\n") if isinstance(line, bytes) else line.rstrip("\r\n")
        size += len(stripped) + 1
        if lines % 4096 == 1:  # spot-check that lines arrive whole
            json.loads(stripped)
            parsed += 1
    seconds = time.perf_counter() - started
    return {"lines": lines, "bytes": size, "parsed": parsed, "seconds": seconds, "peak_rss_mib": peak_rss_mib()}


def _validate(path: str, endpoint: str) -> dict[str, Any]:
    from openai_batch.workflow import validate_input_file

    imported_rss = peak_rss_mib()
    started = time.perf_counter()
    report = validate_input_file(path, endpoint=endpoint)
    seconds = time.perf_counter() - started
    return {
        "ok": bool(report.ok),
        "summary": report.format() if hasattr(report, "format") else repr(report)[:500],
        "seconds": seconds,
        "bytes": Path(path).stat().st_size,
        "rss_after_import_mib": imported_rss,
        "peak_rss_mib": peak_rss_mib(),
    }


def _cli(argv: list[str]) -> dict[str, Any]:
    """Run one ``openai-batch`` command in this process (its output to /dev/null); its exit code and peak RSS."""
    import contextlib

    from openai_batch.cli import main as cli_main

    imported_rss = peak_rss_mib()
    started = time.perf_counter()
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        code = cli_main(argv)
    return {
        "exit": code,
        "seconds": time.perf_counter() - started,
        "rss_after_import_mib": imported_rss,
        "peak_rss_mib": peak_rss_mib(),
    }


def _serve_commands(contender: str, base_url: str) -> None:
    """A long-lived worker holding one contender's client: runs the parent's commands, one per line.

    Commands: ``warm N ID`` (N retrieves, checking the result), ``retrieve N ID`` (CPU µs per
    call), ``mock N ID`` (the same against an in-process MockTransport: client CPU without the
    socket), ``list LIMIT EXPECTED`` (CPU and wall µs per item of one full walk), ``quit``.
    Each answer is one JSON line. Keeping each contender in its own process means its figures
    carry only its own imports and heap (the cyclic GC's cost grows with every live object).
    """
    from scenarios import Session, open_session

    session = open_session(contender, base_url)
    mocked: Session | None = None
    try:
        call = session.retriever()
        sys.stdout.write(json.dumps({"ready": True}) + "\n")
        sys.stdout.flush()
        for command in sys.stdin:
            verb, *args = command.split()
            answer: dict[str, Any]
            if verb == "warm":
                batch = call(args[1])
                got = batch["id"] if isinstance(batch, dict) else getattr(batch, "id", None)
                if got != args[1]:
                    raise RuntimeError(f"retrieve returned id {got!r}, expected {args[1]!r}")
                for _ in range(int(args[0])):
                    call(args[1])
                answer = {"ok": True}
            elif verb == "retrieve":
                answer = {"cpu_us": cpu_us_per_call(call, args[1], int(args[0]))}
            elif verb == "mock":
                if mocked is None:
                    from fixture_server import BatchCatalogue

                    mocked = open_session(contender, base_url, mock_body=BatchCatalogue(1).retrieve(args[1]))
                    mock_call = mocked.retriever()
                    for _ in range(100):
                        mock_call(args[1])
                answer = {"cpu_us": cpu_us_per_call(mock_call, args[1], int(args[0]))}
            elif verb == "list":
                limit, expected = int(args[0]), int(args[1])

                def walk(limit: int = limit) -> int:
                    return session.list_all(limit)

                cpu, wall = cpu_us_per_item(walk, expected)
                answer = {"cpu_us": cpu, "wall_us": wall}
            elif verb == "quit":
                return
            else:
                raise ValueError(f"unknown command {command!r}")
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()
    finally:
        session.close()
        if mocked is not None:
            mocked.close()


class Worker:
    """The parent's handle on a ``measure.py worker`` process (see `_serve_commands`)."""

    def __init__(self, contender: str, base_url: str) -> None:
        command = [
            sys.executable,
            str(BENCH_DIR / "measure.py"),
            "worker",
            "--contender",
            contender,
            "--base-url",
            base_url,
        ]
        self.contender = contender
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self._read()  # the ready line: imports done, client built

    def ask(self, command: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._read()

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            code = self.process.wait(timeout=10)
            raise RuntimeError(f"{self.contender} worker exited with {code} (its traceback is above)")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def close(self) -> None:
        """Ask the worker to quit; terminate it if it does not. Always reaps the process."""
        try:
            if self.process.poll() is None and self.process.stdin is not None:
                self.process.stdin.write("quit\n")
                self.process.stdin.flush()
            self.process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait(timeout=10)
        finally:
            for stream in (self.process.stdin, self.process.stdout):
                if stream is not None:
                    stream.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="benchmark child process")
    sub = parser.add_subparsers(dest="what", required=True)
    download = sub.add_parser("download")
    download.add_argument("--contender", required=True)
    download.add_argument("--base-url", required=True)
    download.add_argument("--file-id", required=True)
    worker = sub.add_parser("worker")
    worker.add_argument("--contender", required=True)
    worker.add_argument("--base-url", required=True)
    validate = sub.add_parser("validate")
    validate.add_argument("--path", required=True)
    validate.add_argument("--endpoint", default="/v1/chat/completions")
    cli = sub.add_parser("cli")
    cli.add_argument("argv", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.what == "worker":
        _serve_commands(args.contender, args.base_url)
        return
    if args.what == "cli":
        result = _cli([a for a in args.argv if a != "--"])
    elif args.what == "download":
        result = _download(args.contender, args.base_url, args.file_id)
    else:
        result = _validate(args.path, args.endpoint)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
