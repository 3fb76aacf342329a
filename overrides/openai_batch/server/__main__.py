"""`python -m openai_batch.server`: serve the local Batch API in the foreground.

The same options as ``openai-batch serve`` (see ``arguments``). The accepted API key, if one
is required, comes from the environment variable OPENAI_BATCH_SERVER_API_KEY (or the one
``--api-key-env`` names) rather than the command line, where other users could read it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .._help_text import HelpFormatter
from .arguments import SERVE_EXAMPLES, add_server_arguments, options_from_args, serve_from_args

__all__ = ["main", "options_from_args"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m openai_batch.server",
        description="Run the local Batch API server in the foreground.",
        epilog=SERVE_EXAMPLES,
        formatter_class=HelpFormatter,
    )
    add_server_arguments(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return serve_from_args(_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
