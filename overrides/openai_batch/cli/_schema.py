"""`results --schema module:Model`: load the user's pydantic model and write parsed result lines."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..workflow._json import dumps
from ..workflow._structured import require_pydantic
from ._errors import UsageError

if TYPE_CHECKING:
    from pydantic import BaseModel

    from ..workflow import Job

__all__ = ["load_schema", "write_parsed_results"]


def load_schema(spec: str) -> type[BaseModel]:
    """The class named by ``module:Model``, imported from the current directory or sys.path."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise UsageError(f"--schema {spec!r}: expected module:Model (for example answers:Answer)")
    try:
        require_pydantic()
    except ImportError as exc:
        raise UsageError(f"--schema: {exc}") from None
    from pydantic import BaseModel

    # Run as a console script, the current directory is not on sys.path; a user's module is there.
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # the user's module may fail in any way while it runs
        raise UsageError(f"--schema {spec!r}: cannot import {module_name}: {type(exc).__name__}: {exc}") from None
    model = getattr(module, attribute, None)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        found = "nothing" if model is None else type(model).__name__
        raise UsageError(f"--schema {spec!r}: {module_name}.{attribute} is {found}, not a pydantic model class")
    return model


def write_parsed_results(job: Job, model: type[BaseModel], path: str | os.PathLike[str]) -> tuple[dict[str, int], int]:
    """Write each result line with ``parsed`` (the model's JSON) and ``problem``; return (outcome counts, problems).

    The file appears whole or not at all (a temporary name, then a rename).
    """
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    counts: dict[str, int] = {}
    problems = 0
    try:
        with tmp.open("wb") as out:
            for item in job.results(parse=model):
                parsed: Any = item.parsed.model_dump(mode="json") if item.parsed is not None else None
                problems += item.problem is not None
                counts[item.outcome.value] = counts.get(item.outcome.value, 0) + 1
                out.write(dumps(item.to_dict(parsed)) + b"\n")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return counts, problems
