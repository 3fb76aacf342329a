"""The table commands: ``build`` (a table to requests), ``submit`` of a table, ``results --format``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from . import _exit
from ._errors import UsageError
from ._output import Output

if TYPE_CHECKING:
    from ..pricing import PriceTable
    from ..tables import RequestTemplate
    from ..workflow import Job

__all__ = ["build_for_submit", "check_results_options", "cmd_build", "wants_table", "write_results_table"]


def _tables() -> Any:
    try:
        from .. import tables

        tables.require_pyarrow()
    except ImportError as exc:
        raise UsageError(str(exc)) from None
    return tables


_TEMPLATE_FLAGS = ("model", "id_column", "system", "schema", "schema_file", "max_completion_tokens")


def wants_table(args: argparse.Namespace) -> bool:
    """Whether ``submit``'s FILE is a table to build requests from (a template was given).

    A template's other flags without a template would be ignored: they are refused instead.
    """
    if getattr(args, "template", None) or getattr(args, "template_file", None):
        return True
    given = [f"--{name.replace('_', '-')}" for name in _TEMPLATE_FLAGS if getattr(args, name, None) is not None]
    if given:
        raise UsageError(f"{', '.join(given)} build requests from a table: give --template or --template-file too")
    return False


def check_results_options(args: argparse.Namespace) -> None:
    """``--columns`` and ``--schema-file`` shape a table: without ``--format`` they would be ignored."""
    if getattr(args, "format", None) is None:
        given = [
            flag
            for flag, name in (("--columns", "columns"), ("--schema-file", "schema_file"))
            if getattr(args, name, None)
        ]
        if given:
            raise UsageError(f"{', '.join(given)} shape the results table: give --format parquet, csv or jsonl too")


def template_from_args(args: argparse.Namespace, endpoint: str | None) -> RequestTemplate:
    tables = _tables()
    if args.model is None:
        raise UsageError("--model is needed with --template")
    if args.template_file is not None:
        try:
            prompt = Path(args.template_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--template-file {args.template_file}: {exc.strerror or exc}") from None
    else:
        prompt = args.template
    response_format: Any = None
    if args.schema is not None:
        from ._schema import load_schema

        response_format = load_schema(args.schema)
    elif args.schema_file is not None:
        response_format = tables.load_schema_file(args.schema_file)
    try:
        template: RequestTemplate = tables.RequestTemplate(
            prompt,
            model=args.model,
            system=args.system,
            max_completion_tokens=args.max_completion_tokens,
            response_format=response_format,
            endpoint=endpoint or "/v1/chat/completions",
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return template


def cmd_build(args: argparse.Namespace, out: Output) -> int:
    tables = _tables()
    template = template_from_args(args, args.endpoint)
    built = tables.write_requests(args.table, args.out, template, id_column=args.id_column)
    if out.as_json:
        out.emit(built.to_dict())
    else:
        kept = f"; its columns kept in {built.columns_path}" if built.columns_path else ""
        out.line(f"wrote {built.rows:,} request(s) for {built.model} to {built.path}{kept}")
    return _exit.OK


def build_for_submit(args: argparse.Namespace, state: Path) -> str:
    """Build ``submit``'s table into a request file under the state folder; returns its path."""
    tables = _tables()
    template = template_from_args(args, args.endpoint)
    path = tables.write_job_input(args.file, template, id_column=args.id_column, state=state)
    return str(path)


@contextmanager
def _destination(path: str) -> Iterator[IO[bytes]]:
    """``-``: stdout; else a temporary name renamed to ``path`` when all is written."""
    if path == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as stream:
            yield stream
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_results_table(
    job: Job, args: argparse.Namespace, out: Output, schema: Any, prices: PriceTable
) -> dict[str, int]:
    """``results --format``: the results table written to ``--out`` (``-``: stdout); returns the outcome counts."""
    tables = _tables()
    if args.out == "-" and out.as_json:
        raise UsageError("--out - writes the table to stdout; --json cannot share it")
    parse = schema if schema is not None else None
    if args.schema_file is not None:
        parse = tables.load_schema_file(args.schema_file)
    columns = [c.strip() for c in args.columns.split(",") if c.strip()] if args.columns else None
    job.download_results()
    stream = tables.result_batches(
        job.store, job.job_id, endpoint=job.endpoint, columns=columns, parse=parse, prices=prices
    )
    counts: dict[str, int] = {}

    def counted() -> Iterator[Any]:
        for batch in stream.batches:
            for value in batch.column("outcome").to_pylist():
                counts[value] = counts.get(value, 0) + 1
            yield batch

    with _destination(args.out) as destination:
        rows = tables.write_batches(stream.schema, counted(), destination, args.format)
    summary = {"path": args.out, "format": args.format, "rows": rows, "counts": counts}
    if out.as_json:
        out.emit(summary)
    elif args.out != "-":
        out.line(f"wrote {rows:,} row(s) to {args.out} ({args.format})")
        out.table(["outcome", "requests"], sorted(counts.items()))
    return counts
