"""Flags of the table commands: ``build``, ``submit`` of a table, ``results --format``."""

from __future__ import annotations

import argparse

from ._values import positive_int

__all__ = ["BUILD_EXAMPLE", "add_results_format", "add_template_options"]

BUILD_EXAMPLE = (
    "example:\n"
    "  openai-batch build reviews.csv --template 'Classify this review: {text}' --model gpt-4o-mini \\\n"
    "      --id-column review_id --schema-file review.schema.json -o requests.jsonl"
)


def add_template_options(parser: argparse.ArgumentParser, *, required: bool) -> None:
    """The request template over a table's columns (with ``required``, a template must be given)."""
    prompt = parser.add_mutually_exclusive_group(required=required)
    prompt.add_argument(
        "--template", default=None, metavar="TEXT", help="the user message, over the columns: 'Classify: {text}'"
    )
    prompt.add_argument("--template-file", default=None, metavar="FILE", help="the same template, read from FILE")
    parser.add_argument(
        "--model", default=None, required=required, metavar="MODEL", help="the model of every request (with a template)"
    )
    parser.add_argument(
        "--id-column", default=None, metavar="COLUMN", help="custom_id from this column (unique); default row-<n>"
    )
    parser.add_argument("--system", default=None, metavar="TEXT", help="a system message (a template too)")
    schema = parser.add_mutually_exclusive_group()
    schema.add_argument(
        "--schema",
        default=None,
        metavar="MODULE:MODEL",
        help="ask for this pydantic model's JSON (imported from the current directory); needs the structured extra",
    )
    schema.add_argument("--schema-file", default=None, metavar="FILE", help="ask for JSON in this JSON schema")
    parser.add_argument(
        "--max-completion-tokens", type=positive_int, default=None, metavar="N", help="cap each answer at N tokens"
    )


def add_results_format(parser: argparse.ArgumentParser) -> None:
    """``results --format``: one table row per input instead of result lines."""
    parser.add_argument(
        "--format",
        choices=["parquet", "csv", "jsonl"],
        default=None,
        help="write a table, one row per input: its own columns, outcome, answer, parsed fields, tokens, cost "
        "(needs the tables extra); --out - writes it to stdout",
    )
    parser.add_argument(
        "--columns",
        default=None,
        metavar="A,B",
        help="with --format: the input columns to keep (default all that were kept when the requests were built)",
    )
    parser.add_argument(
        "--schema-file",
        default=None,
        metavar="FILE",
        help="with --format: flatten answers in this JSON schema into columns (instead of --schema)",
    )
