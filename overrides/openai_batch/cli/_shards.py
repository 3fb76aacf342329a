"""A job's shards for people: one line per shard, or the shards grouped by status when a line
per shard does not fit the terminal's width, or there are more shards than its height holds
beside the job's other lines.

Grouped, the job reads ``18 completed · 2 in_progress``, followed by one line for each shard
that needs a look (it failed, expired, was cancelled or carries errors), its batch id whole and
its errors cut to the width. Off a terminal, and under ``--json``, nothing changes: one line per
shard, for grep and cut.

Example::

    show_shards(Output(as_json=False), job.status())
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from .._batchinfo import format_errors
from ..workflow import JobStatus
from ..workflow._status import ShardStatus
from ._output import MIN_FREE_WIDTH, Output, shorten

__all__ = ["grouped_states", "show_shards"]

_COLUMNS = ["shard", "batch", "status", "done", "failed", "attempt", "errors"]


def grouped_states(shards: Sequence[ShardStatus]) -> str:
    """``18 completed · 2 in_progress``: how many shards are in each status, the most first."""
    counts = Counter(s.status for s in shards)
    return " · ".join(f"{n} {status}" for status, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _needs_a_look(shard: ShardStatus) -> bool:
    return bool(shard.errors) or shard.status in ("failed", "expired", "cancelled")


def _show_grouped(out: Output, status: JobStatus) -> None:
    out.line(f"shards: {grouped_states(status.shards)}")
    for shard in status.shards:
        if not _needs_a_look(shard):
            continue
        head = f"shard {shard.index}  {shard.batch_id or '-'}  {shard.status}"
        errors = format_errors(list(shard.errors))
        room = out.width - len(head) - 2
        if not errors:
            out.line(head)
        elif room >= MIN_FREE_WIDTH:
            out.line(f"{head}  {shorten(errors, room)}")
        else:
            out.line(head)
            out.line("  " + shorten(errors, out.width - 2))


#: Terminal lines kept for what is printed with the shards: the job's line, the table's header,
#: the usage table and its summary.
RESERVED_LINES = 6


def show_shards(out: Output, status: JobStatus) -> None:
    """The shard table of :func:`_show_job`, grouped by status when it does not fit the terminal."""
    if out.is_terminal and not out.as_json and len(status.shards) > out.height - RESERVED_LINES:
        _show_grouped(out, status)
        return
    out.table(
        _COLUMNS,
        (
            [
                s.index,
                s.batch_id or "-",
                s.status,
                f"{s.completed + s.failed:,}/{s.request_count:,}",
                f"{s.failed:,}",
                s.attempt,
                format_errors(list(s.errors)),
            ]
            for s in status.shards
        ),
        shorten={"errors"},
        optional=("attempt", "failed"),
        overflow=lambda: _show_grouped(out, status),
    )
