"""The dashboard's pages, rendered on the server as plain HTML (every value escaped).

Each page is a frame (``page``) around one live part, ``<main id="live">``; the browser swaps
in a new live part when the server sends one (see ``static/dashboard.js``), so the pages work
without scripts too, only not live. Elements the tests read carry ``data-field`` names that
follow the keys of ``openai-batch status --json``.
"""

from __future__ import annotations

import html
import time
from collections.abc import Iterable, Mapping, Sequence

from .._progress import format_duration
from ..workflow._budget import usd
from ._svg import format_time, progress_chart, timeline_bar, timeline_span
from ._views import OUTCOME_ORDER, FailureGroup, JobPage, JobSummary, TimelineRow, running

__all__ = ["job_live", "jobs_live", "page"]


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def count(value: int) -> str:
    return f"{value:,}"


def money(value: float | None, *, unknown: str = "not known") -> str:
    return unknown if value is None else usd(value)


def page(title: str, live: str, *, events: str, crumbs: str = "") -> str:
    """A whole page: ``live`` is its first live part; ``events`` the URL that streams the next ones."""
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)} · openai-batch</title>"
        '<link rel="stylesheet" href="/static/dashboard.css">'
        '<script src="/static/dashboard.js" defer></script>'
        "</head>"
        f'<body data-events="{esc(events)}">'
        '<header class="top"><a class="brand" href="/">openai-batch dashboard</a>'
        f'{crumbs}<span class="live-state" id="live-state" data-state="static">not live</span></header>'
        f'<main id="live">{live}</main>'
        '<footer class="foot">Read-only: this page reads the job state file and never calls the API.</footer>'
        "</body></html>"
    )


def _problem(summary: JobSummary) -> str:
    return "" if summary.problem is None else f'<p class="warn" data-problem="">{esc(summary.problem)}</p>'


def _chip(status: str) -> str:
    return f'<span class="chip {esc(status)}">{esc(status.replace("_", " "))}</span>'


def _meter(done: int, total: int) -> str:
    # An SVG bar, not <meter>: styled the same in every browser and within the CSP (no inline style).
    share = 0.0 if total <= 0 else min(done / total, 1.0)
    return (
        f'<svg class="meter" viewBox="0 0 100 6" preserveAspectRatio="none" role="img" '
        f'aria-label="{share:.0%} done"><rect class="track" width="100" height="6"/>'
        f'<rect class="fill" width="{share * 100:.2f}" height="6"/></svg>'
    )


def _eta(summary: JobSummary, now: float) -> str:
    status = summary.report.status
    if status.done:
        return f"finished {esc(format_time(summary.last_seen))}" if summary.last_seen else "finished"
    if summary.eta is None:
        return "ETA not known yet"
    left = summary.eta - now
    when = f"in {format_duration(left)}" if left >= 1 else "due now, at the pace of the last polls"
    return f"ETA {esc(format_time(summary.eta))} ({esc(when)})"


def _rest(summary: JobSummary) -> str:
    pending = summary.outcomes.get("pending", 0)
    if not pending:
        return "nothing left"
    if summary.rest_low_usd is None:
        return "not known"
    high = "unbounded" if summary.rest_high_usd is None else usd(summary.rest_high_usd)
    return f"{usd(summary.rest_low_usd)} to {high}"


def _outcome_cells(outcomes: Mapping[str, int] | None) -> str:
    # None: not known (the input file cannot be read), which is not the same as none.
    return "".join(
        f'<div class="stat {name}"><dt>{name}</dt><dd data-field="outcomes.{name}">'
        f"{'&ndash;' if outcomes is None else count(outcomes.get(name, 0))}</dd></div>"
        for name in OUTCOME_ORDER
    )


def _batches(by_status: Mapping[str, int]) -> str:
    return " ".join(
        f'<span class="chip {esc(status)}" data-batches="{esc(status)}">{count(n)} {esc(status.replace("_", " "))}</span>'
        for status, n in by_status.items()
    )


def _figures(summary: JobSummary, now: float) -> str:
    status = summary.report.status
    usage = summary.report.usage
    done = status.completed + status.failed
    return (
        '<h3 class="caption">Requests, as the batches count them</h3><dl class="figures">'
        f'<div class="stat"><dt>requests</dt><dd data-field="request_count">{count(status.request_count)}</dd></div>'
        f'<div class="stat succeeded"><dt>completed</dt><dd data-field="completed">{count(status.completed)}</dd></div>'
        f'<div class="stat failed"><dt>failed</dt><dd data-field="failed">{count(status.failed)}</dd></div>'
        f'<div class="stat wide"><dt>cost so far</dt><dd data-field="usage.total.cost_usd">{money(usage.cost_usd)}</dd></div>'
        f'<div class="stat wide"><dt>estimate for the rest</dt><dd data-field="rest">{_rest(summary)}</dd></div>'
        '</dl><h3 class="caption">Each request\'s latest outcome, from the results downloaded</h3>'
        f'<dl class="figures">{_outcome_cells(summary.report.status.outcomes)}</dl>'
        f'<div class="progress">{_meter(done, status.request_count)}'
        f'<span class="muted">{count(done)} of {count(status.request_count)} done · {_eta(summary, now)}</span></div>'
    )


def _card(summary: JobSummary, now: float) -> str:
    status = summary.report.status
    row = summary.row
    done = status.completed + status.failed
    return (
        f'<article class="card job" data-job="{esc(row.job_id)}">'
        f'<h2><a href="/jobs/{esc(row.job_id)}">{esc(row.job_id)}</a> <span data-field="status">{_chip(status.status)}</span></h2>'
        f'<p class="muted">{esc(row.input_path)}</p>{_problem(summary)}'
        f'<div class="progress">{_meter(done, status.request_count)}'
        f'<span><b data-field="done">{count(done)}</b> / <span data-field="request_count">{count(status.request_count)}</span> done '
        f'<span class="muted">(<span data-field="completed">{count(status.completed)}</span> completed, '
        f'<span data-field="failed">{count(status.failed)}</span> failed)</span></span></div>'
        f'<dl class="figures compact">{_outcome_cells(summary.report.status.outcomes)}'
        f'<div class="stat wide"><dt>cost so far</dt><dd data-field="usage.total.cost_usd">{money(summary.report.usage.cost_usd)}</dd></div>'
        f'<div class="stat wide"><dt>rest</dt><dd data-field="rest">{_rest(summary)}</dd></div></dl>'
        f'<p class="batches">{_batches(summary.batches_by_status)}</p>'
        f'<p class="meta">started <span data-field="started">{esc(format_time(row.created_at))}</span> · {_eta(summary, now)}'
        f' · <span data-field="provider">{esc(summary.provider)}</span> · <code data-field="endpoint">{esc(row.endpoint)}</code></p>'
        "</article>"
    )


def jobs_live(summaries: Sequence[JobSummary], *, state_path: str, now: float | None = None) -> str:
    """The jobs list: every job, newest first."""
    now = time.time() if now is None else now
    if not summaries:
        return (
            f'<p class="empty" data-jobs="0">No jobs in <code>{esc(state_path)}</code> yet. '
            "This page shows them as soon as <code>openai-batch submit</code> records one.</p>"
        )
    cards = "".join(_card(s, now) for s in summaries)
    return (
        f'<h1>Jobs <span class="muted">in <code>{esc(state_path)}</code></span></h1>'
        f'<section class="cards" data-jobs="{len(summaries)}">{cards}</section>'
    )


def _durations(row: TimelineRow) -> str:
    parts = []
    for name, start, end in (
        ("validating", row.created_at, row.in_progress_at),
        ("running", row.in_progress_at, row.finalizing_at),
        ("finalizing", row.finalizing_at, row.ended_at),
    ):
        if start is not None and end is not None:
            parts.append(f"{name} {format_duration(max(end - start, 0))}")
    return " · ".join(parts)


def _timeline(rows: Sequence[TimelineRow], now: float) -> str:
    if not rows:
        return '<p class="empty">No batches yet.</p>'
    span = timeline_span(rows, now)
    body = []
    for row in rows:
        bar = timeline_bar(row, span) if span is not None and row.created_at is not None else ""
        body.append(
            f'<tr data-batch="{esc(row.batch_id or "")}" class="{esc(row.status)}">'
            f'<td class="num">{row.shard_index}</td><td class="num try">{row.attempt}</td>'
            f'<td class="id"><code>{esc(row.batch_id or "not sent")}</code></td>'
            f"<td>{_chip(row.status)}</td>"
            f'<td class="barcell">{bar}</td><td class="muted small durations">{esc(_durations(row))}</td></tr>'
        )
    axis = (
        f'<p class="muted small axis-note">{esc(format_time(span[0]))} → {esc(format_time(span[1]))} '
        "(the service's own timestamps)</p>"
        if span
        else ""
    )
    legend = "".join(
        f'<span class="legend {cls}">{label}</span>'
        for cls, label in (
            ("validating", "validating"),
            ("in_progress", "in progress"),
            ("finalizing", "finalizing"),
            ("completed", "ended"),
        )
    )
    return (
        f'<div class="legends">{legend}</div>{axis}'
        '<div class="scroll"><table class="timeline" data-timeline="rows">'
        '<thead><tr><th>shard</th><th class="try">try</th><th class="id">batch</th><th>status</th><th>timeline</th></tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _failures(groups: Iterable[FailureGroup], summary: JobSummary) -> str:
    items = []
    for group in groups:
        samples = "".join(
            f"<li><code>{esc(custom_id)}</code> {'' if status is None else f'HTTP {status} '}"
            f'<span class="muted">{esc(message)}</span></li>'
            for custom_id, status, message in group.samples
        )
        items.append(
            f'<div class="failure" data-code="{esc(group.code)}">'
            f'<h3><code>{esc(group.code)}</code> <span class="muted">{esc(group.outcome)}</span> '
            f'<span class="count" data-field="count">{count(group.count)}</span></h3><ul>{samples}</ul></div>'
        )
    if not items:
        if summary.outcomes.get("pending"):
            return '<p class="empty" data-failures="0">No failure among the results downloaded so far.</p>'
        return '<p class="empty" data-failures="0">No request has failed.</p>'
    return f'<div class="failures" data-failures="{len(items)}">{"".join(items)}</div>'


def _usage(summary: JobSummary) -> str:
    usage = summary.report.usage
    if not usage.models:
        return '<p class="empty">No usage yet: it is summed from result files as they are downloaded.</p>'
    rows = "".join(
        f'<tr data-model="{esc(row.model or "")}"><td><code>{esc(row.model or "(none)")}</code></td>'
        f'<td class="num">{count(row.tokens.requests)}</td><td class="num">{count(row.tokens.input_tokens)}</td>'
        f'<td class="num">{count(row.tokens.cached_tokens)}</td><td class="num">{count(row.tokens.output_tokens)}</td>'
        f'<td class="num">{count(row.tokens.reasoning_tokens)}</td>'
        f'<td class="num" data-field="cost_usd">{money(row.cost_usd, unknown="not priced")}</td></tr>'
        for row in usage.models
    )
    mismatches = "".join(f'<li class="warn">{esc(m)}</li>' for m in usage.mismatches)
    return (
        '<div class="scroll"><table class="usage"><thead><tr><th>model</th><th>requests</th><th>input</th>'
        "<th>cached</th><th>output</th><th>reasoning</th><th>cost</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div>"
        f'<p class="muted small">Batch prices as of {esc(usage.prices.as_of)}.</p>'
        + (f"<ul>{mismatches}</ul>" if mismatches else "")
    )


def job_live(page_data: JobPage, *, now: float | None = None) -> str:
    """A job's page: figures, progress chart, batch timeline, failures, usage."""
    now = time.time() if now is None else now
    summary = page_data.summary
    row = summary.row
    status = summary.report.status
    state = "running" if running(summary) else "settled"
    return (
        f'<section class="card head" data-job="{esc(row.job_id)}" data-state="{state}">'
        f'<h1><code>{esc(row.job_id)}</code> <span data-field="status">{_chip(status.status)}</span></h1>'
        f'<p class="meta"><span data-field="provider">{esc(summary.provider)}</span> · '
        f'<code data-field="endpoint">{esc(row.endpoint)}</code> · <span class="muted">{esc(row.input_path)}</span></p>'
        f'<p class="meta">started <span data-field="started">{esc(format_time(row.created_at))}</span> · {_eta(summary, now)}</p>'
        f"{_problem(summary)}{_figures(summary, now)}"
        f'<p class="batches">{_batches(summary.batches_by_status)}</p>'
        f'<p class="small"><a href="/jobs/{esc(row.job_id)}.json">the same figures as JSON</a> '
        '<span class="muted">(what <code>openai-batch status --json</code> prints)</span></p>'
        "</section>"
        '<section class="card"><h2>Progress</h2>'
        '<div class="legends"><span class="legend completed">completed</span><span class="legend failed">failed</span></div>'
        f'<div class="chart-wrap">{progress_chart(page_data.history, status.request_count, row.created_at)}</div>'
        "</section>"
        f'<section class="card"><h2>Batches <span class="muted">({len(page_data.timeline)})</span></h2>'
        f"{_timeline(page_data.timeline, now)}</section>"
        f'<section class="card"><h2>Failures</h2>{_failures(page_data.failures, summary)}</section>'
        f'<section class="card"><h2>Usage and cost</h2>{_usage(summary)}</section>'
    )
