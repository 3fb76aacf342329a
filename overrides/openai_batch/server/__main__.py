"""`python -m openai_batch.server`: serve the local Batch API in the foreground.

The accepted API key, if one is required, comes from the environment variable
OPENAI_BATCH_SERVER_API_KEY rather than the command line, where other users could read it.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Sequence
from typing import Any

from .limits import TOKEN_LIMIT_MODES
from .options import ServerOptions
from .runner import run

_DEFAULTS = ServerOptions()


def _model_limit(text: str) -> tuple[str, int]:
    model, sep, number = text.partition("=")
    try:
        if not sep or not model:
            raise ValueError
        return model, int(number.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected MODEL=N (e.g. gpt-4o-mini=2000000), got {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m openai_batch.server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--data-dir", default=None, help="state directory (default: a temporary one)")
    parser.add_argument("--speed", type=float, default=_DEFAULTS.speed, help="simulated seconds per real second")
    parser.add_argument("--throughput", type=float, default=_DEFAULTS.throughput, help="requests per simulated second")
    parser.add_argument("--validating-seconds", type=float, default=_DEFAULTS.validating_seconds)
    parser.add_argument("--finalizing-seconds", type=float, default=_DEFAULTS.finalizing_seconds)
    parser.add_argument("--cancelling-seconds", type=float, default=_DEFAULTS.cancelling_seconds)
    parser.add_argument("--tick-interval", type=float, default=_DEFAULTS.tick_interval, help="real seconds")
    parser.add_argument("--chunk-size", type=int, default=_DEFAULTS.chunk_size)
    parser.add_argument("--fail-custom-id-pattern", default=None, help="regex of custom_ids that fail")
    parser.add_argument("--fail-rate", type=float, default=0.0, help="fraction of requests that fail")
    parser.add_argument("--fail-status-code", type=int, default=_DEFAULTS.fail_status_code)
    parser.add_argument("--fail-times", type=int, default=None, help="a failing custom_id fails only its first N runs")
    parser.add_argument("--enqueued-token-limit", type=int, default=None, help="enqueued-token limit of every model")
    parser.add_argument(
        "--enqueued-token-limits",
        type=_model_limit,
        action="append",
        default=[],
        metavar="MODEL=N",
        help="enqueued-token limit of one model (repeatable; overrides --enqueued-token-limit)",
    )
    parser.add_argument(
        "--token-limit-mode",
        choices=TOKEN_LIMIT_MODES,
        default=_DEFAULTS.token_limit_mode,
        help="fail: batches over the limit are created and then fail (the service); reject: create answers 400",
    )
    parser.add_argument("--log-level", default="info")
    return parser


def options_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The ServerOptions keyword arguments given on the command line."""
    return {
        "throughput": args.throughput,
        "validating_seconds": args.validating_seconds,
        "finalizing_seconds": args.finalizing_seconds,
        "cancelling_seconds": args.cancelling_seconds,
        "tick_interval": args.tick_interval,
        "chunk_size": args.chunk_size,
        "fail_custom_id_pattern": args.fail_custom_id_pattern,
        "fail_rate": args.fail_rate,
        "fail_status_code": args.fail_status_code,
        "fail_times": args.fail_times,
        "enqueued_token_limit": args.enqueued_token_limit,
        "enqueued_token_limits": dict(args.enqueued_token_limits),
        "token_limit_mode": args.token_limit_mode,
    }


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    run(
        host=args.host,
        port=args.port,
        data_dir=args.data_dir,
        speed=args.speed,
        log_level=args.log_level,
        **options_from_args(args),
        required_api_key=os.environ.get("OPENAI_BATCH_SERVER_API_KEY") or None,
    )


if __name__ == "__main__":
    main()
