"""Memory follows bytes, not line count: peak RSS of ``estimate``, ``validate`` and ``submit``
on one input size written two ways, as few long lines and as many short ones.

The full run writes 300 MiB as 3,000 lines of about 100 KiB and as 200,000 lines of about
1.5 KiB; ``--quick`` scales both down (the line lengths stay, the counts shrink). Each command
runs in a fresh interpreter (``measure.py cli``) so its peak RSS is its own; ``submit`` sends
to one local server process (``whole_job.local_server``), which is always stopped.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import whole_job
from measure import run_child

MIB = 1024 * 1024
LONG_LINE = 100 * 1024
#: Short lines in the full run's 300 MiB; a smaller run keeps their length and scales the count.
SHORT_LINES_AT_300_MIB = 200_000
COMMANDS = ("estimate", "validate", "submit")
#: validate exits 4 when the file is over one batch's limits (submit shards it): memory is what is measured.
_EXPECTED_EXIT = {"estimate": {0}, "validate": {0, 4}, "submit": {0}}


def write_lines(path: Path, lines: int, line_bytes: int) -> int:
    """``lines`` valid chat requests of about ``line_bytes`` each; the file's size."""
    words = "lorem ipsum dolor sit amet, consectetur adipiscing elit. " * (line_bytes // 56 + 2)
    with path.open("wb") as out:
        for i in range(lines):
            request: dict[str, Any] = {
                "custom_id": f"request-{i:08d}",
                "method": "POST",
                "url": whole_job.ENDPOINT,
                "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": ""}], "max_tokens": 50},
            }
            room = max(line_bytes - len(json.dumps(request)) - 1, 1)
            request["body"]["messages"][0]["content"] = words[:room]
            out.write(json.dumps(request).encode() + b"\n")
    return path.stat().st_size


def run(mib: int, log: Callable[[str], None]) -> dict[str, Any]:
    """{"mib", "files": {kind: {"lines", "bytes", command: peak RSS MiB}}}."""
    total = mib * MIB
    shapes = {
        "long": (max(total // LONG_LINE, 1), LONG_LINE),
        "short": (
            max(SHORT_LINES_AT_300_MIB * mib // 300, 1),
            max(total // max(SHORT_LINES_AT_300_MIB * mib // 300, 1), 1),
        ),
    }
    files: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-lines-") as tmp:
        with whole_job.local_server(Path(tmp) / "server") as base_url:
            env_key = os.environ.get("OPENAI_API_KEY")
            os.environ["OPENAI_API_KEY"] = whole_job.API_KEY  # inherited by the children
            try:
                for kind, (lines, line_bytes) in shapes.items():
                    path = Path(tmp) / f"{kind}.jsonl"
                    size = write_lines(path, lines, line_bytes)
                    figures: dict[str, Any] = {"lines": lines, "bytes": size}
                    for command in COMMANDS:
                        argv = ["cli", "--", command, str(path)]
                        if command == "submit":
                            argv += ["--base-url", base_url, "--state", str(Path(tmp) / f"{kind}.sqlite")]
                        result = run_child(argv, timeout=1800)
                        if result["exit"] not in _EXPECTED_EXIT[command]:
                            raise RuntimeError(f"{command} {kind}.jsonl exited with {result['exit']}")
                        figures[command] = result["peak_rss_mib"]
                        log(f"{kind} lines ({lines:,}): {command} peak {result['peak_rss_mib']:.1f} MiB")
                    path.unlink()
                    files[kind] = figures
            finally:
                if env_key is None:
                    os.environ.pop("OPENAI_API_KEY", None)
                else:
                    os.environ["OPENAI_API_KEY"] = env_key
    return {"mib": mib, "files": files}
