"""Import httpx without its command-line client; ``httpx.main`` imports it when first called.

``import httpx`` also imports ``httpx._main`` (its ``httpx`` command) whenever click, rich
and pygments happen to be installed, as they often are beside a CLI: that was a quarter
of ``import openai_batch`` and of every ``openai-batch`` command's start. This module is
the package's first import: it imports httpx with that module held back, then puts back
``httpx.main`` as a function that imports the real one on its first call, so the ``httpx``
command (which imports httpx itself) and any caller of ``httpx.main`` see no difference.
When httpx is already imported, nothing is done.

Example::

    from openai_batch import _httpx_loader  # noqa: F401  (first, before anything imports httpx)
"""

from __future__ import annotations

import sys
from typing import Any

_CLI_MODULE = "httpx._main"


def _main(*args: Any, **kwargs: Any) -> Any:
    """httpx's own ``main``, imported on first use."""
    from httpx._main import main

    return main(*args, **kwargs)


def _load() -> None:
    if "httpx" in sys.modules or _CLI_MODULE in sys.modules:
        return
    # None in sys.modules makes `from ._main import main` raise ImportError, which httpx
    # catches (it then defines a stand-in main); removed again right after, so a later
    # `import httpx._main` imports the real module.
    sys.modules[_CLI_MODULE] = None  # type: ignore[assignment]
    try:
        import httpx
    finally:
        del sys.modules[_CLI_MODULE]
    setattr(httpx, "main", _main)  # noqa: B010  (mypy refuses assigning over a module's function)


_load()
