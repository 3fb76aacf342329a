"""Returned models as the official SDK users expect them: map fields as plain dicts, and one
call that turns any returned value into JSON-ready data.

The generated package models a free-form map (``metadata``) as an attrs class holding
``additional_properties``; the official ``openai`` package gives a ``dict``. The resources
pass every returned batch through :func:`plain_batch`, so ``batch.metadata.get("k")``,
``dict(batch.metadata)`` and ``json.dumps(batch.metadata)`` work as with the SDK.

Example::

    from openai_batch import BatchClient, to_data

    with BatchClient() as client:
        batch = client.batches.retrieve("batch_abc")
        print(batch.metadata.get("job"), json.dumps(to_data(batch)))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar, cast

import attrs
from openai_batch_api.types import Unset

__all__ = ["plain_batch", "to_data"]

T = TypeVar("T")


def _is_map_model(value: object) -> bool:
    # A generated model with no fields of its own: only `additional_properties`, a free-form map.
    cls: Any = type(value)
    return attrs.has(cls) and [a.name for a in attrs.fields(cls)] == ["additional_properties"]


def plain_batch(batch: T) -> T:
    """``batch`` with its ``metadata`` a plain ``dict`` (the same object, changed in place)."""
    metadata = getattr(batch, "metadata", None)
    if metadata is not None and _is_map_model(metadata):
        # The attrs instance is mutable; the annotation still names the generated class.
        cast(Any, batch).metadata = metadata.additional_properties  # the parsed dict itself, not a copy
    return batch


def to_data(value: Any) -> Any:
    """Any returned model, list, pager or status record as JSON-ready data (dicts, lists, str, numbers).

    Unset fields are left out, as the models' own ``to_dict()`` does; ``json.dumps(to_data(x))``
    always works on what the client returns.
    """
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_data(to_dict())
    if isinstance(value, Unset):
        return None
    if isinstance(value, Mapping):
        return {str(k): to_data(v) for k, v in value.items() if not isinstance(v, Unset)}
    if attrs.has(type(value)):
        return to_data(attrs.asdict(value, recurse=False))
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | bytearray):
        # Lists, tuples, and pagers (a pager is walked to its end: every page is fetched).
        return [to_data(v) for v in value]
    return value
