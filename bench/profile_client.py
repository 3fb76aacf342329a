"""Where a contender's CPU time goes: cProfile over retrieve or list-all against the fixture server.

    .venv/bin/python bench/profile_client.py                          # ours, retrieve, 2000 calls
    .venv/bin/python bench/profile_client.py --scenario list --contender sdk

Prints self time grouped by package (``openai_batch``, ``openai_batch_api``, ``httpx``...), then the
functions with the most self time and, for the hand-written and generated packages, the most
cumulative time. Profiling inflates pure-Python code more than C code, so read the shares, not
the absolute figures.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
from collections import defaultdict
from pathlib import Path

import fixture_server
from scenarios import CONTENDERS, open_session

_FuncKey = tuple[str, int, str]


def package_of(filename: str) -> str:
    """The top-level package a profiled function lives in, from its file path."""
    path = Path(filename)
    parts = path.parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].removesuffix(".py")
    for marker in ("overrides", "generated"):
        if marker in parts:
            return parts[parts.index(marker) + 1]
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins (C)"
    return "stdlib" if "python3." in filename else path.name


def by_package(stats: pstats.Stats) -> list[tuple[str, float]]:
    totals: dict[str, float] = defaultdict(float)
    raw: dict[_FuncKey, tuple[int, int, float, float, object]] = stats.stats  # type: ignore[attr-defined]
    for (filename, _, _), (_, _, tottime, _, _) in raw.items():
        totals[package_of(filename)] += tottime
    return sorted(totals.items(), key=lambda kv: -kv[1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contender", choices=CONTENDERS, default="ours")
    parser.add_argument("--scenario", choices=("retrieve", "list"), default="retrieve")
    parser.add_argument("--calls", type=int, default=2000, help="retrieve calls (or list walks / 10)")
    parser.add_argument("--batches", type=int, default=10_000)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    with fixture_server.running(args.batches, 1024) as base_url:
        session = open_session(args.contender, base_url)
        try:
            if args.scenario == "retrieve":
                call = session.retriever()
                for _ in range(200):
                    call("batch_00042")
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(args.calls):
                    call("batch_00042")
                profiler.disable()
                unit, count = "call", args.calls
            else:
                session.list_all(100)
                walks = max(1, args.calls // 1000)
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(walks):
                    session.list_all(100)
                profiler.disable()
                unit, count = "item", walks * args.batches
        finally:
            session.close()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    total = sum(t for _, t in by_package(stats))
    print(f"\n{args.contender} / {args.scenario}: {total * 1e6 / count:.1f} profiled µs per {unit}\n")
    print(f"{'package':<24}{'self µs/' + unit:>14}{'share':>8}")
    for package, seconds in by_package(stats):
        print(f"{package:<24}{seconds * 1e6 / count:>14.1f}{seconds / total:>8.1%}")
    print()
    stats.sort_stats("tottime").print_stats(args.top)
    stats.sort_stats("cumulative").print_stats(r"openai_batch", args.top)


if __name__ == "__main__":
    main()
