"""Ray, imported on demand: the ``ray`` extra is optional, so its absence is one clear line."""

from __future__ import annotations

from typing import Any

__all__ = ["INSTALL_HINT", "require_ray_data"]

INSTALL_HINT = "pip install 'openai-batch-client[ray]'"


def require_ray_data() -> Any:
    """The ``ray.data`` module (typed Any: Ray's types are not checked here), or an ImportError naming the extra."""
    try:
        import ray.data
    except ImportError as exc:
        raise ImportError(f"batch jobs on Ray Data need ray[data]: {INSTALL_HINT}") from exc
    return ray.data
