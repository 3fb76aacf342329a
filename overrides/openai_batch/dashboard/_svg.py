"""The dashboard's two pictures as hand-written SVG, drawn on the server.

Why no chart library: the pictures are a step chart of two counts and one bar per batch, a
few dozen lines of SVG each. A library would mean vendoring and updating JavaScript, and
drawing in the browser from JSON; SVG drawn here needs no script at all, is in the page
the moment it loads (the tests and a browser with scripts off see the same), and scales to
any width. Colours come from classes in ``static/dashboard.css`` (the page's Content
Security Policy forbids inline styles).
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence

from .._batchinfo import TERMINAL_STATUSES
from .._progress import format_duration
from ._views import TimelineRow

__all__ = ["format_time", "progress_chart", "timeline_bar", "timeline_span"]

# The progress chart's drawing box (its viewBox): the plot, and room for the axes' labels.
_W, _H = 720, 280
_LEFT, _RIGHT, _TOP, _BOTTOM = 64, 20, 16, 44


def format_time(stamp: float | None) -> str:
    """A timestamp as the CLI prints one (UTC), or nothing."""
    if stamp is None:
        return ""
    return dt.datetime.fromtimestamp(stamp, tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _clock(stamp: float) -> str:
    return dt.datetime.fromtimestamp(stamp, tz=dt.UTC).strftime("%H:%M:%S")


def _steps(points: Sequence[tuple[float, float]]) -> str:
    """A step line through ``points``: each count holds until the next poll saw another."""
    path: list[str] = []
    for i, (x, y) in enumerate(points):
        if i:
            path.append(f"{x:.1f},{points[i - 1][1]:.1f}")
        path.append(f"{x:.1f},{y:.1f}")
    return " ".join(path)


def progress_chart(history: Sequence[tuple[float, int, int]], request_count: int, started_at: float | None) -> str:
    """Requests completed and failed against time, from the job's recorded polls."""
    samples = list(history)
    if started_at is not None and samples and started_at < samples[0][0]:
        samples.insert(0, (started_at, 0, 0))
    if not samples:
        return '<p class="empty" data-chart="empty">No polls recorded yet: the chart starts with the first one.</p>'
    t0, t1 = samples[0][0], samples[-1][0]
    span = max(t1 - t0, 1.0)
    top = max(request_count, max(c + f for _, c, f in samples), 1)
    plot_w, plot_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM

    def x(t: float) -> float:
        return _LEFT + (t - t0) / span * plot_w

    def y(count: float) -> float:
        return _TOP + plot_h - count / top * plot_h

    parts = [
        f'<svg class="chart" data-chart="progress" viewBox="0 0 {_W} {_H}" role="img" '
        f'aria-labelledby="chart-title" preserveAspectRatio="xMidYMid meet">',
        '<title id="chart-title">Requests completed and failed over time</title>',
    ]
    for fraction in (0.0, 0.25, 0.5, 0.75, 1.0):
        gy = y(top * fraction)
        parts.append(f'<line class="grid" x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{gy:.1f}" y2="{gy:.1f}"/>')
        parts.append(
            f'<text class="axis" x="{_LEFT - 8}" y="{gy + 4:.1f}" text-anchor="end">{round(top * fraction):,}</text>'
        )
    # The start as a clock time, then time since the start: readable whether the job took seconds or days.
    for fraction, anchor in ((0.0, "start"), (0.5, "middle"), (1.0, "end")):
        tx = _LEFT + fraction * plot_w
        label = f"{_clock(t0)} UTC" if fraction == 0 else f"+{format_duration(fraction * span)}"
        parts.append(f'<text class="axis" x="{tx:.1f}" y="{_H - _BOTTOM + 22}" text-anchor="{anchor}">{label}</text>')
    completed = [(x(t), y(c)) for t, c, _ in samples]
    failed = [(x(t), y(f)) for t, _, f in samples]
    parts.append(f'<polyline class="line completed" data-series="completed" points="{_steps(completed)}"/>')
    parts.append(f'<polyline class="line failed" data-series="failed" points="{_steps(failed)}"/>')
    last_x, last_y = completed[-1]
    parts.append(f'<circle class="dot completed" cx="{last_x:.1f}" cy="{last_y:.1f}" r="4"/>')
    parts.append("</svg>")
    return "".join(parts)


# Segments of a batch's bar: (class, start field, end field).
_PHASES = (
    ("validating", "created_at", "in_progress_at"),
    ("in_progress", "in_progress_at", "finalizing_at"),
    ("finalizing", "finalizing_at", "ended_at"),
)


def timeline_span(rows: Sequence[TimelineRow], now: float) -> tuple[float, float] | None:
    """The shared time axis of the bars: the first timestamp to the last, or to ``now`` while a batch runs.

    The service's clock may run ahead of ours (a simulated one does): the axis never ends before
    its own latest timestamp.
    """
    stamps: list[float] = [
        stamp
        for row in rows
        for stamp in (row.created_at, row.in_progress_at, row.finalizing_at, row.ended_at)
        if stamp is not None
    ]
    if not stamps:
        return None
    if any(row.ended_at is None and row.status not in TERMINAL_STATUSES for row in rows):
        stamps.append(now)
    return min(stamps), max(stamps)


def timeline_bar(row: TimelineRow, span: tuple[float, float]) -> str:
    """One batch's phases as a bar on the shared axis: a phase not ended yet runs to the axis' end."""
    t0, t1 = span
    width = max(t1 - t0, 1.0)
    parts = [
        f'<svg class="bar" viewBox="0 0 1000 12" preserveAspectRatio="none" role="img" '
        f'aria-label="{html.escape(row.status)}">'
    ]
    for phase, start_field, end_field in _PHASES:
        start = getattr(row, start_field)
        if start is None:
            continue
        end = getattr(row, end_field)
        if end is None:
            # Not reached the next phase: it runs until the batch ended (skipping phases) or until now.
            end = row.ended_at if row.ended_at is not None and row.ended_at >= start else t1
        left = (start - t0) / width * 1000
        size = max((end - start) / width * 1000, 2.0)
        parts.append(
            f'<rect class="phase {phase}" x="{left:.1f}" y="1" width="{size:.1f}" height="10">'
            f"<title>{phase}: {format_time(start)} to {format_time(end)}</title></rect>"
        )
        if end == row.ended_at:
            break
    if row.ended_at is not None:
        at = (row.ended_at - t0) / width * 1000
        parts.append(
            f'<rect class="end {html.escape(row.status)}" x="{max(at - 3, 0):.1f}" y="0" width="6" height="12"/>'
        )
    parts.append("</svg>")
    return "".join(parts)
