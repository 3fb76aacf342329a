"""``openai-batch``: the command line for Batch API jobs.

Run ``openai-batch --help`` for commands, examples and exit codes (see ``_exit``). The API
key comes only from ``OPENAI_API_KEY`` and is never printed.

Example::

    $ openai-batch submit requests.jsonl --wait --out results.jsonl
"""

from __future__ import annotations

import importlib.util
import logging
import sys
from collections.abc import Sequence

from . import _exit

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns its exit code (the console script exits with it)."""
    from .._exceptions import APIError, ConfigurationError, OpenAIBatchError
    from ..workflow import BatchWaitTimeout, InputValidationError, JobError
    from ._commands import COMMANDS, UsageError
    from ._output import Output, error
    from ._parser import build_parser

    arguments = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(arguments)
    args.argv = arguments
    args.resume_command = None
    out = Output(as_json=bool(args.json))
    if not out.as_json and importlib.util.find_spec("rich") is None:
        # Tables and bars come from rich, in the `cli` extra; say so instead of a traceback.
        error("human output needs the `cli` extra: pip install 'openai-batch-client[cli]' (or pass --json)")
        return _exit.USAGE
    if not logging.getLogger().handlers:
        # Warnings from the library (e.g. a poll that failed and will be retried) reach stderr.
        logging.basicConfig(level=logging.WARNING, format="openai-batch: %(levelname)s: %(message)s")
    command = COMMANDS[args.command]

    def resume_hint() -> None:
        # Set by commands once they know the job: the exact command that carries it on.
        if args.resume_command:
            error(f"the job goes on; resume it with: {args.resume_command}")

    try:
        return command(args, out)
    except InputValidationError as exc:
        if out.as_json:
            out.emit({"error": "validation", **exc.report.to_dict()})
        error(str(exc))
        return _exit.VALIDATION
    except BatchWaitTimeout as exc:
        error(str(exc))
        resume_hint()
        return _exit.TIMEOUT
    except (UsageError, ConfigurationError, JobError) as exc:
        error(str(exc))
        return _exit.USAGE
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        error(f"{exc.strerror}: {exc.filename}")
        return _exit.USAGE
    except APIError as exc:
        error(f"{type(exc).__name__}: {exc}")
        resume_hint()
        return _exit.API_ERROR
    except OpenAIBatchError as exc:
        error(str(exc))
        resume_hint()
        return _exit.API_ERROR
    except KeyboardInterrupt:
        if args.resume_command:
            error(f"interrupted; resume with: {args.resume_command}")
        else:
            error("interrupted")
        return _exit.INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
