"""The ``openai-batch`` argument parser: sub-commands, options and help with examples.

Every flag's value is checked here, by its type, before a command runs: a bad value
(``--poll-interval -1``) ends in one line and exit 2, never a traceback after a batch
was already created and billed.
"""

from __future__ import annotations

import argparse
from typing import NoReturn

from .._help_text import HelpFormatter
from ._errors import CommandLineError
from ._exit import EXIT_CODES_HELP
from ._table_args import BUILD_EXAMPLE, add_results_format, add_template_options
from ._values import (
    attempts,
    batch_endpoint,
    completion_window,
    cost_usd,
    job_id,
    max_bytes,
    max_embedding_inputs,
    max_requests,
    metadata_item,
    model_tokens,
    non_negative,
    output_expiry,
    positive,
    positive_int,
)


class OneLineParser(argparse.ArgumentParser):
    """An argument error is one line (naming the command and the flag), then exit 2.

    The line is printed by ``main``: on stderr, or as the JSON document under ``--json``.
    """

    def error(self, message: str) -> NoReturn:
        raise CommandLineError(self.prog, message)


EXAMPLES = (
    """examples:
  openai-batch validate requests.jsonl
  openai-batch build reviews.csv --template 'Classify: {text}' --model gpt-4o-mini -o requests.jsonl
  openai-batch submit requests.jsonl --wait --out results.jsonl
  openai-batch submit big.jsonl --max-requests-per-batch 10000      # shard into batches of 10,000
  openai-batch submit requests.jsonl --new                           # another job for the same file
  openai-batch status job_0123456789abcdef
  openai-batch wait batch_abc123 --timeout 3600
  openai-batch results job_0123456789abcdef --out results.jsonl
  openai-batch results job_0123456789abcdef --format csv --out labels.csv   # a table, input columns kept
  openai-batch resubmit job_0123456789abcdef                         # only what expired/was cancelled
  openai-batch cancel batch_abc123
  openai-batch list --limit 20 --json
  openai-batch files upload requests.jsonl
  openai-batch serve --port 8000 --speed 600                         # local Batch API for trying things

environment:
  OPENAI_API_KEY     the API key (never passed on the command line, never printed)
  OPENAI_BASE_URL    API root (default https://api.openai.com/v1); --base-url overrides it
  OPENAI_ORG_ID, OPENAI_PROJECT_ID

Rerunning `submit` with the same file and options resumes the job: its id is derived from
them, and every upload and batch carries tags derived from it, so the run finds on the
service what was already sent, even after a crash, with the state file deleted, or on
another machine. Nothing is sent twice. `openai-batch prune` removes finished jobs' files.

"""
    + EXIT_CODES_HELP
)


def _common(*, suppress: bool) -> OneLineParser:
    # The same options on the main parser and on every sub-command, so they may come before
    # or after the command name; SUPPRESS keeps a sub-command from resetting the main value.
    default = argparse.SUPPRESS if suppress else None
    parser = OneLineParser(add_help=False)
    parser.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="print one JSON document (for scripts) instead of tables",
    )
    parser.add_argument(
        "--state", default=default, metavar="PATH", help="job state file (default .openai-batch/jobs.sqlite)"
    )
    parser.add_argument("--base-url", default=default, metavar="URL", help="API root URL (default $OPENAI_BASE_URL)")
    return parser


def _wait_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--poll-interval", type=positive, default=5.0, metavar="S", help="first poll interval, seconds (default 5)"
    )
    parser.add_argument(
        "--max-interval", type=positive, default=60.0, metavar="S", help="longest poll interval (default 60)"
    )
    parser.add_argument(
        "--timeout",
        type=positive,
        default=None,
        metavar="S",
        help="give up after S seconds (exit 5); transient faults are waited out until then",
    )
    parser.add_argument(
        "--progress",
        choices=["auto", "always", "never"],
        default="auto",
        help="progress on stderr: auto = a bar on a terminal, else a line every --progress-interval (default)",
    )
    parser.add_argument(
        "--progress-interval",
        type=positive,
        default=30.0,
        metavar="S",
        help="off a terminal, seconds between two progress lines (default 30)",
    )


def _queue_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-enqueued-tokens",
        type=model_tokens,
        action="append",
        default=[],
        metavar="MODEL=N",
        help="the account's enqueued-token limit for MODEL (repeatable); default: learnt from token_limit_exceeded",
    )
    parser.add_argument(
        "--max-active-batches", type=positive_int, default=None, metavar="N", help="at most N batches running at once"
    )
    parser.add_argument(
        "--max-attempts",
        type=attempts,
        default=3,
        metavar="N",
        help="send a request at most N times when it fails with 429/5xx or expires (default 3; 1 = never again)",
    )


def _price_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--prices",
        default=None,
        metavar="FILE",
        help="a price table of your own for the cost figures (JSON, as the shipped one)",
    )


def _limit_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-requests-per-batch",
        type=max_requests,
        default=None,
        metavar="N",
        help="shard at N requests (default 50,000)",
    )
    parser.add_argument(
        "--max-bytes-per-batch",
        type=max_bytes,
        default=None,
        metavar="N",
        help="shard at N bytes (default 209,715,200)",
    )
    parser.add_argument(
        "--max-tokens-per-batch",
        type=positive_int,
        default=None,
        metavar="N",
        help="shard at N estimated input tokens (default: no cap; set it at or under the queue's limit)",
    )
    parser.add_argument(
        "--max-embedding-inputs-per-batch",
        type=max_embedding_inputs,
        default=None,
        metavar="N",
        help="shard at N embedding inputs (default 50,000)",
    )


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("openai-batch-client")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    common = _common(suppress=True)
    parser = OneLineParser(
        prog="openai-batch",
        description="Run OpenAI Batch API jobs: validate, shard, submit, wait, collect results, resume.",
        epilog=EXAMPLES,
        formatter_class=HelpFormatter,
        parents=[_common(suppress=False)],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=OneLineParser, help="one of these commands"
    )

    def command(name: str, help: str, epilog: str | None = None) -> argparse.ArgumentParser:
        return commands.add_parser(
            name,
            help=help,
            description=help,
            parents=[common],
            epilog=epilog,
            formatter_class=HelpFormatter,
        )

    submit = command(
        "submit",
        "validate FILE, shard it, upload the shards and create their batches (resumes a recorded job)",
        "example:\n  openai-batch submit requests.jsonl --endpoint /v1/chat/completions --wait --out results.jsonl",
    )
    submit.add_argument(
        "file", metavar="FILE", help="JSONL input file, one request per line (or a table, with --template)"
    )
    add_template_options(submit, required=False)
    submit.add_argument(
        "--endpoint", type=batch_endpoint, default=None, help="batch endpoint (default: the url of the first line)"
    )
    submit.add_argument("--completion-window", type=completion_window, default="24h", help="24h (the only one)")
    submit.add_argument(
        "--metadata",
        type=metadata_item,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="batch metadata (repeatable, at most 12 keys)",
    )
    submit.add_argument(
        "--output-expires-after",
        type=output_expiry,
        default=None,
        metavar="S",
        help="delete the output files S seconds after creation (3600 to 2592000)",
    )
    submit.add_argument("--wait", action="store_true", help="wait for every batch, with a progress bar")
    submit.add_argument(
        "--out", default=None, metavar="PATH", help="with --wait: write one result line per request here"
    )
    again = submit.add_mutually_exclusive_group()
    again.add_argument(
        "--new", action="store_true", help="start another job for this file (its id is printed; billed again)"
    )
    again.add_argument(
        "--job", type=job_id, default=None, metavar="JOB_ID", help="resume this job (one made with --new)"
    )
    submit.add_argument(
        "--max-cost",
        type=cost_usd,
        default=None,
        metavar="USD",
        help="refuse (exit 2, nothing uploaded) when the upper cost estimate is over USD, or unbounded",
    )
    _price_option(submit)
    _limit_options(submit)
    _queue_options(submit)
    _wait_options(submit)

    status = command(
        "status", "show a job (job_…) or batch (batch_…)", "example:\n  openai-batch status batch_abc123 --json"
    )
    status.add_argument("id", metavar="ID", help="a job id (job_…) or a batch id (batch_…)")
    _price_option(status)

    wait = command(
        "wait",
        "wait until a job or batch finishes, with a progress bar",
        "example:\n  openai-batch wait job_0123456789abcdef --out results.jsonl --timeout 3600",
    )
    wait.add_argument("id", metavar="ID", help="a job id (job_…) or a batch id (batch_…)")
    wait.add_argument("--out", default=None, metavar="PATH", help="then write the results here")
    _price_option(wait)
    _queue_options(wait)
    _wait_options(wait)

    results = command(
        "results",
        "write one result line per input request (succeeded, failed, expired, cancelled, missing)",
        "example:\n  openai-batch results job_0123456789abcdef --out results.jsonl",
    )
    results.add_argument("id", metavar="ID", help="a job id (job_…), or a batch id (batch_…) to adopt as a job")
    results.add_argument("--out", required=True, metavar="PATH", help="write one result line per input request here")
    results.add_argument(
        "--schema",
        default=None,
        metavar="MODULE:MODEL",
        help="validate each structured-output answer against this pydantic model (imported from the current "
        "directory); each line gains `parsed` and `problem` (needs the structured extra)",
    )
    add_results_format(results)
    _price_option(results)

    build = command(
        "build", "write one request per row of a table (Parquet, CSV, JSONL) from a template", BUILD_EXAMPLE
    )
    build.add_argument("table", metavar="TABLE", help="a .parquet, .csv, .tsv or .jsonl table")
    add_template_options(build, required=True)
    build.add_argument(
        "--endpoint",
        choices=["/v1/chat/completions", "/v1/responses"],
        default=None,
        help="the endpoint the requests are for (default /v1/chat/completions)",
    )
    build.add_argument("-o", "--out", required=True, metavar="PATH", help="the request file to write (JSONL)")

    cancel = command(
        "cancel",
        "cancel a job's running batches, or one batch",
        "example:\n  openai-batch cancel batch_abc123      # finished results stay available",
    )
    cancel.add_argument("id", metavar="ID", help="a job id (job_…) or a batch id (batch_…)")

    resubmit = command(
        "resubmit",
        "send again only the requests of a job that did not run (expired, cancelled, missing)",
        "example:\n  openai-batch resubmit job_0123456789abcdef --include-failed",
    )
    resubmit.add_argument("id", metavar="ID", help="the job id (job_…)")
    resubmit.add_argument("--include-failed", action="store_true", help="also resend requests that failed")

    retry = command(
        "retry",
        "create new batches for a job's batches that failed as a whole (e.g. token_limit_exceeded)",
        "example:\n  openai-batch retry job_0123456789abcdef --delay 600",
    )
    retry.add_argument("id", metavar="ID", help="the job id (job_…)")
    retry.add_argument("--delay", type=non_negative, default=0.0, metavar="S", help="wait S seconds first")

    listing = command(
        "list", "list batches on the server, newest first", "example:\n  openai-batch list --limit 50 --json"
    )
    listing.add_argument("--limit", type=positive_int, default=20, metavar="N", help="how many (default 20)")

    command("jobs", "list the jobs recorded in the state file", "example:\n  openai-batch jobs --state ./jobs.sqlite")

    prune = command(
        "prune",
        "remove finished jobs' local files (results, index, copies); --remote also deletes their files on the service",
        "examples:\n  openai-batch prune                       # every finished job whose results are downloaded\n"
        "  openai-batch prune job_0123456789abcdef --remote",
    )
    prune.add_argument(
        "ids",
        nargs="*",
        metavar="JOB_ID",
        type=job_id,
        help="finished jobs to prune (default: every finished job whose results are downloaded); "
        "`status` still shows a pruned job",
    )
    prune.add_argument(
        "--remote", action="store_true", help="also delete the jobs' input, output and error files on the service"
    )

    validate = command(
        "validate",
        "check an input file against every Batch API rule (exit 4 on problems)",
        "example:\n  openai-batch validate requests.jsonl --max-requests-per-batch 10000",
    )
    validate.add_argument("file", metavar="FILE", help="JSONL input file, one request per line")
    validate.add_argument(
        "--endpoint", type=batch_endpoint, default=None, help="batch endpoint (default: the url of the first line)"
    )
    validate.add_argument(
        "--single-batch",
        action="store_true",
        help="check the file against one batch's limits (by default it is checked as submit sends it: sharded)",
    )
    validate.add_argument(
        "--sharded", action="store_true", help="check the file as submit shards it (the default; kept for scripts)"
    )
    _limit_options(validate)

    estimate = command(
        "estimate",
        "estimate FILE's input tokens, output bounds and cost per model at batch prices (nothing is sent)",
        "examples:\n  openai-batch estimate requests.jsonl\n  openai-batch estimate requests.jsonl --prices my-prices.json --json",
    )
    estimate.add_argument("file", metavar="FILE", help="JSONL input file, one request per line")
    estimate.add_argument(
        "--prices", default=None, metavar="FILE", help="a price table of your own (JSON, as the shipped one)"
    )

    files = command(
        "files",
        "manage files: list, upload, download, delete",
        "examples:\n"
        "  openai-batch files list --purpose batch --limit 20\n"
        "  openai-batch files upload requests.jsonl\n"
        "  openai-batch files download file-abc123 --out results.jsonl\n"
        "  openai-batch files delete file-abc123",
    )
    file_commands = files.add_subparsers(
        dest="files_command", metavar="ACTION", required=True, parser_class=OneLineParser, help="one of these actions"
    )

    def file_command(name: str, help: str) -> argparse.ArgumentParser:
        return file_commands.add_parser(
            name, help=help, description=help, parents=[common], formatter_class=HelpFormatter
        )

    files_list = file_command("list", "list files")
    files_list.add_argument("--purpose", default=None, help="only files of this purpose (batch, batch_output, ...)")
    files_list.add_argument("--limit", type=positive_int, default=None, metavar="N", help="how many (default all)")
    upload = file_command("upload", "upload a file (batch input is validated first)")
    upload.add_argument("file", metavar="FILE", help="the file to upload")
    upload.add_argument("--purpose", default="batch", help="the file's purpose (default batch)")
    upload.add_argument(
        "--endpoint", type=batch_endpoint, default=None, help="for purpose batch: the endpoint every line must use"
    )
    upload.add_argument("--no-validate", action="store_true", help="skip validation (not recommended)")
    download = file_command("download", "download a file's content (atomically)")
    download.add_argument("file_id", metavar="FILE_ID", help="the file's id (file-…)")
    download.add_argument("--out", required=True, metavar="PATH", help="write the content here")
    delete = file_command("delete", "delete a file")
    delete.add_argument("file_id", metavar="FILE_ID", help="the file's id (file-…)")

    # `serve` runs a server, not a job: its own flags only (no --state, --base-url or --json),
    # defined once with `python -m openai_batch.server`.
    from ..server.arguments import SERVE_EXAMPLES, add_server_arguments

    serve = commands.add_parser(
        "serve",
        help="run the local Batch API server (needs the `server` extra)",
        description="Run the local Batch API server on this machine, in the foreground, until Ctrl-C.",
        epilog=SERVE_EXAMPLES,
        formatter_class=HelpFormatter,
    )
    add_server_arguments(serve)
    return parser
