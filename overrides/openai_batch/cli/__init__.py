"""``openai-batch``: the command line for Batch API jobs.

Run ``openai-batch --help`` for commands, examples and exit codes (see ``_exit``). The API
key comes only from ``OPENAI_API_KEY`` and is never printed. With ``--json`` stdout holds
exactly one JSON document, for success and for every error (``{"error": {"kind": ...}}``).

Example::

    $ openai-batch submit requests.jsonl --wait --out results.jsonl
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence

from . import _exit

__all__ = ["main"]


def _wants_json(arguments: list[str]) -> bool:
    # Known before parsing, so that even a refused argument is answered in JSON.
    return "--json" in arguments[: arguments.index("--") if "--" in arguments else None]


def _stdout_gone() -> int:
    """The reader of stdout left (``| head -1``): end quietly, as a Unix tool killed by SIGPIPE does.

    Python ignores SIGPIPE, so a write raised BrokenPipeError instead. Whatever is still
    buffered for stdout can never be written: stdout now points at /dev/null, so the flush at
    exit does not print "Exception ignored ... BrokenPipeError" (see the "Note on SIGPIPE" in
    the `signal` module's documentation).
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout is not a real descriptor (an embedding caller's stream)
        pass
    return _exit.CLOSED_PIPE


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns its exit code (the console script exits with it)."""
    try:
        return _main(argv)
    except BrokenPipeError:
        return _stdout_gone()


def _main(argv: Sequence[str] | None) -> int:
    from ._commands import COMMANDS
    from ._errors import CommandLineError, describe
    from ._output import Output, error
    from ._parser import build_parser

    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(arguments)
    except CommandLineError as exc:
        failure = describe(exc, None)
        if _wants_json(arguments):
            Output(as_json=True).emit(failure.to_dict())
        else:
            sys.stderr.write(f"{failure.message}\n")
        raise
    args.argv = arguments
    args.resume_command = None
    args.job_id = None
    args.batch_ids = []
    out = Output(as_json=bool(getattr(args, "json", False)))
    if not logging.getLogger().handlers and args.command != "serve":
        # Warnings from the library (e.g. a poll that failed and will be retried) reach stderr,
        # above a live progress bar (see _progress) rather than into it.
        logging.basicConfig(level=logging.WARNING, format="openai-batch: %(levelname)s: %(message)s")
    command = COMMANDS[args.command]
    try:
        return command(args, out)
    except BrokenPipeError:
        raise  # the reader left: nothing to explain to anyone (see _stdout_gone)
    except (KeyboardInterrupt, Exception) as exc:
        try:
            failure = describe(exc, args)
        except Exception:
            # A bug, not a user's error: the traceback follows; scripts still get their document.
            if out.as_json:
                out.emit({"error": {"kind": "internal", "message": f"{type(exc).__name__}: {exc}", "exit_code": 1}})
            raise
        if out.as_json:
            out.emit(failure.to_dict())
        if isinstance(exc, KeyboardInterrupt):
            error(f"interrupted; resume with: {args.resume_command}" if args.resume_command else "interrupted")
        elif failure.kind == "unreachable":
            # One line: what could not be reached, and (nothing was sent) the command to run again.
            rerun = f"; once fixed, run: {args.resume_command}" if args.resume_command else ""
            error(failure.message + rerun)
        else:
            error(failure.message)
            if args.resume_command and failure.exit_code in (_exit.TIMEOUT, _exit.API_ERROR):
                # Set by commands once they know the job: the exact command that carries it on.
                if args.batch_ids:
                    error(f"the job goes on; resume it with: {args.resume_command}")
                else:
                    error(f"nothing was sent; once fixed, run: {args.resume_command}")
        return failure.exit_code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
