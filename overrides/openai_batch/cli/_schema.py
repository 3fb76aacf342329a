"""`results --schema module:Model`: load the user's pydantic model and write parsed result lines."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._files_content import write_atomically
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


def write_parsed_results(
    job: Job, model: type[BaseModel], path: str | os.PathLike[str]
) -> tuple[dict[str, int], dict[str, int]]:
    """Write each result line with ``parsed`` (the model's JSON) and ``problem``; return the outcome counts
    and the count of each problem kind (every line without ``parsed`` has one).

    Written as every ``--out`` is (see ``_output_path``): whole or not at all for a file.
    """
    counts: dict[str, int] = {}
    problems: dict[str, int] = {}

    def lines() -> Iterator[bytes]:
        for item in job.results(parse=model):
            parsed: Any = item.parsed.model_dump(mode="json") if item.parsed is not None else None
            if item.problem is not None:
                problems[item.problem.kind.value] = problems.get(item.problem.kind.value, 0) + 1
            counts[item.outcome.value] = counts.get(item.outcome.value, 0) + 1
            yield dumps(item.to_dict(parsed)) + b"\n"

    write_atomically(Path(path), lines())
    return counts, problems
