"""The main job, end to end, against the local Batch API server: `make demo`.

Starts `openai_batch.server.LocalServer` on 127.0.0.1 (no key, no network), then runs a batch
of 1,000 chat requests through the public client: build the input file, validate and upload
it, create the batch, wait with a progress bar, download the results, and print a summary
with a few results joined to their inputs by custom_id. The server is stopped at the end,
whatever happens.

Run: python -m openai_batch.demo [--requests N] [--speed S] [--out PATH]

Everything lives in a temporary folder removed at exit, unless ``--out PATH`` keeps the
results file: the summary says which.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from openai_batch import BatchClient
from openai_batch.server import LocalServer
from openai_batch.workflow import BatchInputWriter, BatchProgress, Job

QUESTIONS = (
    "What is the capital of {}?",
    "Name a famous dish from {}.",
    "Summarise the history of {} in one sentence.",
)
PLACES = ("France", "Japan", "Peru", "Kenya", "Norway", "Vietnam", "Mexico", "Egypt", "Canada", "India")


#: The share of requests the demo's server fails on purpose, so failed results are shown too.
FAIL_RATE = 0.02


def build_input(path: Path, count: int) -> None:
    with BatchInputWriter(path, endpoint="/v1/chat/completions") as writer:
        for i in range(count):
            question = QUESTIONS[i % len(QUESTIONS)].format(PLACES[i % len(PLACES)])
            writer.chat(
                f"request-{i:05d}",
                model="gpt-4o-mini",
                messages=[{"role": "user", "content": question}],
                max_tokens=64,
            )


class PlainProgress:
    """Progress lines for a log (no terminal, so no bar): each phase change and every quarter."""

    def __init__(self) -> None:
        self._last: tuple[str, int] | None = None

    def __call__(self, progress: BatchProgress) -> None:
        done = progress.completed + progress.failed
        quarter = 4 * done // progress.total if progress.total else 0
        if (progress.status, quarter) != self._last:
            self._last = (progress.status, quarter)
            print(f"  {progress.status}: {done:,}/{progress.total:,} done, {progress.failed:,} failed")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--speed", type=float, default=120.0, help="simulated seconds per real second")
    parser.add_argument("--out", type=Path, default=None, help="keep the results file here (default: not kept)")
    args = parser.parse_args(argv)

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="openai-batch-demo-") as tmp:
        work = Path(tmp)
        input_path = work / "requests.jsonl"
        results_path = args.out.resolve() if args.out is not None else work / "results.jsonl"
        # 2 % of requests fail on purpose (chosen by a hash of custom_id) so the error file is exercised.
        with LocalServer(work / "server", speed=args.speed, fail_rate=FAIL_RATE) as server:
            print(f"local Batch API server on {server.base_url}")
            print(
                f"it fails {FAIL_RATE:.0%} of requests on purpose, so failed results and the error file "
                "show up below: these failures are injected, not a fault"
            )
            build_input(input_path, args.requests)
            print(f"built {args.requests:,} chat requests in {input_path.name} ({input_path.stat().st_size:,} bytes)")

            # The local server accepts any key; the real service would need OPENAI_API_KEY.
            with BatchClient(api_key="sk-local-demo", base_url=server.base_url) as client:
                with Job.submit(client, input_path, state=work / "jobs.sqlite") as job:
                    batch_ids = [s.batch_id for s in job.status().shards]
                    print(f"validated, uploaded and created batch {', '.join(str(b) for b in batch_ids)}")
                    # A bar on a terminal; plain lines when the output goes to a log.
                    tty = sys.stderr.isatty()
                    final = job.wait(
                        poll_interval=0.25,
                        max_interval=1.0,
                        progress="auto" if tty else None,
                        on_progress=None if tty else PlainProgress(),
                    )
                    print(f"batch finished: {final.status}")
                    summary = job.write_results(results_path)

        where = (
            str(results_path)
            if args.out is not None
            else f"{results_path.name} in a temporary folder removed at exit (keep it with --out PATH)"
        )
        print(f"\nresults: {summary.total:,} written to {where}")
        for outcome, count in sorted(summary.counts.items()):
            print(f"  {outcome:<10} {count:>6,}")
        if summary.counts.get("failed"):
            print(f"  (the failed ones were injected on purpose by the demo's server: {FAIL_RATE:.0%} of requests)")

        inputs = {}
        with input_path.open("rb") as f:
            for line in f:
                request = json.loads(line)
                inputs[request["custom_id"]] = request["body"]["messages"][0]["content"]
        print("\na few results, joined to their inputs by custom_id:")
        shown = {"succeeded": 0, "failed": 0}
        with results_path.open("rb") as f:
            for line in f:
                result = json.loads(line)
                outcome = result["outcome"]
                if shown.get(outcome, 2) >= 2:
                    continue
                shown[outcome] += 1
                if outcome == "succeeded":
                    answer = result["body"]["choices"][0]["message"]["content"]
                else:
                    answer = f"error {result['error']}"
                print(f"  {result['custom_id']}: {inputs[result['custom_id']]!r}\n      -> {answer[:100]}")
    print(f"\ndone in {time.monotonic() - started:.1f} s; the server is stopped")
    return 0 if summary.counts.get("succeeded", 0) > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
