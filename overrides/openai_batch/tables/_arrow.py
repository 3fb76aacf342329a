"""pyarrow, imported on demand: the ``tables`` extra is optional, so its absence is one clear line."""

from __future__ import annotations

from typing import Any

__all__ = ["INSTALL_HINT", "require_pyarrow"]

INSTALL_HINT = "pip install 'openai-batch-client[tables]'"


def require_pyarrow() -> Any:
    """The ``pyarrow`` module (typed Any: it ships no type information), or an ImportError naming the extra to install."""
    try:
        import pyarrow
    except ImportError as exc:
        raise ImportError(f"tables in and out need pyarrow: {INSTALL_HINT}") from exc
    return pyarrow
