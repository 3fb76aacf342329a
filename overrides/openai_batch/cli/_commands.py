"""What each ``openai-batch`` sub-command does; each returns its exit code."""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import shlex
import sys
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
from openai_batch_api.models import Batch, OpenAIFile

from .._batchinfo import batch_counts, batch_errors, batch_metadata, format_errors
from .._output_path import is_stdout, output_target
from .._progress import LineProgress, ProgressOption
from ..workflow import (
    DEFAULT_LIMITS,
    BatchLimits,
    InputValidationError,
    Job,
    JobNotFoundError,
    JobStatus,
    JobStore,
    ResultSummary,
    upload_batch_file,
    validate_input_file,
    wait_for_batch,
)
from ..workflow._budget import usd
from ..workflow._protocols import ClientLike
from ..workflow._prune import PrunedJob, is_finished, is_harvested, prune_job, pruned_job
from ..workflow._queue import QueuePolicy
from ..workflow._status import ended_badly
from ..workflow._store import DEFAULT_STATE_PATH
from ..workflow._usage import JobUsage
from . import _exit
from ._errors import UsageError
from ._output import PIPE_TEXT_WIDTH, Output, shorten
from ._shards import show_shards
from ._table_commands import build_for_submit, check_results_options, cmd_build, wants_table, write_results_table
from ._values import MAX_USER_METADATA_KEYS

if TYPE_CHECKING:
    from .._client import BatchClient
    from ..pricing import PriceTable

Command = Callable[[argparse.Namespace, Output], int]


def make_client(args: argparse.Namespace) -> BatchClient:
    """The client for a command: key and defaults from the environment, ``--base-url`` over them.

    Tests replace this function to run commands against a fake.
    """
    from .. import BatchClient

    return BatchClient(base_url=args.base_url)


def _state(args: argparse.Namespace) -> Path:
    return Path(args.state) if args.state else DEFAULT_STATE_PATH


def _limits(args: argparse.Namespace) -> BatchLimits:
    return BatchLimits(
        max_requests=args.max_requests_per_batch or DEFAULT_LIMITS.max_requests,
        max_bytes=args.max_bytes_per_batch or DEFAULT_LIMITS.max_bytes,
        max_embedding_inputs=args.max_embedding_inputs_per_batch or DEFAULT_LIMITS.max_embedding_inputs,
        max_tokens=getattr(args, "max_tokens_per_batch", None),
    )


def _queue(args: argparse.Namespace) -> QueuePolicy:
    return QueuePolicy(max_enqueued_tokens=dict(args.max_enqueued_tokens), max_active_batches=args.max_active_batches)


def _progress(args: argparse.Namespace, out: Output) -> ProgressOption:
    """A bar on a terminal; off one (a log, CI, or stdout holding --json) a line every --progress-interval."""
    if args.progress == "never":
        return None
    if args.progress == "always" or sys.stderr.isatty():
        return True
    return LineProgress(interval=args.progress_interval)


def _when(timestamp: object) -> str:
    if not isinstance(timestamp, int | float):
        return ""
    return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _is_job_id(identifier: str) -> bool:
    return identifier.startswith("job_")


def _open_job(client: ClientLike, args: argparse.Namespace, stack: ExitStack) -> Job | None:
    """The recorded job for ``args.id`` (a job id, or a batch id a job owns), else None."""
    path = _state(args)
    if not path.exists():
        if _is_job_id(args.id):
            raise JobNotFoundError(f"no job {args.id!r}: state file {path} does not exist")
        return None
    store = stack.enter_context(JobStore(path))
    owner = args.id if store.get_job(args.id) else store.job_of_batch(args.id)
    if owner is None:
        pruned = pruned_job(store, args.id)
        if pruned is not None:
            raise UsageError(_pruned_message(pruned))
        if _is_job_id(args.id):
            raise JobNotFoundError(f"no job {args.id!r} in {path}")
        return None
    return Job.open(client, owner, state=store)


def _pruned_record(args: argparse.Namespace) -> PrunedJob | None:
    """What a prune kept of the job ``args.id`` names, when no live job has that id."""
    path = _state(args)
    if not path.exists():
        return None
    with JobStore(path) as store:
        if store.get_job(args.id) or store.job_of_batch(args.id):
            return None
        return pruned_job(store, args.id)


def _pruned_message(pruned: PrunedJob) -> str:
    again = (
        "its files on the service were deleted too, so its results cannot be downloaded again"
        if pruned.remote_files_deleted
        else "`openai-batch submit INPUT` with the same options finds it on the service and downloads them anew"
    )
    return (
        f"job {pruned.job_id} was pruned on {pruned.when}: its local result files were removed "
        f"(`openai-batch status {pruned.job_id}` still shows it); {again}"
    )


def _outcome_exit(counts: Mapping[str, int]) -> int:
    """0 when every input's latest attempt succeeded (or is still running), 1 when any ended otherwise."""
    return _exit.FAILURES if ended_badly(counts) else _exit.OK


def _check_wait_options(args: argparse.Namespace) -> None:
    if args.max_interval < args.poll_interval:
        raise UsageError(
            f"--max-interval ({args.max_interval:g}) must be at least --poll-interval ({args.poll_interval:g})"
        )


def _check_out(path: str | None, out: Output) -> None:
    """Refuse an --out that cannot be written, before anything is sent.

    ``-`` is stdout: the data goes there, so what the command says to people goes to stderr.
    """
    if path is None:
        return
    if is_stdout(path):
        if out.as_json:
            raise UsageError("--out - and --json would both write to stdout: give --out a file, or drop --json")
        out.stream = sys.stderr
        return
    try:
        target = output_target(path)
    except IsADirectoryError:
        raise UsageError(f"--out {path}: is a directory") from None
    if target.in_place:
        return  # a FIFO or a device, written where it is
    parent = target.path.parent
    if not parent.is_dir():
        raise UsageError(f"--out {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise UsageError(f"--out {path}: directory {parent} is not writable")


def _after_wait(job: Job, status: JobStatus, args: argparse.Namespace, out: Output, result: dict[str, Any]) -> int:
    """Write the results if ``--out`` asks (else count the outcomes), record both in ``result``; the exit code."""
    if args.out:
        summary = job.write_results(args.out)
        result["results"] = summary.to_dict()
        _show_summary(out, summary)
        counts: Mapping[str, int] = summary.counts
    else:
        counts = job.outcome_counts()
    result["job"] = attrs.evolve(status, outcomes=dict(counts)).to_dict()
    result["usage"] = _usage(job, args, out)
    return _outcome_exit(counts)


def _prices(args: argparse.Namespace) -> PriceTable:
    """The price table --prices names, else the shipped one; a bad file is the caller's to fix (exit 2)."""
    from ..pricing import PriceTableError, load_prices

    try:
        return load_prices(getattr(args, "prices", None))
    except PriceTableError as exc:
        raise UsageError(f"{exc} (fix the file given to --prices)") from None


def _usage(job: Job, args: argparse.Namespace, out: Output) -> dict[str, Any]:
    """The job's usage and cost so far: shown to people, returned for the ``--json`` document."""
    usage = job.usage(prices=_prices(args))
    _show_usage(out, usage)
    return usage.to_dict()


def resume_command(argv: list[str], job_id: str) -> str:
    """The exact command that resumes a run: the same one, with ``--new`` replaced by ``--job ID``."""
    args = [a for a in argv if a != "--new"]
    if "--new" in argv and "--job" not in args:
        args += ["--job", job_id]
    return shlex.join(["openai-batch", *args])


def _batch_exit(batch: Batch) -> int:
    _, _, failed = batch_counts(batch)
    if batch.status in ("failed", "expired", "cancelled") or (batch.status == "completed" and failed):
        return _exit.FAILURES
    return _exit.OK


def _summary_exit(summary: ResultSummary) -> int:
    return _outcome_exit(summary.counts)


# --- rendering --------------------------------------------------------------------------
def _where(path: str | os.PathLike[str]) -> str:
    return "stdout" if is_stdout(path) else str(path)


def _show_job(out: Output, status: JobStatus, *, title: str | None = None) -> None:
    # One short line (it fits 80 columns): the job id whole, then where it stands.
    out.line(
        title
        or f"{status.job_id}  {status.status}  {status.completed + status.failed:,}/{status.request_count:,} done  "
        f"{status.failed:,} failed  {len(status.shards)} {'batch' if len(status.shards) == 1 else 'batches'}  "
        f"{status.endpoint}"
    )
    show_shards(out, status)


def _batch_dict(batch: Batch) -> dict[str, Any]:
    return batch.to_dict()


def _show_batch(out: Output, batch: Batch) -> None:
    total, completed, failed = batch_counts(batch)
    rows: list[list[Any]] = [
        ["id", batch.id],
        ["status", batch.status],
        ["endpoint", batch.endpoint],
        ["requests", f"{completed + failed:,}/{total:,} done, {failed:,} failed"],
        ["input file", batch.input_file_id],
        ["output file", batch.output_file_id or ""],
        ["error file", batch.error_file_id or ""],
        ["created", _when(batch.created_at)],
    ]
    errors = batch_errors(batch)
    if errors:
        rows.append(["errors", shorten(format_errors(errors), PIPE_TEXT_WIDTH)])
    metadata = batch_metadata(batch)
    if metadata:
        rows.append(["metadata", shorten(", ".join(f"{k}={v}" for k, v in metadata.items()), PIPE_TEXT_WIDTH)])
    out.table(["field", "value"], rows)


def _show_usage(out: Output, usage: JobUsage) -> None:
    if not usage.models:
        return
    out.table(
        ["model", "requests", "input tokens", "cached", "output tokens", "reasoning", "cost"],
        (
            [
                row.model or "(none)",
                f"{row.tokens.requests:,}",
                f"{row.tokens.input_tokens:,}",
                f"{row.tokens.cached_tokens:,}",
                f"{row.tokens.output_tokens:,}",
                f"{row.tokens.reasoning_tokens:,}",
                "unknown model" if row.cost_usd is None else _usd(row.cost_usd),
            ]
            for row in usage.models
        ),
    )
    cost = "not known (a model is not priced)" if usage.cost_usd is None else _usd(usage.cost_usd)
    out.line(f"used: {usage.total.describe()}; cost {cost} at batch prices as of {usage.prices.as_of}")
    if usage.unknown_models:
        names = ", ".join(str(name) for name in usage.unknown_models)
        out.line(f"not priced (not in the price table; give one with --prices): {names}")
    for mismatch in usage.mismatches:
        out.line(f"usage mismatch: {mismatch}")


def _show_summary(out: Output, summary: ResultSummary) -> None:
    out.line(f"wrote {summary.total} result(s) to {_where(summary.path)}")
    out.table(["outcome", "requests"], sorted(summary.counts.items()))


# --- commands -------------------------------------------------------------------------------
def cmd_validate(args: argparse.Namespace, out: Output) -> int:
    """Check the file as ``submit`` sends it: every line, cut into batches within the limits (one pass).

    With ``--single-batch`` the whole file must fit one batch's limits instead.
    """
    from ..workflow._shard import ShardPlanner

    limits = _limits(args)
    single = bool(args.single_batch)
    planner: ShardPlanner | None = None

    def observe(raw: bytes, item: object) -> None:
        nonlocal planner
        if planner is None:
            # The endpoint is --endpoint, else the first line's url, as the validator takes it.
            url = item.get("url") if isinstance(item, dict) else None
            endpoint = args.endpoint or (url if isinstance(url, str) else None)
            if endpoint is None:
                return
            planner = ShardPlanner(endpoint=endpoint, limits=limits)
        planner.add(raw, item)

    report = validate_input_file(
        args.file, endpoint=args.endpoint, limits=limits, check_file_limits=single, observe=None if single else observe
    )
    batches = 1 if single else (len(planner.finish()) if planner is not None and report.ok else None)
    if out.as_json:
        out.emit({**report.to_dict(), "batches": batches})
    elif report.ok:
        plural = "batch" if batches == 1 else "batches"
        how = "as one batch" if single else f"as {batches:,} {plural}"
        out.line(f"ok: {report.format()}; submit sends it {how}")
    else:
        sys.stderr.write(report.format() + "\n")
        limit_codes = {"too_many_requests", "file_too_large", "too_many_embedding_inputs"}
        if single and any(p.code in limit_codes for p in report.problems):
            sys.stderr.write("submit shards a file over one batch's limits: drop --single-batch to check it so\n")
    return _exit.OK if report.ok else _exit.VALIDATION


def cmd_submit(args: argparse.Namespace, out: Output) -> int:
    metadata = dict(args.metadata)
    if len(metadata) > MAX_USER_METADATA_KEYS:
        raise UsageError(f"--metadata: at most {MAX_USER_METADATA_KEYS} keys (a batch holds 16; the job uses 4)")
    if args.out and not args.wait:
        raise UsageError("--out needs --wait (or use `openai-batch results ID --out PATH` later)")
    _check_wait_options(args)
    _check_out(args.out, out)
    expiry = (
        None if args.output_expires_after is None else {"anchor": "created_at", "seconds": args.output_expires_after}
    )
    if wants_table(args):
        args.file = build_for_submit(args, _state(args))  # a bad row stops here: nothing is sent
    with ExitStack() as stack:
        client = stack.enter_context(make_client(args))
        job = stack.enter_context(
            Job.prepare(
                client,
                args.file,
                endpoint=args.endpoint,
                completion_window=args.completion_window,
                metadata=metadata,
                state=_state(args),
                limits=_limits(args),
                output_expires_after=expiry,
                new=args.new,
                job_id=args.job,
                queue=_queue(args),
                max_attempts=args.max_attempts,
                max_cost=args.max_cost,
                prices=_prices(args) if args.max_cost is not None else None,
            )
        )
        # From here on an interrupted run says how to resume this very job.
        args.resume_command = resume_command(list(args.argv), job.job_id)
        args.job_id = job.job_id
        if args.new:
            out.line(f"new job {job.job_id}; resume it with: {args.resume_command}")
        elif job.resumed:
            out.line(f"resuming job {job.job_id}: nothing already sent is sent again")
        try:
            job.start(deadline=args.timeout)
        finally:
            # Known even when sending failed: whether anything was sent decides what an error advises.
            args.batch_ids = job.status().batch_ids
        status = job.status()
        result: dict[str, Any] = {"job_id": job.job_id, "resumed": job.resumed, "job": status.to_dict()}
        _show_job(out, status)
        if status.queued and not args.wait:
            out.line(
                f"{status.queued} shard(s) queued until the account's batch queue has room; "
                f"`openai-batch wait {job.job_id}` sends them as batches finish"
            )
        code = _exit.OK
        if args.wait:
            status = job.wait(
                poll_interval=args.poll_interval,
                max_interval=args.max_interval,
                deadline=args.timeout,
                progress=_progress(args, out),
            )
            _show_job(out, status)
            code = _after_wait(job, status, args, out, result)
        if out.as_json:
            out.emit(result)
        return code


def _job_report(job: Job, args: argparse.Namespace, out: Output) -> int:
    """Download what finished, count the outcomes, show the job; the exit code follows the outcomes."""
    job.download_tolerant()
    status = job.status(outcomes=True)
    if not out.as_json:
        _show_job(out, status)
    usage = _usage(job, args, out)
    if out.as_json:
        out.emit({**status.to_dict(), "usage": usage})
    assert status.outcomes is not None
    return _outcome_exit(status.outcomes)


def _show_pruned(pruned: PrunedJob, out: Output) -> int:
    """A pruned job's last status, as recorded when it was pruned; the exit code follows it."""
    status = pruned.status
    if out.as_json:
        out.emit(pruned.to_dict())
    else:
        _show_job(out, status)
        remote = "; its files on the service deleted too" if pruned.remote_files_deleted else ""
        out.line(f"pruned on {pruned.when}: local files removed ({pruned.local_bytes:,} bytes){remote}")
    if status.outcomes is not None:
        return _outcome_exit(status.outcomes)
    return _exit.OK if status.succeeded else _exit.FAILURES


def cmd_status(args: argparse.Namespace, out: Output) -> int:
    pruned = _pruned_record(args)
    if pruned is not None:
        return _show_pruned(pruned, out)
    with ExitStack() as stack:
        client = stack.enter_context(make_client(args))
        job = _open_job(client, args, stack)
        if job is not None:
            job.refresh()
            return _job_report(job, args, out)
        batch = client.batches.retrieve(args.id)
        out.emit(_batch_dict(batch)) if out.as_json else _show_batch(out, batch)
        return _batch_exit(batch)


def cmd_wait(args: argparse.Namespace, out: Output) -> int:
    _check_wait_options(args)
    _check_out(args.out, out)
    with ExitStack() as stack:
        client = stack.enter_context(make_client(args))
        job = _open_job(client, args, stack)
        if job is None and args.out:
            # Results need the join that a job provides: adopt the outside batch.
            job = stack.enter_context(Job.adopt_batch(client, args.id, state=_state(args)))
        options: dict[str, Any] = {
            "poll_interval": args.poll_interval,
            "max_interval": args.max_interval,
            "deadline": args.timeout,
            "progress": _progress(args, out),
        }
        if job is not None:
            args.resume_command = shlex.join(["openai-batch", *args.argv])
            args.batch_ids = job.status().batch_ids
            job.queue = _queue(args)
            job.max_attempts = args.max_attempts
            status = job.wait(**options)
            _show_job(out, status)
            result: dict[str, Any] = {"job_id": job.job_id}
            code = _after_wait(job, status, args, out, result)
            if out.as_json:
                out.emit(result)
            return code
        batch = wait_for_batch(client, args.id, **options)
        out.emit(_batch_dict(batch)) if out.as_json else _show_batch(out, batch)
        return _batch_exit(batch)


def cmd_results(args: argparse.Namespace, out: Output) -> int:
    _check_out(args.out, out)
    check_results_options(args)
    schema = None
    if getattr(args, "schema", None):
        from ._schema import load_schema

        schema = load_schema(args.schema)  # before any request: a bad module:Model is a usage error
    with ExitStack() as stack:
        client = stack.enter_context(make_client(args))
        job = _open_job(client, args, stack)
        if job is None:
            job = stack.enter_context(Job.adopt_batch(client, args.id, state=_state(args)))
        else:
            job.refresh()
        if getattr(args, "format", None):
            return _outcome_exit(write_results_table(job, args, out, schema, _prices(args)))
        if schema is not None:
            return _write_parsed(job, schema, args.out, out)
        summary = job.write_results(args.out)
        if not out.as_json:
            _show_summary(out, summary)
        usage = _usage(job, args, out)
        if out.as_json:
            out.emit({**summary.to_dict(), "usage": usage})
        return _summary_exit(summary)


def _write_parsed(job: Job, schema: Any, path: str, out: Output) -> int:
    from ._schema import write_parsed_results

    job.download_results()
    counts, kinds = write_parsed_results(job, schema, path)
    summary = ResultSummary(Path(path), counts)
    problems = sum(kinds.values())
    if out.as_json:
        out.emit({**summary.to_dict(), "problems": problems, "problem_kinds": kinds})
    else:
        _show_summary(out, summary)
        # Every line without a parsed answer has a problem: a failed request as much as a refusal.
        detail = ", ".join(f"{n:,} {kind}" for kind, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))
        out.line(
            f"{problems:,} of {summary.total:,} result(s) have no parsed {schema.__name__}"
            + (f": {detail} (see each line's `problem`)" if detail else "")
        )
    return _summary_exit(summary)


def cmd_cancel(args: argparse.Namespace, out: Output) -> int:
    with ExitStack() as stack:
        client = stack.enter_context(make_client(args))
        job = _open_job(client, args, stack)
        if job is not None:
            status = job.cancel()
            out.emit(status.to_dict()) if out.as_json else _show_job(out, status)
            return _exit.OK
        batch = client.batches.cancel(args.id)
        out.emit(_batch_dict(batch)) if out.as_json else _show_batch(out, batch)
        return _exit.OK


def _require_job(client: ClientLike, args: argparse.Namespace, stack: ExitStack) -> Job:
    job = _open_job(client, args, stack)
    if job is None:
        job = stack.enter_context(Job.adopt_batch(client, args.id, state=_state(args)))
    return job


def cmd_resubmit(args: argparse.Namespace, out: Output) -> int:
    with ExitStack() as stack:
        client = stack.enter_context(make_client(args))
        job = _require_job(client, args, stack)
        sent = job.resubmit_unfinished(include_failed=args.include_failed)
        status = job.status()
        if out.as_json:
            out.emit({"resubmitted": sent, "job": status.to_dict()})
        else:
            out.line(f"resubmitted {sent} request(s) of job {job.job_id}")
            _show_job(out, status)
        return _exit.OK


def cmd_retry(args: argparse.Namespace, out: Output) -> int:
    with ExitStack() as stack:
        client = stack.enter_context(make_client(args))
        job = _require_job(client, args, stack)
        job.refresh()
        retried = job.retry_failed(delay=args.delay)
        status = job.status()
        if out.as_json:
            out.emit({"retried_shards": retried, "job": status.to_dict()})
        else:
            out.line(f"retried {len(retried)} failed batch(es) of job {job.job_id}")
            _show_job(out, status)
        return _exit.OK


def cmd_list(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as client:
        batches: list[Batch] = []
        for batch in client.batches.list(limit=min(args.limit, 100)):
            batches.append(batch)
            if len(batches) >= args.limit:
                break
    if out.as_json:
        out.emit([_batch_dict(b) for b in batches])
        return _exit.OK
    rows = []
    for b in batches:
        total, completed, failed = batch_counts(b)
        rows.append(
            [b.id, b.status, b.endpoint, f"{completed + failed:,}/{total:,}", f"{failed:,}", _when(b.created_at)]
        )
    out.table(["batch", "status", "endpoint", "done", "failed", "created"], rows, optional=("created", "endpoint"))
    return _exit.OK


def cmd_jobs(args: argparse.Namespace, out: Output) -> int:
    path = _state(args)
    if not path.exists():
        out.emit([]) if out.as_json else out.line(f"no jobs yet ({path} does not exist)")
        return _exit.OK
    records: list[dict[str, Any]] = []
    table: list[list[Any]] = []
    with JobStore(path) as store:
        for row in store.list_jobs():
            shards = store.shards(row.job_id)
            batches = [s.batch_id for s in shards if s.batch_id]
            statuses = "+".join(sorted({s.status for s in shards}))
            records.append(
                {
                    "job_id": row.job_id,
                    "input_path": row.input_path,
                    "endpoint": row.endpoint,
                    "requests": row.request_count,
                    "batches": batches,
                    "status": statuses,
                    "created": _when(row.created_at),
                }
            )
            table.append(
                [row.job_id, row.input_path, f"{row.request_count:,}", len(batches), statuses, _when(row.created_at)]
            )
    if out.as_json:
        out.emit(records)
    else:
        out.table(
            ["job", "input", "requests", "batches", "status", "created"],
            table,
            optional=("created", "input", "batches"),
        )
    return _exit.OK


def cmd_prune(args: argparse.Namespace, out: Output) -> int:
    path = _state(args)
    if not path.exists():
        out.emit([]) if out.as_json else out.line(f"nothing to prune ({path} does not exist)")
        return _exit.OK
    with ExitStack() as stack:
        store = stack.enter_context(JobStore(path))
        if args.ids:
            rows = []
            for identifier in args.ids:
                row = store.get_job(identifier)
                if row is None and store.get_pruned(identifier) is not None:
                    raise UsageError(f"job {identifier} is already pruned; nothing pruned")
                if row is None:
                    raise JobNotFoundError(f"no job {identifier!r} in {path}")
                if not is_finished(store, row):
                    raise UsageError(
                        f"job {identifier} is not finished (wait for it or cancel it first); nothing pruned"
                    )
                rows.append(row)
        else:
            # Every job at once only when its results are here: never delete unread results in bulk.
            rows = [row for row in store.list_jobs() if is_harvested(store, row)]
        client = stack.enter_context(make_client(args)) if args.remote and rows else None
        reports = [prune_job(client, store, row) for row in rows]
        if reports:
            store.compact()
    if out.as_json:
        out.emit([r.to_dict() for r in reports])
    else:
        for r in reports:
            remote = f", deleted {len(r.remote_files)} file(s) on the service" if args.remote else ""
            out.line(f"pruned {r.job_id}: {r.local_bytes:,} bytes{remote}")
        if not reports:
            out.line("no finished job to prune")
    return _exit.OK


def _file_row(f: OpenAIFile) -> list[Any]:
    return [f.id, f.filename, f.purpose, f.bytes_, _when(f.created_at)]


def cmd_files(args: argparse.Namespace, out: Output) -> int:
    with make_client(args) as client:
        action = args.files_command
        if action == "list":
            # --limit caps how many are shown; pages are fetched lazily until then.
            pager = client.files.list(purpose=args.purpose, limit=args.limit)
            files = list(itertools.islice(pager, args.limit)) if args.limit is not None else list(pager)
            if out.as_json:
                out.emit([f.to_dict() for f in files])
            else:
                out.table(
                    ["file", "name", "purpose", "bytes", "created"],
                    (_file_row(f) for f in files),
                    optional=("created", "purpose"),
                )
        elif action == "upload":
            if args.purpose == "batch" and not args.no_validate:
                uploaded = upload_batch_file(client, args.file, endpoint=args.endpoint)
            else:
                uploaded = client.files.create(file=Path(args.file), purpose=args.purpose)
            out.emit(uploaded.to_dict()) if out.as_json else out.line(f"uploaded {args.file} as {uploaded.id}")
        elif action == "download":
            _check_out(args.out, out)
            written = client.files.content(args.file_id).write_to(args.out)
            out.emit({"file_id": args.file_id, "path": str(written)}) if out.as_json else out.line(
                f"downloaded {args.file_id} to {_where(written)}"
            )
        elif action == "delete":
            deleted = client.files.delete(args.file_id)
            out.emit(deleted.to_dict()) if out.as_json else out.line(f"deleted {args.file_id}")
    return _exit.OK


def cmd_serve(args: argparse.Namespace, out: Output) -> int:
    try:
        from ..server.arguments import serve_from_args
    except ImportError as exc:
        raise UsageError(
            f"the local server needs the `server` extra (pip install 'openai-batch-client[server]'): {exc}"
        ) from None
    return serve_from_args(args)


def _usd(value: float | None) -> str:
    return "unbounded" if value is None else usd(value)


def cmd_estimate(args: argparse.Namespace, out: Output) -> int:
    from ..pricing import PriceTableError, estimate_file_cost, load_prices

    try:
        prices = load_prices(args.prices)
    except PriceTableError as exc:
        raise UsageError(f"{exc} (fix the file given to --prices)") from None
    estimate = estimate_file_cost(args.file, prices)
    if out.as_json:
        out.emit(estimate.to_dict())
        return _exit.OK
    rows = [
        [
            row.model or "(none)",
            row.requests,
            row.input_tokens,
            row.max_output_tokens if row.bounded else f"unbounded ({row.unbounded_requests} req.)",
            _usd(row.low_usd) if row.known else "unknown model",
            _usd(row.high_usd) if row.known else "unknown model",
        ]
        for row in estimate.models
    ]
    out.table(["model", "requests", "input tokens", "max output tokens", "low", "high"], rows)
    if estimate.unknown_models:
        out.line("total: not known (a model is not priced)")
    elif estimate.models:
        out.line(f"total: {_usd(estimate.total_low_usd)} to {_usd(estimate.total_high_usd)}")
    if estimate.unknown_models:
        names = ", ".join(str(name) for name in estimate.unknown_models)
        out.line(f"not priced (not in the price table; give one with --prices): {names}")
    if estimate.invalid_lines:
        out.line(f"{estimate.invalid_lines} line(s) are not requests and were left out (see `openai-batch validate`)")
    out.line(f"batch prices as of {prices.as_of}, verify: {prices.source or 'your own table'}")
    return _exit.OK


COMMANDS: dict[str, Command] = {
    "validate": cmd_validate,
    "submit": cmd_submit,
    "status": cmd_status,
    "wait": cmd_wait,
    "results": cmd_results,
    "cancel": cmd_cancel,
    "resubmit": cmd_resubmit,
    "retry": cmd_retry,
    "list": cmd_list,
    "jobs": cmd_jobs,
    "prune": cmd_prune,
    "files": cmd_files,
    "serve": cmd_serve,
    "estimate": cmd_estimate,
    "build": cmd_build,
}

__all__ = ["COMMANDS", "InputValidationError", "UsageError", "make_client"]
