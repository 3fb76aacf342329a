"""The local server's command-line options, defined once for ``openai-batch serve`` and
``python -m openai_batch.server``, and the foreground run both of them start.

The accepted API key never appears on the command line (other users could read it there):
``--api-key-env NAME`` names the environment variable holding it, by default
``OPENAI_BATCH_SERVER_API_KEY``. Without that variable any non-empty key is accepted.

Example::

    parser = argparse.ArgumentParser()
    add_server_arguments(parser)
    serve_from_args(parser.parse_args(["--port", "8000", "--speed", "600"]))
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

from .._exceptions import OpenAIBatchError
from ..cli._values import fraction, non_negative, port, positive, positive_int
from .limits import TOKEN_LIMIT_MODES
from .options import ServerOptions, build_options

__all__ = [
    "API_KEY_ENV",
    "SERVE_EXAMPLES",
    "WEBHOOK_SECRET_ENV",
    "add_server_arguments",
    "options_from_args",
    "serve_from_args",
]

#: Where the accepted key is read from unless ``--api-key-env`` names another variable.
API_KEY_ENV = "OPENAI_BATCH_SERVER_API_KEY"

#: Where the webhook signing secret is read from when ``--webhook-secret`` is not given.
WEBHOOK_SECRET_ENV = "OPENAI_BATCH_WEBHOOK_SECRET"

_DEFAULTS = ServerOptions()

SERVE_EXAMPLES = """examples:
  openai-batch serve --port 8000 --speed 600                # 10 simulated minutes per second
  OPENAI_BATCH_SERVER_API_KEY=sk-local openai-batch serve    # accept only this key
  openai-batch serve --enqueued-token-limits gpt-4o-mini=2000000 --token-limit-mode reject
  openai-batch serve --fail-custom-id-pattern '-bad$' --fail-status-code 500 --fail-times 1
  OPENAI_BATCH_WEBHOOK_SECRET=whsec_... openai-batch serve --webhook-url http://127.0.0.1:9000/hooks

then, in another shell:
  export OPENAI_BASE_URL=http://127.0.0.1:8000/v1 OPENAI_API_KEY=sk-local
  openai-batch submit requests.jsonl --wait --out results.jsonl

Without --data-dir the server keeps its files in a temporary directory, removed when it
stops (Ctrl-C or SIGTERM).
"""


def _model_limit(text: str) -> tuple[str, int]:
    model, sep, number = text.partition("=")
    if sep and model:
        try:
            value = int(number.replace("_", "").replace(",", ""))
        except ValueError:
            value = 0
        if value >= 1:
            return model, value
    raise argparse.ArgumentTypeError(f"wants MODEL=N with N at least 1 (e.g. gpt-4o-mini=2000000), got {text!r}")


def _status_code(text: str) -> int:
    value = positive_int(text)
    if not 400 <= value <= 599:
        raise argparse.ArgumentTypeError(f"must be an HTTP error status from 400 to 599, got {text}")
    return value


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    """Every option of the foreground server, with its checks and help."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=port, default=8000, help="port to listen on (default 8000)")
    parser.add_argument("--data-dir", default=None, metavar="DIR", help="state directory (default: a temporary one)")
    parser.add_argument(
        "--api-key-env",
        default=API_KEY_ENV,
        metavar="NAME",
        help=f"accept only the key in this environment variable, when it is set (default {API_KEY_ENV})",
    )
    timing = parser.add_argument_group("simulated time")
    timing.add_argument(
        "--speed", type=positive, default=_DEFAULTS.speed, help="simulated seconds per real second (default 60)"
    )
    timing.add_argument(
        "--throughput",
        type=positive,
        default=_DEFAULTS.throughput,
        help=f"requests per simulated second (default {_DEFAULTS.throughput:g})",
    )
    for name in ("validating", "finalizing", "cancelling"):
        timing.add_argument(
            f"--{name}-seconds",
            type=non_negative,
            default=getattr(_DEFAULTS, f"{name}_seconds"),
            metavar="S",
            help=f"simulated seconds spent {name} (default {getattr(_DEFAULTS, f'{name}_seconds'):g})",
        )
    timing.add_argument(
        "--tick-interval",
        type=non_negative,
        default=_DEFAULTS.tick_interval,
        metavar="S",
        help=f"real seconds between two runs of the processing loop (default {_DEFAULTS.tick_interval:g})",
    )
    timing.add_argument(
        "--chunk-size",
        type=positive_int,
        default=_DEFAULTS.chunk_size,
        metavar="N",
        help=f"at most N requests of one batch run per tick (default {_DEFAULTS.chunk_size})",
    )
    failures = parser.add_argument_group("failures and limits")
    failures.add_argument("--fail-custom-id-pattern", default=None, metavar="REGEX", help="custom_ids that fail")
    failures.add_argument(
        "--fail-rate", type=fraction, default=0.0, help="fraction of requests that fail (0 to 1, default 0)"
    )
    failures.add_argument(
        "--fail-status-code",
        type=_status_code,
        default=_DEFAULTS.fail_status_code,
        metavar="CODE",
        help=f"status of a failing request (default {_DEFAULTS.fail_status_code})",
    )
    failures.add_argument(
        "--fail-times", type=positive_int, default=None, metavar="N", help="a failing custom_id fails only N runs"
    )
    failures.add_argument(
        "--enqueued-token-limit", type=positive_int, default=None, metavar="N", help="enqueued tokens of every model"
    )
    failures.add_argument(
        "--enqueued-token-limits",
        type=_model_limit,
        action="append",
        default=[],
        metavar="MODEL=N",
        help="enqueued tokens of one model (repeatable; overrides --enqueued-token-limit)",
    )
    failures.add_argument(
        "--token-limit-mode",
        choices=TOKEN_LIMIT_MODES,
        default=_DEFAULTS.token_limit_mode,
        help="fail: batches over the limit are created and then fail (the service); reject: create answers 400",
    )
    hooks = parser.add_argument_group("webhooks")
    hooks.add_argument(
        "--webhook-url",
        default=None,
        metavar="URL",
        help="POST signed batch.completed/failed/expired/cancelled events here (Standard Webhooks)",
    )
    hooks.add_argument(
        "--webhook-secret",
        default=None,
        metavar="SECRET",
        help=f"the 'whsec_...' signing secret (default: ${WEBHOOK_SECRET_ENV}, which keeps it off the command line)",
    )
    parser.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="how much the server logs on stderr (default info)",
    )


def options_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The ServerOptions keyword arguments given on the command line (the key included, from the environment)."""
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
        "required_api_key": os.environ.get(args.api_key_env) or None,
        "webhook_url": args.webhook_url,
        "webhook_secret": (args.webhook_secret or os.environ.get(WEBHOOK_SECRET_ENV) or None)
        if args.webhook_url
        else args.webhook_secret,
    }


def serve_from_args(args: argparse.Namespace) -> int:
    """Serve in the foreground until Ctrl-C or SIGTERM; 0 once stopped cleanly."""
    from .runner import run

    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    options = options_from_args(args)
    if options["required_api_key"] is None and args.api_key_env != API_KEY_ENV:
        # A variable named on purpose but empty would silently accept every key.
        sys.stderr.write(f"openai-batch serve: error: --api-key-env {args.api_key_env}: that variable is not set\n")
        return 2
    try:
        build_options(speed=args.speed, **options)
    except (ValueError, OpenAIBatchError, ImportError) as exc:
        # Checked before the port is taken: a bad webhook setting names itself, with no traceback.
        problem = str(exc)
        if options["webhook_url"] and options["webhook_secret"] is None:
            problem = f"--webhook-url needs --webhook-secret or ${WEBHOOK_SECRET_ENV}"
        sys.stderr.write(f"openai-batch serve: error: {problem}\n")
        return 2
    run(host=args.host, port=args.port, data_dir=args.data_dir, speed=args.speed, log_level=args.log_level, **options)
    sys.stderr.write("openai-batch serve: server stopped\n")
    return 0
